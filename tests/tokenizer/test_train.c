/* test_train.c: the BPE trainer: a vocabulary learned from Russian text loads back, encodes
 * the text exactly as the reference BPE does, round-trips it, and is the same on every run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "pretokenize.h"
#include "ref_bpe.h"
#include "tok_util.h"

static char *dir;

static void setup(void) {
    dir = tu_tempdir();
}

static void teardown(void) {
    tu_rmdir(dir);
}

TestSuite(train, .init = setup, .fini = teardown);

static vkgpt_status_t train(const char *out, size_t vocab, const char *file) {
    vkgpt_tokenizer_train_params_t p;
    vkgpt_tokenizer_train_params_init(&p);
    const char *files[] = {file};
    p.files = files;
    p.n_files = 1;
    p.out_dir = out;
    p.vocab_size = vocab;
    return vkgpt_tokenizer_train(&p);
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

Test(train, russian_text_trains_loads_back_and_round_trips) {
    const char *text_path = tu_fixture("russian.txt");
    cr_assert_eq(train(dir, 500, text_path), VKGPT_OK, "%s", vkgpt_tokenizer_error());
    vkgpt_tokenizer_t *tok = NULL;
    cr_assert_eq(tu_load(dir, NULL, &tok), VKGPT_OK, "%s", vkgpt_tokenizer_error());
    cr_assert_eq(vkgpt_tokenizer_vocab_size(tok), 500);
    cr_assert_eq(vkgpt_tokenizer_special_id(tok, VKGPT_SPECIAL_EOS), 499);

    size_t len;
    char *text = slurp(text_path, &len);
    int32_t *ids;
    size_t n = tu_encode(tok, text, len, 0, &ids);
    cr_assert_lt(n, len / 3, "%zu tokens for %zu bytes: the merges compress nothing", n, len);
    size_t back_len;
    char *back = tu_decode(tok, ids, n, 0, &back_len);
    cr_assert_eq(back_len, len);
    cr_assert_eq(memcmp(back, text, len), 0);

    /* The same files through the plain reference BPE, word by word, give the same ids. */
    ref_bpe_t *ref = ref_bpe_load(dir);
    int32_t want[512];
    size_t at = 0;
    for (size_t pos = 0; pos < len;) {
        size_t end = vkgpt__pretok_next((const uint8_t *)text, len, pos);
        size_t k = ref_bpe_word(ref, (const uint8_t *)text + pos, end - pos, want, 512);
        cr_assert_leq(at + k, n);
        cr_assert_arr_eq(ids + at, want, k * sizeof(int32_t), "word at byte %zu differs", pos);
        at += k;
        pos = end;
    }
    cr_assert_eq(at, n);
    ref_bpe_free(ref);
    free(back);
    free(ids);
    free(text);
    vkgpt_tokenizer_destroy(tok);
}

Test(train, same_input_gives_the_same_files) {
    char *other = tu_tempdir();
    cr_assert_eq(train(dir, 500, tu_fixture("russian.txt")), VKGPT_OK);
    cr_assert_eq(train(other, 500, tu_fixture("russian.txt")), VKGPT_OK);
    const char *names[] = {"vocab.json", "merges.txt", "special_tokens_map.json"};
    for (int i = 0; i < 3; i++) {
        char a[4200], b[4200];
        snprintf(a, sizeof(a), "%s/%s", dir, names[i]);
        snprintf(b, sizeof(b), "%s/%s", other, names[i]);
        size_t la, lb;
        char *fa = slurp(a, &la), *fb = slurp(b, &lb);
        cr_assert_eq(la, lb, "%s differs in size", names[i]);
        cr_assert_eq(memcmp(fa, fb, la), 0, "%s differs", names[i]);
        free(fa);
        free(fb);
    }
    tu_rmdir(other);
}

Test(train, stops_when_no_pair_repeats) {
    cr_assert_eq(train(dir, 100000, tu_fixture("russian.txt")), VKGPT_OK);
    vkgpt_tokenizer_t *tok = NULL;
    cr_assert_eq(tu_load(dir, NULL, &tok), VKGPT_OK, "%s", vkgpt_tokenizer_error());
    size_t n = vkgpt_tokenizer_vocab_size(tok);
    cr_assert(n > 257 && n < 100000, "vocab size %zu", n);
    vkgpt_tokenizer_destroy(tok);
}

Test(train, bad_requests_are_errors) {
    cr_assert_eq(train(dir, 200, tu_fixture("russian.txt")), VKGPT_ERR_INVALID_ARGUMENT);
    cr_assert_neq(strstr(vkgpt_tokenizer_error(), "at least 256"), NULL);
    cr_assert_eq(train(dir, 1000, "/nonexistent/text.txt"), VKGPT_ERR_IO);
    cr_assert_neq(strstr(vkgpt_tokenizer_error(), "/nonexistent/text.txt"), NULL);
}
