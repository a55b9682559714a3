#include "bpe.h"
vkgpt_status_t bpe_train(const vkgpt_tokenizer_train_params_t *p, bpe_err_t *err) {
    (void)p;
    return bpe_fail(err, VKGPT_ERR_UNSUPPORTED, "not yet");
}
