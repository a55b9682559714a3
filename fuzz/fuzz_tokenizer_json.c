/* fuzz_tokenizer_json.c: libFuzzer target for a tokenizer in Hugging Face's tokenizer.json
 * layout. The input is split at NUL bytes into tokenizer.json and, when present,
 * tokenizer_config.json, special_tokens_map.json and added_tokens.json. A tokenizer that loads
 * then encodes the whole input as text and passes the checks of fuzz_check_text(). */
#include "fuzz_tok.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const names[FUZZ_MAX_PARTS] = {"tokenizer.json",
                                                      "tokenizer_config.json",
                                                      "special_tokens_map.json",
                                                      "added_tokens.json"};
    size_t off[FUZZ_MAX_PARTS], len[FUZZ_MAX_PARTS];
    size_t n = fuzz_split(data, size, off, len);

    const char *files[FUZZ_MAX_PARTS];
    for (size_t i = 0; i < n; i++) {
        files[i] = fuzz_write(i, names[i], data + off[i], len[i]);
    }

    vkgpt_tokenizer_t *tok = NULL;
    if (fuzz_load(files, n, &tok) == VKGPT_OK) {
        uint32_t encode_flags = size & 1 ? VKGPT_TOKENIZE_SPECIAL : 0;
        uint32_t decode_flags = size & 2 ? VKGPT_DETOKENIZE_SKIP_SPECIAL : 0;
        fuzz_check_text(tok, data, size, encode_flags, decode_flags, false);
    }
    vkgpt_tokenizer_destroy(tok);
    return 0;
}
