/* stream.h: holds back a UTF-8 character split across tokens while decoding one token at a
 * time (a Cyrillic letter is two bytes and byte-level BPE may split it). */
#ifndef VKGPT_TOKENIZER_STREAM_H
#define VKGPT_TOKENIZER_STREAM_H

#include <stdbool.h>
#include <stddef.h>

typedef struct vkgpt__text_stream {
    char *buf;   /* [ready bytes | held bytes], owned */
    size_t cap;
    size_t ready; /* bytes returned by the last push */
    size_t held;  /* bytes after them, waiting for the rest of a character (at most 3) */
} vkgpt__text_stream_t;

/* Appends bytes[0..n) to what is held back and points *out, *out_len at the longest part that
 * ends on a character boundary; the rest is held. *out is borrowed until the next call.
 * Returns false when memory runs out (the stream is unchanged). */
bool vkgpt__text_stream_push(vkgpt__text_stream_t *st, const char *bytes, size_t n,
                             const char **out, size_t *out_len);

/* Returns the held bytes (an unfinished character) and empties the stream. */
void vkgpt__text_stream_flush(vkgpt__text_stream_t *st, const char **out, size_t *out_len);

void vkgpt__text_stream_free(vkgpt__text_stream_t *st);

#endif
