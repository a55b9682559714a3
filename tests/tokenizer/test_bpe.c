/* test_bpe.c: the BPE plugin on toy vocabularies written by the test: merge order, special
 * and added tokens, buffer contracts, ids past the vocabulary, streaming decode, and the
 * heap-based merge of long words against a plain reference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "pretokenize.h"
#include "ref_bpe.h"
#include "tok_util.h"

static char *dir;
static vkgpt_tokenizer_t *tok;

static void teardown(void) {
    vkgpt_tokenizer_destroy(tok);
    tok = NULL;
    if (dir) {
        tu_rmdir(dir);
        dir = NULL;
    }
}

/* A toy byte-level tokenizer with the given extra tokens and merges. */
static void toy(const char *const *extra, size_t n, const char *merges) {
    dir = tu_tempdir();
    tu_toy_vocab(dir, extra, n, merges);
    vkgpt_status_t st = tu_load(dir, NULL, &tok);
    cr_assert_eq(st, VKGPT_OK, "load failed: %s", vkgpt_tokenizer_error());
}

static void expect_ids(const char *text, uint32_t flags, const int32_t *want, size_t n_want) {
    int32_t *ids;
    size_t n = tu_encode(tok, text, strlen(text), flags, &ids);
    cr_assert_eq(n, n_want, "\"%s\": %zu ids, expected %zu", text, n, n_want);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(ids[i], want[i], "\"%s\": id %zu is %d, expected %d", text, i, ids[i],
                     want[i]);
    }
    free(ids);
}

TestSuite(bpe, .fini = teardown);

Test(bpe, merges_lowest_rank_first) {
    const char *extra[] = {"ab", "bc"};
    toy(extra, 2, "a b\nb c\n");
    expect_ids("abc", 0, (int32_t[]){256, 'c'}, 2);
    teardown();
    toy(extra, 2, "b c\na b\n");
    expect_ids("abc", 0, (int32_t[]){'a', 257}, 2);
}

Test(bpe, equal_ranks_merge_left_to_right) {
    const char *extra[] = {"aa"};
    toy(extra, 1, "a a\n");
    expect_ids("aaa", 0, (int32_t[]){256, 'a'}, 2);
    expect_ids("aaaa", 0, (int32_t[]){256, 256}, 2);
}

Test(bpe, merged_tokens_merge_again) {
    const char *extra[] = {"ab", "abc", "\xc4\xa0" "abc"};
    toy(extra, 3, "a b\nab c\n\xc4\xa0 abc\n");
    expect_ids("abc abc", 0, (int32_t[]){257, 258}, 2);
}

Test(bpe, long_words_merge_like_the_reference) {
    const char *extra[] = {"ab", "bc", "abc", "ca", "aa", "aaaa", "abcabc", "cc", "ccc"};
    toy(extra, 9, "a b\nb c\nab c\nc a\na a\naa aa\nabc abc\nc c\ncc c\n");
    ref_bpe_t *ref = ref_bpe_load(dir);
    uint64_t seed = 0xb9e;
    uint8_t word[400];
    int32_t want[400];
    for (int round = 0; round < 300; round++) {
        /* lengths around the switch from the array merge (<= 64 bytes) to the heap merge */
        size_t n = 1 + tu_rand(&seed) % 300;
        for (size_t i = 0; i < n; i++) {
            word[i] = (uint8_t)("abc"[tu_rand(&seed) % 3]);
        }
        size_t n_want = ref_bpe_word(ref, word, n, want, 400);
        int32_t *ids;
        size_t got = tu_encode(tok, word, n, 0, &ids);
        cr_assert_eq(got, n_want, "round %d (%zu bytes): %zu ids, reference %zu", round, n, got,
                     n_want);
        cr_assert_arr_eq(ids, want, n_want * sizeof(int32_t), "round %d differs", round);
        free(ids);
    }
    ref_bpe_free(ref);
}

