/* stream.c: streams a continuation of a prompt to stdout, using only the installed library.
 *
 *     make -C examples                 (cc stream.c $(pkg-config --cflags --libs vkgpt))
 *     examples/stream MODEL_DIR "prompt" [MAX_NEW_TOKENS]
 *
 * MODEL_DIR is a Hugging Face GPT-2 folder: config.json, the weights, and the tokenizer's
 * vocab.json and merges.txt, read by the "bpe" plugin that vkgpt installs beside itself. The
 * text arrives in whole UTF-8 characters as it is generated; timings go to stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vkgpt.h>

static int print_piece(uint32_t seq, const char *text, size_t len, void *user_data) {
    (void)seq;
    (void)user_data;
    fwrite(text, 1, len, stdout);
    fflush(stdout);
    return 1; /* 0 would stop the generation */
}

static int fail(const char *what, vkgpt_status_t st, const char *message) {
    fprintf(stderr, "stream: %s: %s (%s)\n", what, message, vkgpt_status_str(st));
    return 1;
}

/* Loads the model and its tokenizer, then generates greedily from the prompt. */
static int run(const char *model_dir, const char *prompt, uint32_t max_new_tokens) {
    vkgpt_device_t *dev = NULL;
    vkgpt_model_t *model = NULL;
    vkgpt_tokenizer_t *tok = NULL;
    vkgpt_session_t *session = NULL;
    vkgpt_generation_t *gen = NULL;
    int rc = 1;

    vkgpt_status_t st = vkgpt_device_create(NULL, &dev);
    if (st != VKGPT_OK) {
        return fail("opening a Vulkan device", st, vkgpt_last_error());
    }
    st = vkgpt_model_load(dev, model_dir, NULL, &model);
    if (st != VKGPT_OK) {
        fail("loading the model", st, vkgpt_last_error());
        goto done;
    }
    vkgpt_tokenizer_params_t tp;
    vkgpt_tokenizer_params_init(&tp);
    tp.folder = model_dir;
    st = vkgpt_tokenizer_load(&tp, &tok);
    if (st != VKGPT_OK) {
        fail("loading the tokenizer", st, vkgpt_tokenizer_error());
        goto done;
    }
    st = vkgpt_session_create(model, NULL, &session);
    if (st != VKGPT_OK) {
        fail("creating a session", st, vkgpt_last_error());
        goto done;
    }

    vkgpt_generation_params_t params;
    vkgpt_generation_params_init(&params); /* greedy, Hugging Face's defaults */
    params.max_new_tokens = max_new_tokens;
    fputs(prompt, stdout);
    st = vkgpt_generate(session, tok, &prompt, 1, &params, print_piece, NULL, &gen);
    putchar('\n');
    if (st != VKGPT_OK) {
        fail("generating", st, vkgpt_session_last_error(session));
        goto done;
    }

    size_t prompt_tokens, new_tokens;
    double prompt_s, new_s;
    vkgpt_generation_timings(gen, &prompt_tokens, &prompt_s, &new_tokens, &new_s);
    fprintf(stderr, "stream: %zu prompt tokens in %.3f s, %zu new tokens in %.3f s (%s)\n",
            prompt_tokens, prompt_s, new_tokens, new_s, vkgpt_generation_finish(gen, 0));
    rc = 0;

done:
    vkgpt_generation_destroy(gen);
    vkgpt_session_destroy(session);
    vkgpt_tokenizer_destroy(tok);
    vkgpt_model_destroy(model);
    vkgpt_device_destroy(dev);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s MODEL_DIR PROMPT [MAX_NEW_TOKENS]\n", argv[0]);
        return 2;
    }
    long n = argc == 4 ? strtol(argv[3], NULL, 10) : 32;
    if (n < 1 || n > 4096) {
        fprintf(stderr, "stream: MAX_NEW_TOKENS must be 1 to 4096, not '%s'\n", argv[3]);
        return 2;
    }
    if (vkgpt_version() >> 16 != VKGPT_VERSION_MAJOR) { /* the ABI changes with the major */
        fprintf(stderr, "stream: built against vkgpt %d.%d headers, running %s\n",
                VKGPT_VERSION_MAJOR, VKGPT_VERSION_MINOR, vkgpt_version_string());
        return 1;
    }
    return run(argv[1], argv[2], (uint32_t)n);
}
