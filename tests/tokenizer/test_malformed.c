/* test_malformed.c: every malformed tokenizer file is a clear error that names the file and
 * what is wrong in it; none crashes. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tok_util.h"

static char *dir;

static void setup(void) {
    dir = tu_tempdir();
}

static void teardown(void) {
    tu_rmdir(dir);
}

TestSuite(malformed, .init = setup, .fini = teardown);

/* Loads dir and expects status st with every fragment in the message. */
static void expect_error(vkgpt_status_t st, const char *const *fragments, size_t n) {
    vkgpt_tokenizer_t *tok = NULL;
    vkgpt_status_t got = tu_load(dir, NULL, &tok);
    const char *msg = vkgpt_tokenizer_error();
    cr_assert_eq(got, st, "status %s, expected %s; message: %s", vkgpt_status_name(got),
                 vkgpt_status_name(st), msg);
    cr_assert_null(tok);
    for (size_t i = 0; i < n; i++) {
        cr_assert_neq(strstr(msg, fragments[i]), NULL, "message lacks '%s': %s", fragments[i],
                      msg);
    }
}

#define EXPECT(st, ...)                                                                     \
    do {                                                                                    \
        const char *frags[] = {__VA_ARGS__};                                                \
        expect_error(st, frags, sizeof(frags) / sizeof(frags[0]));                          \
    } while (0)

Test(malformed, truncated_vocab_json) {
    tu_toy_vocab(dir, NULL, 0, "");
    tu_writes(dir, "vocab.json", "{\"a\": 0, \"b\": 1, \"c\"");
    EXPECT(VKGPT_ERR_BAD_FORMAT, "vocab.json:1:");
}

Test(malformed, merge_naming_an_unknown_token) {
    tu_toy_vocab(dir, (const char *[]){"ab"}, 1, "a b\nq zz\n");
    EXPECT(VKGPT_ERR_BAD_FORMAT, "merges.txt:3", "'zz'", "not in the vocabulary");
}

Test(malformed, merge_making_an_unknown_token) {
    tu_toy_vocab(dir, NULL, 0, "a b\n");
    EXPECT(VKGPT_ERR_BAD_FORMAT, "merges.txt:2", "'a' and 'b'");
}

Test(malformed, merge_line_with_three_pieces) {
    tu_toy_vocab(dir, (const char *[]){"ab"}, 1, "a b c\n");
    EXPECT(VKGPT_ERR_BAD_FORMAT, "merges.txt:2", "two pieces");
}

Test(malformed, duplicate_ids) {
    tu_toy_vocab(dir, NULL, 0, "");
    tu_writes(dir, "vocab.json", "{\"a\": 0, \"b\": 1, \"c\": 1}");
    EXPECT(VKGPT_ERR_BAD_FORMAT, "vocab.json", "id 1 is given to both");
}

Test(malformed, duplicate_pieces) {
    tu_toy_vocab(dir, NULL, 0, "");
    tu_writes(dir, "vocab.json", "{\"a\": 0, \"b\": 1, \"a\": 2}");
    EXPECT(VKGPT_ERR_BAD_FORMAT, "vocab.json:1:", "duplicate");
}

Test(malformed, id_past_the_vocabulary) {
    tu_toy_vocab(dir, NULL, 0, "");
    tu_writes(dir, "vocab.json", "{\"a\": 0, \"b\": 70000}");
    EXPECT(VKGPT_ERR_BAD_FORMAT, "vocab.json", "'b'", "id 70000", "past the vocabulary");
}

Test(malformed, negative_and_non_integer_ids) {
    tu_toy_vocab(dir, NULL, 0, "");
    tu_writes(dir, "vocab.json", "{\"a\": -1}");
    EXPECT(VKGPT_ERR_BAD_FORMAT, "vocab.json", "id -1");
    tu_writes(dir, "vocab.json", "{\"a\": \"zero\"}");
    EXPECT(VKGPT_ERR_BAD_FORMAT, "vocab.json", "non-integer id");
}

Test(malformed, not_utf8_json) {
    tu_toy_vocab(dir, NULL, 0, "");
    tu_writes(dir, "vocab.json", "{\"a\": 0,\n \"\xff\xfe\": 1}");
    EXPECT(VKGPT_ERR_BAD_FORMAT, "vocab.json:2:");
}

Test(malformed, not_a_json_object) {
    tu_toy_vocab(dir, NULL, 0, "");
    tu_writes(dir, "vocab.json", "[1, 2, 3]");
    EXPECT(VKGPT_ERR_BAD_FORMAT, "vocab.json", "not a JSON object");
}

