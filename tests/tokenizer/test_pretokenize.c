/* test_pretokenize.c: GPT-2's split rules, case by case, and coverage of any byte string. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "pretokenize.h"
#include "utf8.h"
#include "tok_util.h"

/* Splits s and joins the pieces with '|' for comparison. */
static void split(const char *s, size_t len, char *out, size_t cap) {
    size_t o = 0;
    for (size_t pos = 0; pos < len;) {
        size_t end = vkgpt__pretok_next((const uint8_t *)s, len, pos);
        cr_assert_gt(end, pos);
        cr_assert_leq(end, len);
        cr_assert_lt(o + (end - pos) + 2, cap);
        if (pos) {
            out[o++] = '|';
        }
        memcpy(out + o, s + pos, end - pos);
        o += end - pos;
        pos = end;
    }
    out[o] = '\0';
}

static void check(const char *s, const char *want) {
    char got[1024];
    split(s, strlen(s), got, sizeof(got));
    cr_assert_str_eq(got, want, "splitting \"%s\"", s);
}

Test(pretokenize, words_take_one_leading_space) {
    check("Hello world", "Hello| world");
    check("Привет, мир!", "Привет|,| мир|!");
}

Test(pretokenize, contractions_are_lowercase_and_greedy) {
    check("it's they've we'll I'm she'd you're don't",
          "it|'s| they|'ve| we|'ll| I|'m| she|'d| you|'re| don|'t");
    check("IT'S", "IT|'|S");
    check("'sam", "'s|am");
    check("''s", "''|s");
}

Test(pretokenize, numbers_and_other_are_separate_runs) {
    check("abc123def", "abc|123|def");
    check("x = 3.14;", "x| =| 3|.|14|;");
    check("a!!?b", "a|!!?|b");
}

Test(pretokenize, whitespace_leaves_its_last_space_to_the_next_word) {
    check("a  b", "a| | b");
    check("a   b", "a|  | b");
    check("a\n\nb", "a|\n|\n|b");
    check("a \nb", "a| |\n|b");
    check("end   ", "end|   ");
    check("\t\tx", "\t|\t|x");
}

Test(pretokenize, unicode_space_is_whitespace_but_not_the_optional_prefix) {
    check("a\xe3\x80\x80" "b", "a|\xe3\x80\x80|b");           /* U+3000 */
    check("a \xe3\x80\x80" "b", "a| |\xe3\x80\x80|b");
    check("a\x1c" "b", "a|\x1c|b"); /* 0x1C is not White_Space: an "other" character */
}

Test(pretokenize, invalid_bytes_are_other_characters) {
    check("a\xff\xfe b", "a|\xff\xfe| b");
    check("\xd0 x", "\xd0| x");
    check("\xd0\xd0\xaf", "\xd0|\xd0\xaf");
}

/* Every piece ends where a character ends: stepping through it with the decoder lands on its
 * end exactly, so no valid multi-byte character is ever cut. */
Test(pretokenize, pieces_are_whole_characters_for_any_bytes) {
    uint64_t seed = 0x5eed0001;
    uint8_t buf[256];
    for (int round = 0; round < 5000; round++) {
        size_t len = tu_rand(&seed) % 64;
        for (size_t i = 0; i < len; i++) {
            uint64_t r = tu_rand(&seed);
            const char pool[] = " \n\t'sa1\xd0\xaf\x80\xe2\x82\xac";
            buf[i] = (r & 1) ? (uint8_t)pool[(r >> 8) % (sizeof(pool) - 1)] : (uint8_t)(r >> 16);
        }
        for (size_t pos = 0; pos < len;) {
            size_t end = vkgpt__pretok_next(buf, len, pos);
            cr_assert(end > pos && end <= len, "round %d: no progress at %zu", round, pos);
            size_t at = pos;
            while (at < end) {
                int32_t cp;
                at += vkgpt__utf8_decode(buf + at, len - at, &cp);
            }
            cr_assert_eq(at, end, "round %d: piece [%zu, %zu) cuts a character", round, pos, end);
            pos = end;
        }
    }
}
