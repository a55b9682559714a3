/* test_utf8.c: the UTF-8 helpers, character classes and the streaming hold-back buffer. */
#include <string.h>

#include <criterion/criterion.h>

#include "stream.h"
#include "utf8.h"

static int32_t decode1(const char *s, size_t len, size_t *n) {
    int32_t cp;
    *n = vkgpt__utf8_decode((const uint8_t *)s, len, &cp);
    return cp;
}

Test(utf8, decodes_every_length) {
    size_t n;
    cr_assert_eq(decode1("A", 1, &n), 'A');
    cr_assert_eq(n, 1);
    cr_assert_eq(decode1("\xd0\xaf", 2, &n), 0x42F); /* Я */
    cr_assert_eq(n, 2);
    cr_assert_eq(decode1("\xe2\x82\xac", 3, &n), 0x20AC); /* € */
    cr_assert_eq(n, 3);
    cr_assert_eq(decode1("\xf0\x9f\xa4\x96", 4, &n), 0x1F916); /* 🤖 */
    cr_assert_eq(n, 4);
}

Test(utf8, rejects_bad_sequences_one_byte_at_a_time) {
    const char *bad[] = {"\x80", "\xbf", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
                         "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\xff", "\xd0", "\xe2\x82",
                         "\xd0\x41"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t n;
        size_t len = strlen(bad[i]);
        cr_assert_eq(decode1(bad[i], len, &n), -1, "case %zu", i);
        cr_assert_eq(n, 1, "case %zu", i);
    }
}

Test(utf8, encode_inverts_decode) {
    int32_t cps[] = {0, 0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x10FFFF};
    for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
        uint8_t buf[4];
        size_t n = vkgpt__utf8_encode(cps[i], buf);
        int32_t back;
        cr_assert_eq(vkgpt__utf8_decode(buf, n, &back), n);
        cr_assert_eq(back, cps[i]);
    }
    uint8_t buf[4];
    cr_assert_eq(vkgpt__utf8_encode(0xD800, buf), 0);
    cr_assert_eq(vkgpt__utf8_encode(0x110000, buf), 0);
}

Test(utf8, complete_prefix_holds_back_a_partial_character) {
    const uint8_t *s = (const uint8_t *)"ab\xd0\xaf\xe2\x82";
    cr_assert_eq(vkgpt__utf8_complete_prefix(s, 6), 4);
    cr_assert_eq(vkgpt__utf8_complete_prefix(s, 3), 2);
    cr_assert_eq(vkgpt__utf8_complete_prefix(s, 4), 4);
    /* Lone continuation bytes can never complete: nothing is held. */
    cr_assert_eq(vkgpt__utf8_complete_prefix((const uint8_t *)"\x80\x80", 2), 2);
}

Test(utf8, classes_follow_unicode) {
    cr_assert_eq(vkgpt__uclass('a'), VKGPT__UC_LETTER);
    cr_assert_eq(vkgpt__uclass(0x44F), VKGPT__UC_LETTER);  /* я */
    cr_assert_eq(vkgpt__uclass(0x2B0), VKGPT__UC_LETTER);  /* ʰ, Lm */
    cr_assert_eq(vkgpt__uclass(0x663), VKGPT__UC_NUMBER);  /* Arabic-Indic three */
    cr_assert_eq(vkgpt__uclass(0x216B), VKGPT__UC_NUMBER); /* Ⅻ, Nl */
    cr_assert_eq(vkgpt__uclass(0xBD), VKGPT__UC_NUMBER);   /* ½, No */
    cr_assert_eq(vkgpt__uclass(0x3000), VKGPT__UC_SPACE);
    cr_assert_eq(vkgpt__uclass(0x85), VKGPT__UC_SPACE);
    cr_assert_eq(vkgpt__uclass(0x1C), VKGPT__UC_OTHER); /* not White_Space */
    cr_assert_eq(vkgpt__uclass(0x301), VKGPT__UC_OTHER); /* combining acute */
    cr_assert_eq(vkgpt__uclass(0x1F916), VKGPT__UC_OTHER);
    cr_assert_eq(vkgpt__uclass(0x20000), VKGPT__UC_LETTER); /* CJK extension B */
    cr_assert_eq(vkgpt__uclass(-1), VKGPT__UC_OTHER);
}

Test(utf8, stream_emits_whole_characters_only) {
    vkgpt__text_stream_t st = {0};
    const char *out;
    size_t n;
    cr_assert(vkgpt__text_stream_push(&st, "\xd0", 1, &out, &n));
    cr_assert_eq(n, 0);
    cr_assert(vkgpt__text_stream_push(&st, "\xaf!", 2, &out, &n));
    cr_assert_eq(n, 3);
    cr_assert_eq(memcmp(out, "\xd0\xaf!", 3), 0);
    cr_assert(vkgpt__text_stream_push(&st, "\xf0\x9f", 2, &out, &n));
    cr_assert_eq(n, 0);
    vkgpt__text_stream_flush(&st, &out, &n);
    cr_assert_eq(n, 2);
    cr_assert_eq(memcmp(out, "\xf0\x9f", 2), 0);
    vkgpt__text_stream_free(&st);
}

Test(utf8, stream_passes_invalid_bytes_through) {
    vkgpt__text_stream_t st = {0};
    const char *out;
    size_t n;
    cr_assert(vkgpt__text_stream_push(&st, "\xd0", 1, &out, &n));
    cr_assert_eq(n, 0);
    cr_assert(vkgpt__text_stream_push(&st, "x\x80", 2, &out, &n));
    cr_assert_eq(n, 3); /* the lead can no longer complete: out it goes */
    cr_assert_eq(memcmp(out, "\xd0x\x80", 3), 0);
    vkgpt__text_stream_free(&st);
}
