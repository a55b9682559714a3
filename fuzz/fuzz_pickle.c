/* fuzz_pickle.c: libFuzzer target for the allow-list pickle interpreter: the input runs as one
 * pickle, then as a whole legacy pytorch_model.bin (five pickles and the storage records). */
#include <stdlib.h>

#include "format/pickle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vkgpt__pickle_t pk;
    vkgpt__pk_value_t *root;
    vkgpt__error_t err;
    size_t used;
    vkgpt__pickle_init(&pk, "fuzz.pkl");
    vkgpt__pickle_load(&pk, data, size, "data.pkl", 0, &used, &root, &err);
    vkgpt__pickle_free(&pk);

    vkgpt__mapped_file_t mf = {.path = "fuzz.bin", .data = data, .size = size};
    vkgpt__weights_t *w = calloc(1, sizeof(*w));
    if (w) {
        if (vkgpt__torch_legacy_read(w, &mf, &err) == VKGPT_OK) {
            vkgpt__weights_finish(w, &err);
        }
        vkgpt__weights_close(w);
    }
    return 0;
}