Test(malformed, vocabulary_missing_byte_tokens) {
    tu_toy_vocab(dir, NULL, 0, "");
    tu_writes(dir, "vocab.json", "{\"a\": 0, \"b\": 1}");
    EXPECT(VKGPT_ERR_BAD_FORMAT, "vocab.json", "no token for byte 0x00", "byte-level");
}

Test(malformed, a_100_megabyte_string) {
    size_t n = 100u << 20;
    char *big = malloc(n + 16);
    cr_assert(big);
    memset(big, 'x', n + 16);
    memcpy(big, "{\"", 2);
    memcpy(big + n + 2, "\": 0}", 5);
    tu_toy_vocab(dir, NULL, 0, "");
    tu_write(dir, "vocab.json", big, n + 7);
    free(big);
    EXPECT(VKGPT_ERR_BAD_FORMAT, "vocab.json", "byte offset 1", "string longer than");
}

Test(malformed, tokenizer_json_of_another_model_type) {
    tu_writes(dir, "tokenizer.json",
              "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}}");
    EXPECT(VKGPT_ERR_UNSUPPORTED, "tokenizer.json", "'WordPiece'", "not BPE");
}

Test(malformed, tokenizer_json_with_a_normalizer) {
    tu_writes(dir, "tokenizer.json",
              "{\"normalizer\": {\"type\": \"NFC\"}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"},"
              " \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}}");
    EXPECT(VKGPT_ERR_UNSUPPORTED, "tokenizer.json", "normalizer 'NFC'");
}

Test(malformed, tokenizer_json_added_token_past_the_vocabulary) {
    tu_writes(dir, "tokenizer.json",
              "{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"added_tokens\": [{\"id\": 999, "
              "\"content\": \"<x>\", \"special\": true}], \"model\": {\"type\": \"BPE\", "
              "\"vocab\": {\"a\": 0}, \"merges\": []}}");
    EXPECT(VKGPT_ERR_BAD_FORMAT, "tokenizer.json", "'<x>'", "id 999", "past the vocabulary");
}

/* Both clashes once printed the token's text from an unset buffer. */
Test(malformed, added_token_clashing_with_the_vocabulary_is_named) {
    tu_toy_vocab(dir, (const char *[]){"ab"}, 1, "a b\n");
    tu_writes(dir, "added_tokens.json", "{\"zz\": 97}");
    EXPECT(VKGPT_ERR_BAD_FORMAT, "added_tokens.json", "added token 'zz' has id 97",
           "already 'a'");
    tu_writes(dir, "added_tokens.json", "{\"ab\": 257}");
    EXPECT(VKGPT_ERR_BAD_FORMAT, "added_tokens.json", "added token 'ab' has id 257",
           "already token 256");
}

Test(malformed, tokenizer_json_bad_merge_entry) {
    tu_writes(dir, "tokenizer.json",
              "{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"model\": {\"type\": \"BPE\", "
              "\"vocab\": {\"a\": 0}, \"merges\": [42]}}");
    EXPECT(VKGPT_ERR_BAD_FORMAT, "tokenizer.json", "model.merges[0]");
}

Test(malformed, special_tokens_map_truncated) {
    tu_toy_vocab(dir, NULL, 0, "");
    tu_writes(dir, "special_tokens_map.json", "{\"eos_token\": \"</s");
    EXPECT(VKGPT_ERR_BAD_FORMAT, "special_tokens_map.json:1:");
}

Test(malformed, missing_files_and_folders) {
    EXPECT(VKGPT_ERR_IO, "no tokenizer.json", "vocab.json");
    tu_writes(dir, "vocab.json", "{}");
    EXPECT(VKGPT_ERR_IO, "no tokenizer.json");
    vkgpt_tokenizer_t *tok = NULL;
    cr_assert_eq(tu_load("/nonexistent/vkgpt", NULL, &tok), VKGPT_ERR_IO);
    cr_assert_neq(strstr(vkgpt_tokenizer_error(), "/nonexistent/vkgpt"), NULL);
}

Test(malformed, empty_merges_and_crlf_lines_are_fine) {
    tu_toy_vocab(dir, (const char *[]){"ab"}, 1, "");
    tu_writes(dir, "merges.txt", "#version: 0.2\r\na b\r\n\r\n");
    vkgpt_tokenizer_t *tok = NULL;
    cr_assert_eq(tu_load(dir, NULL, &tok), VKGPT_OK, "%s", vkgpt_tokenizer_error());
    int32_t *ids;
    cr_assert_eq(tu_encode(tok, "ab", 2, 0, &ids), 1);
    cr_assert_eq(ids[0], 256);
    free(ids);
    vkgpt_tokenizer_destroy(tok);
}