Test(bpe, special_text_is_matched_only_when_asked) {
    const char *extra[] = {"<|endoftext|>"};
    toy(extra, 1, "");
    const char *s = "x<|endoftext|>y";
    int32_t *ids;
    size_t n = tu_encode(tok, s, strlen(s), 0, &ids);
    cr_assert_eq(n, strlen(s), "without the flag every byte is its own token here");
    free(ids);
    expect_ids(s, VKGPT_TOKENIZE_SPECIAL, (int32_t[]){'x', 256, 'y'}, 3);
    cr_assert_eq(vkgpt_tokenizer_special_id(tok, VKGPT_SPECIAL_EOS), 256);
    cr_assert_eq(vkgpt_tokenizer_special_id(tok, VKGPT_SPECIAL_BOS), 256);
    cr_assert_eq(vkgpt_tokenizer_special_id(tok, VKGPT_SPECIAL_PAD), -1);
}

Test(bpe, decode_can_skip_special_tokens) {
    const char *extra[] = {"<|endoftext|>"};
    toy(extra, 1, "");
    int32_t ids[] = {'h', 256, 'i'};
    size_t len;
    char *s = tu_decode(tok, ids, 3, 0, &len);
    cr_assert_str_eq(s, "h<|endoftext|>i");
    free(s);
    s = tu_decode(tok, ids, 3, VKGPT_DETOKENIZE_SKIP_SPECIAL, &len);
    cr_assert_str_eq(s, "hi");
    free(s);
}

Test(bpe, special_tokens_map_names_roles_and_appends_missing_tokens) {
    dir = tu_tempdir();
    tu_toy_vocab(dir, NULL, 0, "");
    tu_writes(dir, "special_tokens_map.json",
              "{\"bos_token\": \"<s>\", \"eos_token\": {\"content\": \"</s>\"}, "
              "\"pad_token\": \"<pad>\", \"additional_special_tokens\": [\"<x>\"]}");
    cr_assert_eq(tu_load(dir, NULL, &tok), VKGPT_OK, "%s", vkgpt_tokenizer_error());
    cr_assert_eq(vkgpt_tokenizer_vocab_size(tok), 260);
    cr_assert_eq(vkgpt_tokenizer_special_id(tok, VKGPT_SPECIAL_BOS), 256);
    cr_assert_eq(vkgpt_tokenizer_special_id(tok, VKGPT_SPECIAL_EOS), 257);
    cr_assert_eq(vkgpt_tokenizer_special_id(tok, VKGPT_SPECIAL_PAD), 258);
    cr_assert_eq(vkgpt_tokenizer_special_count(tok), 4);
    vkgpt_tokenizer_special_t sp = {.struct_size = sizeof(sp)};
    cr_assert_eq(vkgpt_tokenizer_special_at(tok, 3, &sp), VKGPT_OK);
    cr_assert_eq(sp.id, 259);
    cr_assert_eq(sp.roles, 0);
    cr_assert_eq(sp.text_len, 3);
    cr_assert_eq(memcmp(sp.text, "<x>", 3), 0);
    expect_ids("<s>a</s>", VKGPT_TOKENIZE_SPECIAL, (int32_t[]){256, 'a', 257}, 3);
}

Test(bpe, buffer_too_small_reports_the_count_and_writes_nothing) {
    toy(NULL, 0, "");
    int32_t ids[4] = {-7, -7, -7, -7};
    size_t n = 0;
    cr_assert_eq(vkgpt_tokenizer_encode(tok, "hello", 5, 0, ids, 3, &n),
                 VKGPT_ERR_BUFFER_TOO_SMALL);
    cr_assert_eq(n, 5);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(ids[i], -7, "id slot %d was written", i);
    }
    cr_assert_eq(vkgpt_tokenizer_encode(tok, "hello", 5, 0, NULL, 0, &n),
                 VKGPT_ERR_BUFFER_TOO_SMALL);
    cr_assert_eq(n, 5);
    cr_assert_neq(strstr(vkgpt_tokenizer_last_error(tok), "5 tokens"), NULL);

    int32_t in[] = {'h', 'i', '!'};
    char out[4] = "####";
    cr_assert_eq(vkgpt_tokenizer_decode(tok, in, 3, 0, out, 2, &n, NULL),
                 VKGPT_ERR_BUFFER_TOO_SMALL);
    cr_assert_eq(n, 3);
    cr_assert_eq(memcmp(out, "####", 4), 0);
}

