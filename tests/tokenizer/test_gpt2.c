/* test_gpt2.c: the BPE plugin with GPT-2's real vocabulary (fetched at build time): ids equal
 * to an independent implementation's on the committed fixture, exact round-trip for random
 * bytes and for megabyte-long words, and streaming decode of Russian. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "tok_util.h"
#include "utf8.h"

static vkgpt_tokenizer_t *tok;

static void setup(void) {
    const char *why = NULL;
    const char *dir = tu_gpt2_dir(&why);
    if (!dir) {
        cr_skip_test("%s", why);
    }
    vkgpt_status_t st = tu_load(dir, NULL, &tok);
    cr_assert_eq(st, VKGPT_OK, "%s", vkgpt_tokenizer_error());
}

static void teardown(void) {
    vkgpt_tokenizer_destroy(tok);
    tok = NULL;
}

TestSuite(gpt2, .init = setup, .fini = teardown);

static void round_trip(const void *text, size_t len, const char *what) {
    int32_t *ids;
    size_t n = tu_encode(tok, text, len, 0, &ids);
    size_t back_len;
    char *back = tu_decode(tok, ids, n, 0, &back_len);
    cr_assert_eq(back_len, len, "%s: %zu bytes came back from %zu", what, back_len, len);
    cr_assert_eq(memcmp(back, text, len), 0, "%s: decode(encode(x)) != x", what);
    free(back);
    free(ids);
}

Test(gpt2, vocabulary_and_specials) {
    cr_assert_eq(vkgpt_tokenizer_vocab_size(tok), 50257);
    cr_assert_eq(vkgpt_tokenizer_special_id(tok, VKGPT_SPECIAL_EOS), 50256);
    size_t len;
    const char *p = vkgpt_tokenizer_token_to_piece(tok, 50256, &len);
    cr_assert_eq(len, 13);
    cr_assert_eq(memcmp(p, "<|endoftext|>", 13), 0);
}

Test(gpt2, ids_match_the_independent_implementation) {
    json_error_t jerr;
    json_t *root = json_load_file(tu_fixture("gpt2_ids.json"), JSON_ALLOW_NUL, &jerr);
    cr_assert(root, "gpt2_ids.json:%d: %s", jerr.line, jerr.text);
    json_t *cases = json_object_get(root, "cases");
    cr_assert_gt(json_array_size(cases), 30);

    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        const char *name = json_string_value(json_object_get(c, "name"));
        json_t *text = json_object_get(c, "text");
        json_t *want = json_object_get(c, "ids");
        uint32_t flags = json_is_true(json_object_get(c, "special")) ? VKGPT_TOKENIZE_SPECIAL : 0;

        int32_t *ids;
        size_t n = tu_encode(tok, json_string_value(text), json_string_length(text), flags, &ids);
        for (size_t k = 0; k < n && k < json_array_size(want); k++) {
            int32_t w = (int32_t)json_integer_value(json_array_get(want, k));
            cr_assert_eq(ids[k], w, "case '%s': id %zu is %d, expected %d", name, k, ids[k], w);
        }
        cr_assert_eq(n, json_array_size(want), "case '%s': %zu ids, expected %zu", name, n,
                     json_array_size(want));
        free(ids);
        round_trip(json_string_value(text), json_string_length(text), name);
    }
    json_decref(root);
}

/* Seeded random byte strings, biased towards what breaks tokenizers: UTF-8 lead and
 * continuation bytes in the wrong places, spaces, apostrophes, Cyrillic. */
Test(gpt2, random_bytes_round_trip_exactly) {
    static const char *const bits[] = {" ", "  ", "\n", "'s", "'", "a", "Z", "7", "\xd0\xaf",
                                       "\xd1\x8b", "\xd0", "\x80", "\xff", "\xe2\x82",
                                       "\xf0\x9f\xa4\x96", "\xc0\xaf", "\xed\xa0\x80", "!",
                                       "\xe3\x80\x80", "\t"};
    uint64_t seed = 0x70c0ffee;
    char buf[512];
    for (int round = 0; round < 3000; round++) {
        size_t len = 0, target = tu_rand(&seed) % 200;
        while (len < target) {
            uint64_t r = tu_rand(&seed);
            if (r % 3 == 0) {
                buf[len++] = (char)(r >> 24);
                continue;
            }
            const char *b = bits[(r >> 8) % (sizeof(bits) / sizeof(bits[0]))];
            memcpy(buf + len, b, strlen(b));
            len += strlen(b);
        }
        char what[32];
        snprintf(what, sizeof(what), "round %d", round);
        round_trip(buf, len, what);
    }
}

/* The inputs of the linear-time benchmark, checked here for correctness only. */
Test(gpt2, megabyte_words_round_trip) {
    size_t n = 1000000;
    char *s = malloc(n);
    memset(s, 'a', n);
    round_trip(s, n, "a x 1e6");
    memset(s, ' ', n);
    round_trip(s, n, "space x 1e6");
    for (size_t i = 0; i + 1 < n; i += 2) {
        memcpy(s + i, "\xd1\x8b", 2);
    }
    round_trip(s, n, "Cyrillic x 5e5");
    uint64_t seed = 42;
    for (size_t i = 0; i < n; i++) {
        s[i] = (char)('a' + tu_rand(&seed) % 26);
    }
    round_trip(s, n, "random letters x 1e6");
    free(s);
}

Test(gpt2, stream_returns_whole_characters_and_the_same_text) {
    const char *text = "Съешь же ещё этих мягких "
                       "французских булок 🤖, да выпей чаю.";
    int32_t *ids;
    size_t n = tu_encode(tok, text, strlen(text), 0, &ids);
    vkgpt_tokenizer_stream_t *s;
    cr_assert_eq(vkgpt_tokenizer_stream_create(tok, 0, &s), VKGPT_OK);
    char out[512];
    size_t o = 0, held_back = 0;
    for (size_t i = 0; i < n; i++) {
        const char *piece;
        size_t len;
        cr_assert_eq(vkgpt_tokenizer_stream_push(s, ids[i], &piece, &len), VKGPT_OK);
        cr_assert_lt(o + len, sizeof(out));
        memcpy(out + o, piece, len);
        o += len;
        held_back += len == 0;
        /* what came out so far is whole characters */
        cr_assert(vkgpt__utf8_valid((const uint8_t *)out, o), "after id %zu", i);
    }
    const char *rest;
    size_t len;
    vkgpt_tokenizer_stream_flush(s, &rest, &len);
    cr_assert_eq(len, 0);
    cr_assert_eq(o, strlen(text));
    cr_assert_eq(memcmp(out, text, o), 0);
    cr_assert_gt(held_back, 0, "GPT-2 splits some Cyrillic letters; the stream held none back");
    vkgpt_tokenizer_stream_destroy(s);
    free(ids);
}
