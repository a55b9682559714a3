/* decode_cases.h: the cases of the reference decoder's fixtures (tests/fixtures/decode/
 * *.expected.json, format vkgpt-decode-expected-1, described in docs/DECODING.md) and the
 * comparison of a driver's result with them. Shared by the toy-model tests (tests/decode) and
 * the device tests (tests/api). Every malformed fixture fails the test through cr_assert. */
#ifndef VKGPT_TESTS_DECODE_CASES_H
#define VKGPT_TESTS_DECODE_CASES_H

#include <jansson.h>

#include "decode/driver.h"

#define DECODE_CASE_MAX_PROMPTS 8
#define DECODE_CASE_MAX_IDS 128

typedef struct decode_case {
    const char *name;          /* borrowed from the document */
    json_t *json;              /* the case object, borrowed */
    vkgpt__gen_config_t cfg;
    uint32_t n_prompts;
    vkgpt__decode_prompt_t prompts[DECODE_CASE_MAX_PROMPTS]; /* pointing into ids */
    int32_t ids[DECODE_CASE_MAX_PROMPTS][DECODE_CASE_MAX_IDS];
} decode_case_t;

/* Loads a fixture document and checks its format; the caller json_decref()s it. */
json_t *decode_cases_load(const char *path);

/* The config keys of a case as a driver config. Absent keys take GenerationConfig's defaults;
 * an absent eos_token_id means {default_eos}; the seed is always set. */
void decode_case_config(json_t *config, int32_t default_eos, vkgpt__gen_config_t *out);

/* Reads cases[i] of doc. */
void decode_case_read(json_t *doc, size_t i, int32_t default_eos, decode_case_t *out);

/* The case's strategy name ("greedy" when the config has none). */
const char *decode_case_strategy(const decode_case_t *c);

/* Rows a model needs for the case: prompts times beams, or times returned sequences. */
uint32_t decode_case_rows(const decode_case_t *c);

/* Compares res with the case's outputs: ids, finish reason and stop offset exactly, scores
 * within score_tol * max(1, |score|). Messages name the case, prompt and sequence. */
void decode_case_check(const decode_case_t *c, const vkgpt__decode_result_t *res,
                       double score_tol);

#endif
