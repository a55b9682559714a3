/* cmd_bench.c: `vkgpt bench`: prompt-processing and generation speed, like llama-bench: a
 * warm-up pass, then r repetitions of a p-token prompt followed by n single-token steps, with
 * the median and spread of tokens/s, and the weight bytes read per generated token (every
 * weight is read once per step) with the bandwidth that implies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

typedef struct bench_args {
    const char *model;
    const char *preset;
    const char *device;
    vkgpt_weight_type_t wtype;
    long prompt, gen, reps;
    bool json;
    bool profile;
} bench_args_t;

static void usage(FILE *out) {
    fprintf(out,
            "usage: vkgpt bench (-m MODEL_DIR | --preset NAME) [--dtype f16|f32] [-p 128]\n"
            "                   [-n 64] [-r 5] [--device D] [--json]\n"
            "\n"
            "  -m DIR          a model folder (this or --preset is required)\n"
            "  --preset NAME   random weights of that size: gpt2-small, gpt2-medium,\n"
            "                  gpt2-large, gpt2-xl, rugpt3-small, rugpt3-medium, rugpt3-large,\n"
            "                  gpt2-tiny (default: none)\n"
            "  --dtype T       weight type on the device (default f16)\n"
            "  -p N            prompt tokens per repetition (default 128)\n"
            "  -n N            generated tokens per repetition (default 64)\n"
            "  -r N            repetitions after one warm-up (default 5)\n"
            "  --device D      device index or name substring (default: VKGPT_DEVICE, else\n"
            "                  the first discrete, integrated, then CPU device)\n"
            "  --json          one JSON object instead of the table (default: the table)\n"
            "  --profile       then one more repetition with GPU timestamps after every\n"
            "                  dispatch: time per operation, prompt and generation apart\n"
            "                  (default: off)\n"
            "  -h, --help      this text\n");
}

static bool parse_count(const char *s, long max, long *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 0 || v > max) {
        return false;
    }
    *out = v;
    return true;
}

static int parse(int argc, char **argv, bench_args_t *a) {
    *a = (bench_args_t){.wtype = VKGPT_WEIGHT_TYPE_F16, .prompt = 128, .gen = 64, .reps = 5};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        bool v = i + 1 < argc;
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(o, "-m") && v) {
            a->model = argv[++i];
        } else if (!strcmp(o, "--preset") && v) {
            a->preset = argv[++i];
        } else if (!strcmp(o, "--device") && v) {
            a->device = argv[++i];
        } else if (!strcmp(o, "--dtype") && v) {
            const char *t = argv[++i];
            if (strcmp(t, "f16") && strcmp(t, "f32")) {
                fprintf(stderr, "vkgpt bench: --dtype is f16 or f32, got '%s'\n", t);
                return 2;
            }
            a->wtype = !strcmp(t, "f32") ? VKGPT_WEIGHT_TYPE_F32 : VKGPT_WEIGHT_TYPE_F16;
        } else if (!strcmp(o, "-p") && v && parse_count(argv[i + 1], 1 << 20, &a->prompt)) {
            i++;
        } else if (!strcmp(o, "-n") && v && parse_count(argv[i + 1], 1 << 20, &a->gen)) {
            i++;
        } else if (!strcmp(o, "-r") && v && parse_count(argv[i + 1], 1000, &a->reps)) {
            i++;
        } else if (!strcmp(o, "--json")) {
            a->json = true;
        } else if (!strcmp(o, "--profile")) {
            a->profile = true;
        } else {
            fprintf(stderr, "vkgpt bench: unknown, incomplete or invalid option '%s'\n\n", o);
            usage(stderr);
            return 2;
        }
    }
    if (!a->model == !a->preset || a->reps < 1 || a->prompt < 1) {
        fprintf(stderr, "vkgpt bench: give exactly one of -m and --preset; -p and -r >= 1\n");
        return 2;
    }
    return -1;
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* One repetition: the prompt's tokens/s and the generation's tokens/s. */
static vkgpt_status_t run_once(vkgpt_session_t *s, const bench_args_t *a, uint32_t vocab,
                               double *pp, double *tg) {
    int32_t *ids = malloc((size_t)a->prompt * sizeof(*ids));
    if (!ids) {
        return VKGPT_ERR_OUT_OF_HOST_MEMORY;
    }
    for (long i = 0; i < a->prompt; i++) {
        ids[i] = (int32_t)((i * 7919 + 13) % vocab);
    }
    vkgpt_session_reset(s);
    double t0 = cli_now();
    vkgpt_status_t st = vkgpt_session_eval(s, ids, (size_t)a->prompt, NULL);
    double t1 = cli_now();
    for (long i = 0; st == VKGPT_OK && i < a->gen; i++) {
        int32_t tok = ids[i % a->prompt];
        st = vkgpt_session_eval(s, &tok, 1, NULL);
    }
    double t2 = cli_now();
    *pp = (double)a->prompt / (t1 - t0);
    *tg = a->gen ? (double)a->gen / (t2 - t1) : 0.0;
    free(ids);
    return st;
}

