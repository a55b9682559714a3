/* api_fixtures.c: see api_fixtures.h. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "api_fixtures.h"

const char *fixture_path(const char *rel) {
    static char buf[4][1024];
    static int next;
    char *p = buf[next++ % 4];
    const char *root = getenv("VKGPT_SOURCE_ROOT");
    snprintf(p, sizeof(buf[0]), "%s/tests/fixtures/%s", root ? root : ".", rel);
    return p;
}

vkgpt_model_t *fixture_model(vkgpt_device_t *dev, const char *dir) {
    char rel[256];
    snprintf(rel, sizeof(rel), "gpt2/%s", dir);
    vkgpt_model_params_t params;
    vkgpt_model_params_init(&params);
    params.weight_type = VKGPT_WEIGHT_TYPE_F32;
    vkgpt_model_t *m = NULL;
    vkgpt_status_t st = vkgpt_model_load(dev, fixture_path(rel), &params, &m);
    cr_assert_eq(st, VKGPT_OK, "loading %s: %s", dir, vkgpt_last_error());
    return m;
}

vkgpt_tokenizer_t *fixture_tokenizer(void) {
    vkgpt_tokenizer_params_t params;
    vkgpt_tokenizer_params_init(&params);
    params.plugin = "bpe";
    params.folder = fixture_path("decode/tiny3-tokenizer");
    vkgpt_tokenizer_t *tok = NULL;
    vkgpt_status_t st = vkgpt_tokenizer_load(&params, &tok);
    cr_assert_eq(st, VKGPT_OK, "loading the tiny3 tokenizer: %s", vkgpt_tokenizer_error());
    cr_assert_eq(vkgpt_tokenizer_vocab_size(tok), 260);
    return tok;
}

vkgpt_session_t *fixture_session(vkgpt_model_t *m, uint32_t n_seq) {
    vkgpt_session_params_t params;
    vkgpt_session_params_init(&params);
    params.n_seq = n_seq;
    vkgpt_session_t *s = NULL;
    vkgpt_status_t st = vkgpt_session_create(m, &params, &s);
    cr_assert_eq(st, VKGPT_OK, "session of %u rows: %s", n_seq, vkgpt_last_error());
    return s;
}

vkgpt_status_t fixture_decode(vkgpt_session_t *s, vkgpt_tokenizer_t *tok,
                              const vkgpt__gen_config_t *cfg,
                              const vkgpt__decode_prompt_t *prompts, uint32_t n_prompts,
                              const vkgpt__decode_hooks_t *hooks, vkgpt_status_t allowed,
                              vkgpt__decode_result_t *res) {
    atomic_store(&s->cancel, 0); /* as vkgpt_generate() does: a new run starts uncancelled */
    vkgpt__session_runner_t runner = {.session = s, .tok = tok};
    vkgpt__decode_model_t model;
    vkgpt__session_decode_model(&runner, &model);
    vkgpt__error_t err = {0};
    vkgpt_status_t st = vkgpt__decode_run(cfg, &model, prompts, n_prompts, hooks, res, &err);
    cr_assert(st == VKGPT_OK || st == allowed, "decoding: %s: %s", vkgpt_status_name(st),
              err.message);
    return st;
}

/* ---- UTF-8 ---- */

/* Bytes in a character that starts with lead, or 0 when lead cannot start one. */
static size_t char_length(unsigned char lead) {
    if (lead < 0x80) {
        return 1;
    }
    if (lead >= 0xC2 && lead <= 0xDF) {
        return 2;
    }
    if (lead >= 0xE0 && lead <= 0xEF) {
        return 3;
    }
    return lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
}

/* The range of the byte after lead: narrower for E0, ED, F0 and F4, which would otherwise
 * allow overlong forms, surrogates or values past U+10FFFF. */
static bool second_ok(unsigned char lead, unsigned char b) {
    unsigned lo = 0x80, hi = 0xBF;
    if (lead == 0xE0) {
        lo = 0xA0;
    } else if (lead == 0xED) {
        hi = 0x9F;
    } else if (lead == 0xF0) {
        lo = 0x90;
    } else if (lead == 0xF4) {
        hi = 0x8F;
    }
    return b >= lo && b <= hi;
}

/* True when s[0..n) (n >= 1) begins a character whose bytes so far are all allowed. */
static bool valid_start(const unsigned char *s, size_t n) {
    size_t need = char_length(s[0]);
    if (need == 0 || n > need) {
        return false;
    }
    for (size_t i = 1; i < n; i++) {
        if (i == 1 ? !second_ok(s[0], s[1]) : (s[i] & 0xC0) != 0x80) {
            return false;
        }
    }
    return true;
}

bool utf8_valid(const char *text, size_t n) {
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < n) {
        size_t len = char_length(s[i]);
        if (len == 0 || len > n - i || !valid_start(s + i, len)) {
            return false;
        }
        i += len;
    }
    return true;
}

bool utf8_char_spans(const char *text, size_t n, size_t at) {
    const unsigned char *s = (const unsigned char *)text;
    for (size_t back = 1; back <= 3 && back <= at; back++) {
        size_t start = at - back;
        if ((s[start] & 0xC0) != 0x80) {
            size_t need = char_length(s[start]);
            return need > back && need <= n - start && valid_start(s + start, need);
        }
    }
    return false;
}