Test(bpe, ids_past_the_vocabulary_decode_to_nothing_and_are_counted) {
    toy(NULL, 0, "");
    int32_t ids[] = {'a', 50263, -1, 'b', 256};
    char out[16];
    size_t n = 0, invalid = 0;
    cr_assert_eq(vkgpt_tokenizer_decode(tok, ids, 5, 0, out, sizeof(out), &n, &invalid),
                 VKGPT_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(memcmp(out, "ab", 2), 0);
    cr_assert_eq(invalid, 3);
    size_t len;
    cr_assert_null(vkgpt_tokenizer_token_to_piece(tok, 50263, &len));
}

Test(bpe, pieces_are_spelled_as_in_the_files) {
    const char *extra[] = {"\xc4\xa0" "a"};
    toy(extra, 1, "\xc4\xa0 a\n");
    size_t len;
    const char *p = vkgpt_tokenizer_token_to_piece(tok, ' ', &len);
    cr_assert_eq(len, 2);
    cr_assert_eq(memcmp(p, "\xc4\xa0", 2), 0);
    cr_assert_eq(vkgpt_tokenizer_piece_to_token(tok, "\xc4\xa0" "a", 3), 256);
    cr_assert_eq(vkgpt_tokenizer_piece_to_token(tok, " a", 2), -1);
    expect_ids(" a", 0, (int32_t[]){256}, 1);
}

Test(bpe, stream_holds_back_a_split_character) {
    toy(NULL, 0, "");
    vkgpt_tokenizer_stream_t *s;
    cr_assert_eq(vkgpt_tokenizer_stream_create(tok, 0, &s), VKGPT_OK);
    const char *text;
    size_t len;
    cr_assert_eq(vkgpt_tokenizer_stream_push(s, 0xD0, &text, &len), VKGPT_OK);
    cr_assert_eq(len, 0);
    cr_assert_eq(vkgpt_tokenizer_stream_push(s, 0xAF, &text, &len), VKGPT_OK);
    cr_assert_eq(len, 2);
    cr_assert_eq(memcmp(text, "\xd0\xaf", 2), 0);
    cr_assert_eq(vkgpt_tokenizer_stream_push(s, 0xE2, &text, &len), VKGPT_OK);
    cr_assert_eq(len, 0);
    cr_assert_eq(vkgpt_tokenizer_stream_flush(s, &text, &len), VKGPT_OK);
    cr_assert_eq(len, 1);
    vkgpt_tokenizer_stream_destroy(s);
}

/* A tokenizer.json with merges as arrays, a normal added token, and add_prefix_space. */
Test(bpe, tokenizer_json_with_added_tokens) {
    dir = tu_tempdir();
    tu_toy_vocab(dir, NULL, 0, "");
    char *vocab = NULL;
    size_t cap = 16384;
    vocab = malloc(cap);
    FILE *f = fopen(strcat(strcpy(vocab, dir), "/vocab.json"), "r");
    size_t n = fread(vocab, 1, cap - 1, f);
    fclose(f);
    vocab[n - 2] = '\0'; /* drop "}\n" to append */
    char *json = malloc(cap + 1024);
    snprintf(json, cap + 1024,
             "{\"version\": \"1.0\", \"added_tokens\": [{\"id\": 257, \"content\": \"foo bar\", "
             "\"special\": false}],\n\"normalizer\": null,\n\"pre_tokenizer\": {\"type\": "
             "\"ByteLevel\", \"add_prefix_space\": true},\n\"decoder\": {\"type\": "
             "\"ByteLevel\"},\n\"model\": {\"type\": \"BPE\", \"vocab\": %s, \"\xc4\xa0x\": 256},"
             "\n\"merges\": [[\"\xc4\xa0\", \"x\"]]}}",
             vocab);
    free(vocab);
    tu_writes(dir, "tokenizer.json", json);
    free(json);
    vkgpt_status_t st = tu_load(dir, NULL, &tok);
    cr_assert_eq(st, VKGPT_OK, "%s", vkgpt_tokenizer_error());
    expect_ids("x", 0, (int32_t[]){256}, 1);
    expect_ids("x foo barx", 0, (int32_t[]){256, ' ', 257, 256}, 4);
    cr_assert_eq(vkgpt_tokenizer_vocab_size(tok), 258);
}
