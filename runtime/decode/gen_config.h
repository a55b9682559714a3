/* gen_config.h: the decoding settings, named and defaulted after Hugging Face's
 * GenerationConfig (transformers 4.45), plus the checks every setting must pass before a
 * generation starts.
 *
 * The struct is plain data with fixed-capacity arrays (no pointers), so it can be copied,
 * merged and compared by value. Defaults (vkgpt__gen_config_init) follow Hugging Face where a
 * field exists there: temperature 1, top_k 50, top_p 1, num_beams 1, repetition_penalty 1,
 * length_penalty 1, early_stopping false, no_repeat_ngram_size 0, num_return_sequences 1.
 * max_new_tokens has no Hugging Face default (it counts the prompt in max_length = 20 instead);
 * here it is 64. */
#ifndef VKGPT_DECODE_GEN_CONFIG_H
#define VKGPT_DECODE_GEN_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"

/* Capacities of the fixed arrays; the config loader reports a longer list as out of range. */
#define VKGPT__GEN_MAX_EOS 8
#define VKGPT__GEN_MAX_STOP 8
#define VKGPT__GEN_STOP_CAP 128 /* bytes per stop string, including the terminating NUL */

/* Upper bounds that keep every buffer the driver allocates small and its products in range. */
#define VKGPT__GEN_MAX_NEW_TOKENS (1u << 20)
#define VKGPT__GEN_MAX_BEAMS 64u
#define VKGPT__GEN_MAX_RETURN 64u
#define VKGPT__GEN_MAX_NGRAM 64u

typedef enum vkgpt__strategy {
    VKGPT__STRATEGY_GREEDY = 0,      /* argmax after the logits processors */
    VKGPT__STRATEGY_SAMPLE = 1,      /* do_sample, num_beams == 1 */
    VKGPT__STRATEGY_BEAM = 2,        /* num_beams > 1 */
    VKGPT__STRATEGY_BEAM_SAMPLE = 3  /* do_sample with num_beams > 1 */
} vkgpt__strategy_t;

/* Hugging Face's early_stopping: true, false, or the string "never". */
typedef enum vkgpt__early_stop {
    VKGPT__EARLY_STOP_FALSE = 0,
    VKGPT__EARLY_STOP_TRUE = 1,
    VKGPT__EARLY_STOP_NEVER = 2
} vkgpt__early_stop_t;

typedef struct vkgpt__gen_config {
    vkgpt__strategy_t strategy;
    uint32_t max_new_tokens;       /* tokens generated at most per sequence */
    uint32_t min_new_tokens;       /* eos is masked until this many were generated */
    double temperature;            /* > 0; sampling only */
    uint32_t top_k;                /* 0 disables; sampling only */
    double top_p;                  /* [0, 1]; 1 disables; sampling only */
    uint32_t num_beams;            /* 1 for greedy and sample, >= 2 for beam strategies */
    double length_penalty;         /* beam score = sum logprob / length^length_penalty */
    vkgpt__early_stop_t early_stopping;
    uint32_t num_return_sequences; /* per prompt; <= num_beams for beams, 1 for greedy */
    double repetition_penalty;     /* > 0; 1 disables */
    uint32_t no_repeat_ngram_size; /* 0 disables */

    /* End-of-sequence ids. eos_set false means "take them from the tokenizer's special
     * tokens", which the session does before it starts; an empty list with eos_set true means
     * that no token ends a sequence. */
    int32_t eos_token_ids[VKGPT__GEN_MAX_EOS];
    uint32_t n_eos;
    bool eos_set;

    /* Stop strings, searched for in the decoded text of each sequence's new tokens. */
    char stop[VKGPT__GEN_MAX_STOP][VKGPT__GEN_STOP_CAP];
    uint32_t n_stop;

    /* The seed of the sampling generator (rng.h). seed_set false means "choose one", which the
     * public API does from the clock; the driver itself always uses .seed. */
    uint64_t seed;
    bool seed_set;
} vkgpt__gen_config_t;

/* Fills cfg with the defaults above. */
void vkgpt__gen_config_init(vkgpt__gen_config_t *cfg);

/* Checks ranges and the combinations the driver relies on (beam strategies have
 * num_beams >= 2 and num_return_sequences <= num_beams, greedy returns one sequence, ...).
 * Returns VKGPT_ERR_INVALID_ARGUMENT with a message naming the field. */
vkgpt_status_t vkgpt__gen_config_check(const vkgpt__gen_config_t *cfg, vkgpt__error_t *err);

/* True for the two strategies that draw random numbers. */
bool vkgpt__strategy_samples(vkgpt__strategy_t s);

/* True for the two beam strategies. */
bool vkgpt__strategy_is_beam(vkgpt__strategy_t s);

/* "greedy", "sample", "beam", "beam_sample"; NULL for a value out of range. */
const char *vkgpt__strategy_name(vkgpt__strategy_t s);

/* Parses one of the names above; false when it is none of them. */
bool vkgpt__strategy_parse(const char *name, vkgpt__strategy_t *out);

/* True when id is one of cfg's eos ids. */
bool vkgpt__gen_is_eos(const vkgpt__gen_config_t *cfg, int32_t id);

#endif
