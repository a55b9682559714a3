/* cmd_info.c: `vkgpt info -m DIR`: a model folder's configuration, tensor count, bytes and
 * stored weight types, without loading it. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

int cmd_info(int argc, char **argv) {
    const char *model = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: vkgpt info -m MODEL_DIR\n\nPrints a model folder's configuration "
                   "and what its weight files hold.\n\n"
                   "  -m, --model DIR   the model folder (required)\n"
                   "  -h, --help        this text\n");
            return 0;
        } else if ((!strcmp(argv[i], "-m") || !strcmp(argv[i], "--model")) && i + 1 < argc) {
            model = argv[++i];
        } else {
            fprintf(stderr, "vkgpt info: unknown or incomplete option '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!model) {
        fprintf(stderr, "usage: vkgpt info -m MODEL_DIR\n");
        return 2;
    }
    vkgpt_model_file_info_t info = {.struct_size = sizeof(info)};
    if (vkgpt_model_inspect(model, &info) != VKGPT_OK) {
        fprintf(stderr, "vkgpt info: %s\n", vkgpt_last_error());
        return 1;
    }
    printf("weights:     %s (%s)\n", info.weights_path, info.format);
    printf("layers:      %u\nwidth:       %u\nheads:       %u\ncontext:     %u\n", info.n_layer,
           info.n_embd, info.n_head, info.n_ctx);
    printf("vocabulary:  %u\nMLP width:   %u\nactivation:  %s\nLN epsilon:  %g\n", info.n_vocab,
           info.n_inner, info.activation, info.layer_norm_epsilon);
    printf("parameters:  %llu\n", (unsigned long long)info.n_params);
    printf("tensors:     %llu (%llu f32, %llu f16, %llu bf16), %.2f MiB\n",
           (unsigned long long)info.n_tensors, (unsigned long long)info.n_f32,
           (unsigned long long)info.n_f16, (unsigned long long)info.n_bf16,
           (double)info.tensor_bytes / 1048576.0);
    return 0;
}
