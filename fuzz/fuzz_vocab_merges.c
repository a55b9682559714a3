/* fuzz_vocab_merges.c: libFuzzer target for a tokenizer in GPT-2's two-file layout. The input
 * is split at NUL bytes into vocab.json, merges.txt and, when present, added_tokens.json and
 * special_tokens_map.json. A tokenizer that loads then encodes the whole input as text and
 * passes the checks of fuzz_check_text(). */
#include "fuzz_tok.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const names[FUZZ_MAX_PARTS] = {"vocab.json", "merges.txt",
                                                      "added_tokens.json",
                                                      "special_tokens_map.json"};
    size_t off[FUZZ_MAX_PARTS], len[FUZZ_MAX_PARTS];
    size_t n = fuzz_split(data, size, off, len);

    /* With no NUL at all, merges.txt is empty: a vocabulary of bytes alone is valid. */
    const char *files[FUZZ_MAX_PARTS];
    size_t n_files = n < 2 ? 2 : n;
    for (size_t i = 0; i < n_files; i++) {
        files[i] = fuzz_write(i, names[i], i < n ? data + off[i] : data, i < n ? len[i] : 0);
    }

    vkgpt_tokenizer_t *tok = NULL;
    if (fuzz_load(files, n_files, &tok) == VKGPT_OK) {
        uint32_t encode_flags = size & 1 ? VKGPT_TOKENIZE_SPECIAL : 0;
        uint32_t decode_flags = size & 2 ? VKGPT_DETOKENIZE_SKIP_SPECIAL : 0;
        fuzz_check_text(tok, data, size, encode_flags, decode_flags, false);
    }
    vkgpt_tokenizer_destroy(tok);
    return 0;
}
