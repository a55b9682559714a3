/* fuzz_torch_zip.c: libFuzzer target for the zip directory reader and, through it, the
 * state-dict pickle and the tensor checks of a zip pytorch_model.bin. */
#include <stdlib.h>

#include "format/weights_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vkgpt__mapped_file_t mf = {.path = "fuzz.bin", .data = data, .size = size};
    vkgpt__weights_t *w = calloc(1, sizeof(*w));
    vkgpt__error_t err;
    if (!w) {
        return 0;
    }
    if (vkgpt__torch_zip_read(w, &mf, &err) == VKGPT_OK &&
        vkgpt__weights_finish(w, &err) == VKGPT_OK) {
        volatile uint8_t sink = 0;
        for (size_t i = 0; i < vkgpt__weights_count(w); i++) {
            const vkgpt__tensor_view_t *t = vkgpt__weights_at(w, i);
            for (uint64_t j = 0; j < t->nbytes; j++) {
                sink ^= ((const uint8_t *)t->data)[j];
            }
        }
        (void)sink;
    }
    vkgpt__weights_close(w);
    return 0;
}
