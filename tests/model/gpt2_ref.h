/* gpt2_ref.h: GPT-2's forward pass on the CPU through the reference ops (runtime/ops/ref.c),
 * straight from a weight file: an independent path to the same logits as the device. */
#ifndef VKGPT_TESTS_GPT2_REF_H
#define VKGPT_TESTS_GPT2_REF_H

#include "format/weights.h"
#include "model/hparams.h"

/* Writes the vocab_size logits of the last of ids[0..n) into logits. */
vkgpt_status_t gpt2_ref_logits(const char *model_dir, const int32_t *ids, size_t n,
                               float *logits, vkgpt__error_t *err);

#endif
