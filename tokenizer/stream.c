/* stream.c: the held-back buffer behind streaming decode. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"
#include "utf8.h"

static bool reserve(vkgpt__text_stream_t *st, size_t need) {
    if (need <= st->cap) {
        return true;
    }
    size_t cap = st->cap ? st->cap : 64;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            return false;
        }
        cap *= 2;
    }
    char *buf = realloc(st->buf, cap);
    if (!buf) {
        return false;
    }
    st->buf = buf;
    st->cap = cap;
    return true;
}

bool vkgpt__text_stream_push(vkgpt__text_stream_t *st, const char *bytes, size_t n,
                             const char **out, size_t *out_len) {
    /* Move the held bytes to the front, then append the new ones after them. */
    if (n > SIZE_MAX - st->held || !reserve(st, st->held + n)) {
        return false;
    }
    memmove(st->buf, st->buf + st->ready, st->held);
    if (n) {
        memcpy(st->buf + st->held, bytes, n);
    }
    size_t total = st->held + n;

    st->ready = vkgpt__utf8_complete_prefix((const uint8_t *)st->buf, total);
    st->held = total - st->ready;
    *out = st->buf;
    *out_len = st->ready;
    return true;
}

void vkgpt__text_stream_flush(vkgpt__text_stream_t *st, const char **out, size_t *out_len) {
    *out = st->buf ? st->buf + st->ready : "";
    *out_len = st->held;
    st->ready += st->held;
    st->held = 0;
}

void vkgpt__text_stream_free(vkgpt__text_stream_t *st) {
    free(st->buf);
    memset(st, 0, sizeof(*st));
}
