/* decode_cases.c: see decode_cases.h. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "decode_cases.h"

json_t *decode_cases_load(const char *path) {
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    cr_assert(doc, "%s:%d: %s", path, jerr.line, jerr.text);
    const char *format = json_string_value(json_object_get(doc, "format"));
    cr_assert(format && strcmp(format, "vkgpt-decode-expected-1") == 0, "%s: format %s", path,
              format ? format : "(none)");
    cr_assert(json_is_array(json_object_get(doc, "cases")), "%s: no cases", path);
    return doc;
}

static void int_list(json_t *v, int32_t *out, uint32_t cap, uint32_t *n) {
    cr_assert(json_is_array(v) && json_array_size(v) <= cap, "a list of at most %u ids", cap);
    *n = 0;
    for (size_t i = 0; i < json_array_size(v); i++) {
        out[(*n)++] = (int32_t)json_integer_value(json_array_get(v, i));
    }
}

static vkgpt__early_stop_t early_stop(json_t *v) {
    return json_is_string(v) ? VKGPT__EARLY_STOP_NEVER
           : json_is_true(v) ? VKGPT__EARLY_STOP_TRUE
                             : VKGPT__EARLY_STOP_FALSE;
}

static uint32_t u32(json_t *v) {
    cr_assert(json_is_integer(v) && json_integer_value(v) >= 0, "a non-negative integer");
    return (uint32_t)json_integer_value(v);
}

/* One key; false when the key is unknown. */
static bool config_key(const char *key, json_t *v, vkgpt__gen_config_t *c) {
    if (strcmp(key, "strategy") == 0) {
        cr_assert(vkgpt__strategy_parse(json_string_value(v), &c->strategy));
    } else if (strcmp(key, "max_new_tokens") == 0) {
        c->max_new_tokens = u32(v);
    } else if (strcmp(key, "min_new_tokens") == 0) {
        c->min_new_tokens = u32(v);
    } else if (strcmp(key, "temperature") == 0) {
        c->temperature = json_number_value(v);
    } else if (strcmp(key, "top_k") == 0) {
        c->top_k = u32(v);
    } else if (strcmp(key, "top_p") == 0) {
        c->top_p = json_number_value(v);
    } else if (strcmp(key, "num_beams") == 0) {
        c->num_beams = u32(v);
    } else if (strcmp(key, "length_penalty") == 0) {
        c->length_penalty = json_number_value(v);
    } else if (strcmp(key, "early_stopping") == 0) {
        c->early_stopping = early_stop(v);
    } else if (strcmp(key, "num_return_sequences") == 0) {
        c->num_return_sequences = u32(v);
    } else if (strcmp(key, "repetition_penalty") == 0) {
        c->repetition_penalty = json_number_value(v);
    } else if (strcmp(key, "no_repeat_ngram_size") == 0) {
        c->no_repeat_ngram_size = u32(v);
    } else if (strcmp(key, "seed") == 0) {
        c->seed = (uint64_t)json_integer_value(v);
    } else if (strcmp(key, "eos_token_id") == 0) {
        int_list(v, c->eos_token_ids, VKGPT__GEN_MAX_EOS, &c->n_eos);
    } else if (strcmp(key, "stop") == 0) {
        cr_assert(json_array_size(v) <= VKGPT__GEN_MAX_STOP);
        c->n_stop = 0;
        for (size_t i = 0; i < json_array_size(v); i++) {
            snprintf(c->stop[c->n_stop++], VKGPT__GEN_STOP_CAP, "%s",
                     json_string_value(json_array_get(v, i)));
        }
    } else {
        return false;
    }
    return true;
}

void decode_case_config(json_t *config, int32_t default_eos, vkgpt__gen_config_t *c) {
    vkgpt__gen_config_init(c);
    c->eos_token_ids[0] = default_eos;
    c->n_eos = 1;
    c->eos_set = true;
    c->seed_set = true;
    const char *key;
    json_t *v;
    json_object_foreach(config, key, v) {
        cr_assert(config_key(key, v, c), "unknown config key '%s' in the fixture", key);
    }
}