static int cmp_entry(const void *x, const void *y) {
    double a = ((const vkgpt_profile_entry_t *)x)->milliseconds;
    double b = ((const vkgpt_profile_entry_t *)y)->milliseconds;
    return (a < b) - (a > b);
}

static void print_profile(const char *phase, vkgpt_session_t *s, long tokens) {
    vkgpt_profile_entry_t e[64];
    size_t n = vkgpt_session_profile_read(s, e, 64);
    n = n < 64 ? n : 64;
    qsort(e, n, sizeof(e[0]), cmp_entry);
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        total += e[i].milliseconds;
    }
    printf("\n%s: %.2f ms of GPU time per token\n", phase, total / (double)tokens);
    printf("%-14s %12s %8s %10s\n", "op", "ms/token", "share", "dispatches");
    for (size_t i = 0; i < n; i++) {
        printf("%-14s %12.3f %7.1f%% %10u\n", e[i].op, e[i].milliseconds / (double)tokens,
               100.0 * e[i].milliseconds / (total > 0 ? total : 1), e[i].dispatches);
    }
}

/* One more repetition with timestamps on: where the prompt's and the generation's GPU time
 * goes. */
static vkgpt_status_t profile(vkgpt_session_t *s, const bench_args_t *a, uint32_t vocab) {
    bench_args_t prompt_only = *a;
    prompt_only.gen = 0;
    double pp, tg;
    vkgpt_status_t st = vkgpt_session_profile(s, 1);
    if (st == VKGPT_OK) {
        st = run_once(s, &prompt_only, vocab, &pp, &tg);
    }
    if (st == VKGPT_OK) {
        print_profile("prompt", s, a->prompt);
        /* The prompt is evaluated again untimed, so that the steps have their context. */
        st = vkgpt_session_profile(s, 0);
    }
    if (st == VKGPT_OK && a->gen > 0) {
        st = run_once(s, &prompt_only, vocab, &pp, &tg);
        if (st == VKGPT_OK) {
            st = vkgpt_session_profile(s, 1);
        }
        for (long i = 0; st == VKGPT_OK && i < a->gen; i++) {
            int32_t tok = (int32_t)((i * 31 + 7) % vocab);
            st = vkgpt_session_eval(s, &tok, 1, NULL);
        }
        if (st == VKGPT_OK) {
            print_profile("generation", s, a->gen);
        }
    }
    vkgpt_session_profile(s, 0);
    return st;
}

