/* gen_config.c: defaults and consistency checks of the decoding settings. */
#include <math.h>
#include <string.h>

#include "gen_config.h"

static const char *const strategy_names[] = {"greedy", "sample", "beam", "beam_sample"};

void vkgpt__gen_config_init(vkgpt__gen_config_t *cfg) {
    memset(cfg, 0, sizeof(*cfg));
    cfg->strategy = VKGPT__STRATEGY_GREEDY;
    cfg->max_new_tokens = 64;
    cfg->min_new_tokens = 0;
    cfg->temperature = 1.0;
    cfg->top_k = 50;
    cfg->top_p = 1.0;
    cfg->num_beams = 1;
    cfg->length_penalty = 1.0;
    cfg->early_stopping = VKGPT__EARLY_STOP_FALSE;
    cfg->num_return_sequences = 1;
    cfg->repetition_penalty = 1.0;
    cfg->no_repeat_ngram_size = 0;
}

bool vkgpt__strategy_samples(vkgpt__strategy_t s) {
    return s == VKGPT__STRATEGY_SAMPLE || s == VKGPT__STRATEGY_BEAM_SAMPLE;
}

bool vkgpt__strategy_is_beam(vkgpt__strategy_t s) {
    return s == VKGPT__STRATEGY_BEAM || s == VKGPT__STRATEGY_BEAM_SAMPLE;
}

const char *vkgpt__strategy_name(vkgpt__strategy_t s) {
    return (unsigned)s < VKGPT__ARRAY_LEN(strategy_names) ? strategy_names[s] : NULL;
}

bool vkgpt__strategy_parse(const char *name, vkgpt__strategy_t *out) {
    for (size_t i = 0; i < VKGPT__ARRAY_LEN(strategy_names); i++) {
        if (strcmp(name, strategy_names[i]) == 0) {
            *out = (vkgpt__strategy_t)i;
            return true;
        }
    }
    return false;
}

bool vkgpt__gen_is_eos(const vkgpt__gen_config_t *cfg, int32_t id) {
    for (uint32_t i = 0; i < cfg->n_eos; i++) {
        if (cfg->eos_token_ids[i] == id) {
            return true;
        }
    }
    return false;
}

/* Ranges of the numeric fields, as in docs/CONFIG.md. */
static vkgpt_status_t check_ranges(const vkgpt__gen_config_t *c, vkgpt__error_t *err) {
    const vkgpt_status_t bad = VKGPT_ERR_INVALID_ARGUMENT;
    if (!(c->temperature > 0.0 && c->temperature <= 100.0)) {
        return vkgpt__error_set(err, bad, "temperature %g is outside (0, 100]", c->temperature);
    }
    if (!(c->top_p >= 0.0 && c->top_p <= 1.0)) {
        return vkgpt__error_set(err, bad, "top_p %g is outside [0, 1]", c->top_p);
    }
    if (!(c->repetition_penalty > 0.0 && c->repetition_penalty <= 100.0)) {
        return vkgpt__error_set(err, bad, "repetition_penalty %g is outside (0, 100]",
                                c->repetition_penalty);
    }
    if (!(fabs(c->length_penalty) <= 100.0)) {
        return vkgpt__error_set(err, bad, "length_penalty %g is outside [-100, 100]",
                                c->length_penalty);
    }
    if (c->max_new_tokens < 1 || c->max_new_tokens > VKGPT__GEN_MAX_NEW_TOKENS ||
        c->min_new_tokens > c->max_new_tokens) {
        return vkgpt__error_set(err, bad, "min_new_tokens %u and max_new_tokens %u need "
                                "min <= max and 1 <= max <= %u", c->min_new_tokens,
                                c->max_new_tokens, VKGPT__GEN_MAX_NEW_TOKENS);
    }
    if (c->no_repeat_ngram_size > VKGPT__GEN_MAX_NGRAM) {
        return vkgpt__error_set(err, bad, "no_repeat_ngram_size %u is above %u",
                                c->no_repeat_ngram_size, VKGPT__GEN_MAX_NGRAM);
    }
    return VKGPT_OK;
}

/* The lists: counts within capacity, ids non-negative, stop strings non-empty. */
static vkgpt_status_t check_lists(const vkgpt__gen_config_t *c, vkgpt__error_t *err) {
    const vkgpt_status_t bad = VKGPT_ERR_INVALID_ARGUMENT;
    if (c->n_eos > VKGPT__GEN_MAX_EOS || c->n_stop > VKGPT__GEN_MAX_STOP) {
        return vkgpt__error_set(err, bad, "%u eos ids and %u stop strings (at most %d and %d)",
                                c->n_eos, c->n_stop, VKGPT__GEN_MAX_EOS, VKGPT__GEN_MAX_STOP);
    }
    for (uint32_t i = 0; i < c->n_eos; i++) {
        if (c->eos_token_ids[i] < 0) {
            return vkgpt__error_set(err, bad, "eos_token_id %d is negative", c->eos_token_ids[i]);
        }
    }
    for (uint32_t i = 0; i < c->n_stop; i++) {
        size_t n = strnlen(c->stop[i], VKGPT__GEN_STOP_CAP);
        if (n == 0 || n == VKGPT__GEN_STOP_CAP) {
            return vkgpt__error_set(err, bad, "stop string %u is empty or longer than %d bytes",
                                    i, VKGPT__GEN_STOP_CAP - 1);
        }
    }
    return VKGPT_OK;
}

/* Beams and returned sequences as each strategy needs them. */
static vkgpt_status_t check_strategy(const vkgpt__gen_config_t *c, vkgpt__error_t *err) {
    const vkgpt_status_t bad = VKGPT_ERR_INVALID_ARGUMENT;
    const char *name = vkgpt__strategy_name(c->strategy);
    if (!name) {
        return vkgpt__error_set(err, bad, "strategy %d is not a strategy", (int)c->strategy);
    }
    if ((unsigned)c->early_stopping > VKGPT__EARLY_STOP_NEVER) {
        return vkgpt__error_set(err, bad, "early_stopping %d is not true, false or never",
                                (int)c->early_stopping);
    }
    bool beam = vkgpt__strategy_is_beam(c->strategy);
    if (beam && (c->num_beams < 2 || c->num_beams > VKGPT__GEN_MAX_BEAMS)) {
        return vkgpt__error_set(err, bad, "strategy %s needs num_beams in [2, %u], not %u", name,
                                VKGPT__GEN_MAX_BEAMS, c->num_beams);
    }
    if (!beam && c->num_beams != 1) {
        return vkgpt__error_set(err, bad, "strategy %s needs num_beams 1, not %u", name,
                                c->num_beams);
    }
    uint32_t max_ret = beam ? c->num_beams
                            : c->strategy == VKGPT__STRATEGY_SAMPLE ? VKGPT__GEN_MAX_RETURN : 1;
    if (c->num_return_sequences < 1 || c->num_return_sequences > max_ret) {
        return vkgpt__error_set(err, bad, "strategy %s returns 1 to %u sequences, not %u", name,
                                max_ret, c->num_return_sequences);
    }
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__gen_config_check(const vkgpt__gen_config_t *cfg, vkgpt__error_t *err) {
    vkgpt_status_t st = check_strategy(cfg, err);
    if (st == VKGPT_OK) {
        st = check_ranges(cfg, err);
    }
    if (st == VKGPT_OK) {
        st = check_lists(cfg, err);
    }
    return st;
}