void decode_case_read(json_t *doc, size_t i, int32_t default_eos, decode_case_t *out) {
    json_t *c = json_array_get(json_object_get(doc, "cases"), i);
    cr_assert(json_is_object(c), "case %zu", i);
    memset(out, 0, sizeof(*out));
    out->json = c;
    out->name = json_string_value(json_object_get(c, "name"));
    cr_assert(out->name, "case %zu has no name", i);
    decode_case_config(json_object_get(c, "config"), default_eos, &out->cfg);

    json_t *prompts = json_object_get(c, "prompts");
    cr_assert(json_array_size(prompts) <= DECODE_CASE_MAX_PROMPTS, "%s: prompts", out->name);
    out->n_prompts = (uint32_t)json_array_size(prompts);
    for (uint32_t p = 0; p < out->n_prompts; p++) {
        uint32_t n;
        int_list(json_array_get(prompts, p), out->ids[p], DECODE_CASE_MAX_IDS, &n);
        out->prompts[p] = (vkgpt__decode_prompt_t){out->ids[p], n};
    }
}

const char *decode_case_strategy(const decode_case_t *c) {
    return vkgpt__strategy_name(c->cfg.strategy);
}

uint32_t decode_case_rows(const decode_case_t *c) {
    uint32_t group = vkgpt__strategy_is_beam(c->cfg.strategy) ? c->cfg.num_beams
                                                              : c->cfg.num_return_sequences;
    return c->n_prompts * group;
}

static void check_seq(const char *name, uint32_t p, uint32_t j, json_t *want,
                      const vkgpt__decode_seq_t *got, double score_tol) {
    json_t *ids = json_object_get(want, "ids");
    cr_assert_eq(got->n_ids, json_array_size(ids), "%s prompt %u seq %u: %zu ids, expected %zu",
                 name, p, j, got->n_ids, json_array_size(ids));
    for (size_t i = 0; i < got->n_ids; i++) {
        cr_assert_eq(got->ids[i], json_integer_value(json_array_get(ids, i)),
                     "%s prompt %u seq %u: id %zu is %d, expected %d", name, p, j, i,
                     got->ids[i], (int)json_integer_value(json_array_get(ids, i)));
    }
    const char *finish = json_string_value(json_object_get(want, "finish"));
    cr_assert_str_eq(vkgpt__finish_name(got->finish), finish, "%s prompt %u seq %u", name, p, j);
    double score = json_number_value(json_object_get(want, "score"));
    cr_assert(fabs(got->score - score) <= score_tol * fmax(1.0, fabs(score)),
              "%s prompt %u seq %u: score %.17g, expected %.17g", name, p, j, got->score, score);
    json_t *off = json_object_get(want, "stop_offset");
    if (off) {
        cr_assert_eq(got->stop_offset, (size_t)json_integer_value(off), "%s stop offset", name);
    }
}

void decode_case_check(const decode_case_t *c, const vkgpt__decode_result_t *res,
                       double score_tol) {
    json_t *outputs = json_object_get(c->json, "outputs");
    uint32_t nrs = c->cfg.num_return_sequences;
    cr_assert_eq(json_array_size(outputs), c->n_prompts, "%s: outputs per prompt", c->name);
    cr_assert_eq(res->n_seqs, c->n_prompts * nrs, "%s: %u sequences", c->name, res->n_seqs);
    for (uint32_t p = 0; p < c->n_prompts; p++) {
        json_t *want = json_array_get(outputs, p);
        cr_assert_eq(json_array_size(want), nrs, "%s prompt %u", c->name, p);
        for (uint32_t j = 0; j < nrs; j++) {
            check_seq(c->name, p, j, json_array_get(want, j), &res->seqs[p * nrs + j],
                      score_tol);
        }
    }
}