static void report(const bench_args_t *a, vkgpt_model_t *m, const char *device, double *pp,
                   double *tg) {
    long r = a->reps;
    qsort(pp, (size_t)r, sizeof(double), cmp_double);
    qsort(tg, (size_t)r, sizeof(double), cmp_double);
    double bytes = (double)vkgpt_model_weight_bytes(m);
    double gbs = bytes * tg[r / 2] / 1e9;
    const char *name = a->model ? a->model : a->preset;
    const char *dtype = a->wtype == VKGPT_WEIGHT_TYPE_F32 ? "f32" : "f16";
    if (a->json) {
        printf("{\"model\": \"%s\", \"dtype\": \"%s\", \"device\": \"%s\", \"prompt_tokens\": %ld, "
               "\"gen_tokens\": %ld, \"repetitions\": %ld, \"pp_tokens_per_s\": {\"median\": %.3f, "
               "\"min\": %.3f, \"max\": %.3f}, \"tg_tokens_per_s\": {\"median\": %.3f, "
               "\"min\": %.3f, \"max\": %.3f}, \"weight_bytes_per_token\": %.0f, "
               "\"weight_gb_per_s\": %.3f}\n",
               name, dtype, device, a->prompt, a->gen, r, pp[r / 2], pp[0], pp[r - 1],
               tg[r / 2], tg[0], tg[r - 1], bytes, gbs);
        return;
    }
    printf("model: %s (%s weights, %.1f MiB), device: %s\n", name, dtype, bytes / 1048576.0,
           device);
    printf("%-10s %8s %14s %22s\n", "test", "tokens", "tokens/s", "min .. max");
    printf("%-10s %8ld %14.2f %10.2f .. %-10.2f\n", "prompt", a->prompt, pp[r / 2], pp[0],
           pp[r - 1]);
    printf("%-10s %8ld %14.2f %10.2f .. %-10.2f\n", "generate", a->gen, tg[r / 2], tg[0],
           tg[r - 1]);
    printf("weights read per generated token: %.1f MiB, implied %.2f GB/s\n", bytes / 1048576.0,
           gbs);
}

int cmd_bench(int argc, char **argv) {
    bench_args_t a;
    int rc = parse(argc, argv, &a);
    if (rc >= 0) {
        return rc;
    }
    vkgpt_device_params_t dp;
    vkgpt_device_params_init(&dp);
    dp.selector = a.device;
    vkgpt_model_params_t mp;
    vkgpt_model_params_init(&mp);
    mp.weight_type = a.wtype;
    mp.preset = a.preset;
    vkgpt_device_t *dev = NULL;
    vkgpt_model_t *m = NULL;
    vkgpt_session_t *s = NULL;
    double *pp = calloc((size_t)a.reps, sizeof(double));
    double *tg = calloc((size_t)a.reps, sizeof(double));
    rc = 1;
    if (!pp || !tg || vkgpt_device_create(&dp, &dev) != VKGPT_OK ||
        vkgpt_model_load(dev, a.model, &mp, &m) != VKGPT_OK ||
        vkgpt_session_create(m, NULL, &s) != VKGPT_OK) {
        fprintf(stderr, "vkgpt bench: %s\n", vkgpt_last_error());
        goto done;
    }
    if ((uint64_t)a.prompt + (uint64_t)a.gen > vkgpt_model_n_ctx(m)) {
        fprintf(stderr, "vkgpt bench: -p + -n = %ld exceeds the model's context of %u\n",
                a.prompt + a.gen, vkgpt_model_n_ctx(m));
        goto done;
    }
    vkgpt_device_info_t info = {.struct_size = sizeof(info)};
    vkgpt_device_info(dev, &info);
    double warm_pp, warm_tg;
    vkgpt_status_t st = run_once(s, &a, vkgpt_model_n_vocab(m), &warm_pp, &warm_tg);
    for (long i = 0; st == VKGPT_OK && i < a.reps; i++) {
        st = run_once(s, &a, vkgpt_model_n_vocab(m), &pp[i], &tg[i]);
    }
    if (st != VKGPT_OK) {
        fprintf(stderr, "vkgpt bench: %s\n", vkgpt_session_last_error(s));
        goto done;
    }
    report(&a, m, info.name, pp, tg);
    if (a.profile && !a.json && profile(s, &a, vkgpt_model_n_vocab(m)) != VKGPT_OK) {
        fprintf(stderr, "vkgpt bench: profile: %s\n", vkgpt_session_last_error(s));
        goto done;
    }
    rc = 0;
done:
    free(pp);
    free(tg);
    vkgpt_session_destroy(s);
    vkgpt_model_destroy(m);
    vkgpt_device_destroy(dev);
    return rc;
}
