/* api_fixtures.h: what the generation tests on the device share: the tiny GPT-2 checkpoints of
 * tests/fixtures/gpt2 loaded with f32 weights, the byte-level tokenizer written for tiny3
 * (tests/fixtures/decode/tiny3-tokenizer), the decoding driver run over a session, and UTF-8
 * checks written independently of the tokenizer's own. */
#ifndef VKGPT_TESTS_API_FIXTURES_H
#define VKGPT_TESTS_API_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>

#include "api/generate_internal.h"
#include "vkgpt.h"

/* Path of a file under tests/fixtures/ (one of four rotating static buffers). */
const char *fixture_path(const char *rel);

/* Loads tests/fixtures/gpt2/<dir> with f32 weights; fails the test when it cannot. */
vkgpt_model_t *fixture_model(vkgpt_device_t *dev, const char *dir);

/* Loads the tiny3 tokenizer through the bpe plugin. */
vkgpt_tokenizer_t *fixture_tokenizer(void);

/* A session of n_seq rows over the model's whole context. */
vkgpt_session_t *fixture_session(vkgpt_model_t *m, uint32_t n_seq);

/* Runs the decoding driver over the session (tok may be NULL: no stop strings) after clearing
 * its cancel flag, and fails the test on any status other than VKGPT_OK or `allowed`.
 * Returns the status. */
vkgpt_status_t fixture_decode(vkgpt_session_t *s, vkgpt_tokenizer_t *tok,
                              const vkgpt__gen_config_t *cfg,
                              const vkgpt__decode_prompt_t *prompts, uint32_t n_prompts,
                              const vkgpt__decode_hooks_t *hooks, vkgpt_status_t allowed,
                              vkgpt__decode_result_t *res);

/* True when s[0..n) is well-formed UTF-8 (no overlong forms, surrogates or values past
 * U+10FFFF). */
bool utf8_valid(const char *s, size_t n);

/* True when a well-formed character of s[0..n) begins before byte `at` and ends after it:
 * a streamed piece must never end there. (A lead byte that no continuation follows is not a
 * character and may end a piece.) */
bool utf8_char_spans(const char *s, size_t n, size_t at);

#endif
