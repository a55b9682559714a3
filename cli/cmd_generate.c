/* cmd_generate.c: `vkgpt generate -m DIR -p TEXT -n N`: greedy decoding end to end, streaming
 * whole UTF-8 characters to stdout as tokens arrive. The other decoding strategies and YAML
 * configs are not wired into this command yet; it says so when asked for them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

typedef struct gen_args {
    const char *model;
    const char *prompt;
    const char *device;
    long n_new;
    vkgpt_weight_type_t wtype;
} gen_args_t;

static void usage(FILE *out) {
    fprintf(out,
            "usage: vkgpt generate -m MODEL_DIR -p TEXT [-n N] [--device D] [--dtype f16|f32]\n"
            "\n"
            "Greedy decoding (the most likely token at each step) from a Hugging Face GPT-2\n"
            "folder (config.json, weights, vocab.json + merges.txt or tokenizer.json).\n"
            "\n"
            "  -m, --model DIR   model folder\n"
            "  -p, --prompt TEXT prompt\n"
            "  -n N              new tokens (default 32)\n"
            "  --device D        device index or name substring\n"
            "  --dtype T         weight type on the device: f16 (default) or f32\n");
}

static int parse(int argc, char **argv, gen_args_t *a) {
    *a = (gen_args_t){.n_new = 32, .wtype = VKGPT_WEIGHT_TYPE_F16};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        bool has_value = i + 1 < argc;
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage(stdout);
            return 0;
        } else if ((!strcmp(o, "-m") || !strcmp(o, "--model")) && has_value) {
            a->model = argv[++i];
        } else if ((!strcmp(o, "-p") || !strcmp(o, "--prompt")) && has_value) {
            a->prompt = argv[++i];
        } else if (!strcmp(o, "-n") && has_value) {
            char *end;
            a->n_new = strtol(argv[++i], &end, 10);
            if (*end || a->n_new < 0 || a->n_new > 1000000) {
                fprintf(stderr, "vkgpt generate: -n wants a count, got '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(o, "--device") && has_value) {
            a->device = argv[++i];
        } else if (!strcmp(o, "--dtype") && has_value) {
            const char *t = argv[++i];
            if (strcmp(t, "f16") && strcmp(t, "f32")) {
                fprintf(stderr, "vkgpt generate: --dtype is f16 or f32, got '%s'\n", t);
                return 2;
            }
            a->wtype = !strcmp(t, "f32") ? VKGPT_WEIGHT_TYPE_F32 : VKGPT_WEIGHT_TYPE_F16;
        } else {
            fprintf(stderr, "vkgpt generate: unknown or incomplete option '%s'\n\n", o);
            usage(stderr);
            return 2;
        }
    }
    if (!a->model || !a->prompt) {
        fprintf(stderr, "vkgpt generate: -m MODEL_DIR and -p TEXT are required\n\n");
        usage(stderr);
        return 2;
    }
    return -1;
}

static int32_t argmax(const float *v, uint32_t n) {
    uint32_t best = 0;
    for (uint32_t i = 1; i < n; i++) {
        best = v[i] > v[best] ? i : best;
    }
    return (int32_t)best;
}

/* Encodes the prompt into a malloc'ed array. */
static int32_t *encode(vkgpt_tokenizer_t *tok, const char *text, size_t *n) {
    size_t need = 0;
    vkgpt_status_t st = vkgpt_tokenizer_encode(tok, text, strlen(text), 0, NULL, 0, &need);
    if (st != VKGPT_OK && st != VKGPT_ERR_BUFFER_TOO_SMALL) {
        fprintf(stderr, "vkgpt generate: %s\n", vkgpt_tokenizer_last_error(tok));
        return NULL;
    }
    int32_t *ids = malloc((need ? need : 1) * sizeof(*ids));
    if (ids && vkgpt_tokenizer_encode(tok, text, strlen(text), 0, ids, need, n) != VKGPT_OK) {
        fprintf(stderr, "vkgpt generate: %s\n", vkgpt_tokenizer_last_error(tok));
        free(ids);
        return NULL;
    }
    return ids;
}

static int run(const gen_args_t *a, vkgpt_model_t *model, vkgpt_tokenizer_t *tok) {
    size_t n_prompt = 0;
    int32_t *ids = encode(tok, a->prompt, &n_prompt);
    uint32_t vocab = vkgpt_model_n_vocab(model);
    float *logits = malloc(vocab * sizeof(float));
    vkgpt_session_t *s = NULL;
    vkgpt_tokenizer_stream_t *stream = NULL;
    int rc = 1;
    if (!ids || !logits || n_prompt == 0) {
        fprintf(stderr, "vkgpt generate: the prompt encodes to no tokens\n");
        goto done;
    }
    if (vkgpt_session_create(model, NULL, &s) != VKGPT_OK ||
        vkgpt_tokenizer_stream_create(tok, 0, &stream) != VKGPT_OK) {
        fprintf(stderr, "vkgpt generate: %s\n", vkgpt_last_error());
        goto done;
    }
    printf("%s", a->prompt);
    fflush(stdout);
    int32_t eos = vkgpt_tokenizer_special_id(tok, VKGPT_SPECIAL_EOS);
    vkgpt_status_t st = vkgpt_session_eval(s, ids, n_prompt, logits);
    for (long i = 0; st == VKGPT_OK && i < a->n_new; i++) {
        int32_t next = argmax(logits, vocab);
        if (next == eos) {
            break;
        }
        const char *text;
        size_t len;
        if (vkgpt_tokenizer_stream_push(stream, next, &text, &len) == VKGPT_OK) {
            fwrite(text, 1, len, stdout);
            fflush(stdout);
        }
        if (vkgpt_session_n_past(s) >= vkgpt_model_n_ctx(model)) {
            break; /* the context is full: stop rather than fail */
        }
        st = vkgpt_session_eval(s, &next, 1, logits);
    }
    const char *rest;
    size_t rest_len;
    if (vkgpt_tokenizer_stream_flush(stream, &rest, &rest_len) == VKGPT_OK) {
        fwrite(rest, 1, rest_len, stdout);
    }
    printf("\n");
    if (st != VKGPT_OK) {
        fprintf(stderr, "vkgpt generate: %s\n", vkgpt_session_last_error(s));
        goto done;
    }
    rc = 0;
done:
    vkgpt_tokenizer_stream_destroy(stream);
    vkgpt_session_destroy(s);
    free(logits);
    free(ids);
    return rc;
}

int cmd_generate(int argc, char **argv) {
    gen_args_t a;
    int rc = parse(argc, argv, &a);
    if (rc >= 0) {
        return rc;
    }
    vkgpt_tokenizer_t *tok = cli_load_tokenizer(a.model, NULL);
    if (!tok) {
        return 1;
    }
    vkgpt_device_params_t dp;
    vkgpt_device_params_init(&dp);
    dp.selector = a.device;
    vkgpt_device_t *dev = NULL;
    vkgpt_model_t *model = NULL;
    vkgpt_model_params_t mp;
    vkgpt_model_params_init(&mp);
    mp.weight_type = a.wtype;
    rc = 1;
    if (vkgpt_device_create(&dp, &dev) != VKGPT_OK ||
        vkgpt_model_load(dev, a.model, &mp, &model) != VKGPT_OK) {
        fprintf(stderr, "vkgpt generate: %s\n", vkgpt_last_error());
    } else {
        rc = run(&a, model, tok);
    }
    vkgpt_model_destroy(model);
    vkgpt_device_destroy(dev);
    vkgpt_tokenizer_destroy(tok);
    return rc;
}
