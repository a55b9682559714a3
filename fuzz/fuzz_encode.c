/* fuzz_encode.c: libFuzzer target for encoding and streaming decoding with a fixed real
 * vocabulary (fuzz/vocab: byte-level BPE trained by vkgpt on the project's English and Russian
 * text, loaded once). The first input byte chooses the options, the rest is the text:
 *     bit 0: encode with VKGPT_TOKENIZE_SPECIAL ("<|endoftext|>" becomes its token)
 *     bit 1: the tokenizer.json form of the same vocabulary, with ignore_merges and added
 *            tokens (some containing spaces), instead of vocab.json + merges.txt
 *     bit 2: decode with VKGPT_DETOKENIZE_SKIP_SPECIAL
 * Besides fuzz_check_text()'s contracts, decode(encode(text)) must give the text back, byte
 * for byte, unless special tokens were both matched and skipped. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_tok.h"

#ifndef FUZZ_VOCAB_DIR
#error "FUZZ_VOCAB_DIR must name the folder of the fixed vocabulary"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vkgpt_tokenizer_t *load_fixed(const char *const *names, size_t n) {
    char paths[3][512];
    const char *files[3];
    for (size_t i = 0; i < n; i++) {
        snprintf(paths[i], sizeof(paths[i]), "%s/%s", FUZZ_VOCAB_DIR, names[i]);
        files[i] = paths[i];
    }
    vkgpt_tokenizer_t *tok = NULL;
    if (fuzz_load(files, n, &tok) != VKGPT_OK) {
        fprintf(stderr, "fuzz_encode: cannot load the vocabulary in %s: %s\n", FUZZ_VOCAB_DIR,
                vkgpt_tokenizer_error());
        abort();
    }
    return tok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* Loaded once and kept: the encoder's word cache then carries over from input to input,
     * as it does in an application. */
    static vkgpt_tokenizer_t *toks[2];
    if (!toks[0]) {
        static const char *const pair[] = {"vocab.json", "merges.txt",
                                           "special_tokens_map.json"};
        static const char *const json[] = {"tokenizer.json"};
        toks[0] = load_fixed(pair, 3);
        toks[1] = load_fixed(json, 1);
    }
    if (size == 0) {
        return 0;
    }

    uint8_t opt = data[0];
    uint32_t encode_flags = opt & 1 ? VKGPT_TOKENIZE_SPECIAL : 0;
    uint32_t decode_flags = opt & 4 ? VKGPT_DETOKENIZE_SKIP_SPECIAL : 0;
    bool identity = !(encode_flags && decode_flags);
    fuzz_check_text(toks[(opt >> 1) & 1], data + 1, size - 1, encode_flags, decode_flags,
                    identity);
    return 0;
}
