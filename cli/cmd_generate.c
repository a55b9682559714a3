/* cmd_generate.c: `vkgpt generate`: a config file, then command-line flags on top, then a
 * model, a tokenizer and vkgpt_generate(). Text streams to stdout as it is generated (beam
 * search prints its best sequence at the end); --json prints one object instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

typedef struct gen_args {
    const char *config;
    const char *model;
    const char *prompt;
    const char *prompt_file;
    const char *device;
    bool json;
    bool verbose;
    /* Flags that override config keys, as (key, value) pairs in command-line order. */
    const char *keys[32];
    const char *values[32];
    int n_overrides;
} gen_args_t;

static void usage(FILE *out) {
    fprintf(out,
            "usage: vkgpt generate [-c CONFIG] [-m MODEL_DIR] (-p TEXT | -f FILE | stdin)\n"
            "                      [options]\n"
            "\n"
            "Continues a prompt with a GPT-2-architecture model. Settings come from the\n"
            "config (docs/CONFIG.md), then from these flags, which override it:\n"
            "\n"
            "  -c, --config FILE      YAML config (default: none, every key at its default)\n"
            "  -m, --model DIR        Hugging Face model folder (default: the config's\n"
            "                         model.path); its tokenizer files are used too\n"
            "  -p, --prompt TEXT      the prompt (default: read from stdin)\n"
            "  -f FILE                read the prompt from a file ('-': stdin; default: none)\n"
            "  --strategy S           greedy | sample | beam | beam_sample (default greedy)\n"
            "  --temp T               sampling temperature (default 1.0)\n"
            "  --top-k K              keep the K most likely tokens; 0 keeps all (default 50)\n"
            "  --top-p P              keep the smallest set with probability >= P\n"
            "                         (default 1.0: all)\n"
            "  --beams N              beams for beam search (default 1)\n"
            "  --repeat-penalty R     Hugging Face's repetition_penalty (default 1.0: off)\n"
            "  --no-repeat-ngram N    never repeat an n-gram of this size (default 0: off)\n"
            "  -n, --max-new-tokens N tokens to generate at most (default 64)\n"
            "  --stop TEXT            end at this text (repeatable, up to 8; default none)\n"
            "  --seed S               seed for sampling (default: from the clock)\n"
            "  --dtype f16|f32        weight type on the device (default f32)\n"
            "  --preset NAME          size preset the checkpoint must match (default none)\n"
            "  --device D             device index or name substring (default: VKGPT_DEVICE,\n"
            "                         then the config's device, then the best device)\n"
            "  --json                 print one JSON object: text, ids, timings (default:\n"
            "                         stream the text)\n"
            "  -v, --verbose          print load and speed figures on stderr (default off)\n"
            "  -h, --help             this text\n"
            "\n"
            "A flag's default is the config's value when a config sets the key.\n");
}

static bool add_override(gen_args_t *a, const char *key, const char *value) {
    if (a->n_overrides == 32) {
        fprintf(stderr, "vkgpt generate: too many options\n");
        return false;
    }
    a->keys[a->n_overrides] = key;
    a->values[a->n_overrides++] = value;
    return true;
}

/* Flags that map one-to-one onto config keys. */
static const struct {
    const char *flag;
    const char *alias;
    const char *key;
} override_flags[] = {
    {"--strategy", NULL, "generation.strategy"},
    {"--temp", NULL, "generation.temperature"},
    {"--top-k", NULL, "generation.top_k"},
    {"--top-p", NULL, "generation.top_p"},
    {"--beams", NULL, "generation.num_beams"},
    {"--repeat-penalty", NULL, "generation.repetition_penalty"},
    {"--no-repeat-ngram", NULL, "generation.no_repeat_ngram_size"},
    {"-n", "--max-new-tokens", "generation.max_new_tokens"},
    {"--max-new", NULL, "generation.max_new_tokens"}, /* an older spelling */
    {"--seed", NULL, "generation.seed"},
    {"--dtype", NULL, "model.dtype"},
    {"--preset", NULL, "model.preset"},
};

static int parse(int argc, char **argv, gen_args_t *a) {
    static char stop_list[4096];
    size_t stop_used = 0;
    memset(a, 0, sizeof(*a));
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool matched = false;
        for (size_t f = 0; f < sizeof(override_flags) / sizeof(override_flags[0]); f++) {
            if (!strcmp(o, override_flags[f].flag) ||
                (override_flags[f].alias && !strcmp(o, override_flags[f].alias))) {
                if (!v || !add_override(a, override_flags[f].key, v)) {
                    fprintf(stderr, "vkgpt generate: %s needs a value\n", o);
                    return 2;
                }
                i++;
                matched = true;
            }
        }
        if (matched) {
            continue;
        }
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage(stdout);
            return 0;
        } else if ((!strcmp(o, "-c") || !strcmp(o, "--config")) && v) {
            a->config = argv[++i];
        } else if ((!strcmp(o, "-m") || !strcmp(o, "--model")) && v) {
            a->model = argv[++i];
        } else if ((!strcmp(o, "-p") || !strcmp(o, "--prompt")) && v) {
            a->prompt = argv[++i];
        } else if (!strcmp(o, "-f") && v) {
            a->prompt_file = argv[++i];
        } else if (!strcmp(o, "--device") && v) {
            a->device = argv[++i];
        } else if (!strcmp(o, "--stop") && v) {
            /* Collected as one YAML flow list: ["a", "b"], each string quoted and escaped. */
            int n = snprintf(stop_list + stop_used, sizeof(stop_list) - stop_used, "%s\"",
                             stop_used ? ", " : "[");
            stop_used += n > 0 ? (size_t)n : 0;
            for (const char *c = argv[++i]; *c && stop_used + 4 < sizeof(stop_list); c++) {
                if (*c == '"' || *c == '\\') {
                    stop_list[stop_used++] = '\\';
                }
                stop_list[stop_used++] = *c;
            }
            stop_list[stop_used++] = '"';
            stop_list[stop_used] = '\0';
        } else if (!strcmp(o, "--json")) {
            a->json = true;
        } else if (!strcmp(o, "-v") || !strcmp(o, "--verbose")) {
            a->verbose = true;
        } else {
            fprintf(stderr, "vkgpt generate: unknown or incomplete option '%s'\n\n", o);
            usage(stderr);
            return 2;
        }
    }
    if (stop_used && stop_used + 2 < sizeof(stop_list)) {
        strcat(stop_list, "]");
        if (!add_override(a, "generation.stop", stop_list)) {
            return 2;
        }
    }
    if (a->prompt && a->prompt_file) {
        fprintf(stderr, "vkgpt generate: give -p or -f, not both\n");
        return 2;
    }
    return -1;
}

/* ---- Output ---- */

static void json_string(const char *s, size_t len) {
    putchar('"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            printf("\\%c", c);
        } else if (c == '\n') {
            printf("\\n");
        } else if (c < 0x20) {
            printf("\\u%04x", c);
        } else {
            putchar(c);
        }
    }
    putchar('"');
}

static void print_json(const vkgpt_generation_t *g) {
    size_t pt, gt;
    double ps, gs;
    vkgpt_generation_timings(g, &pt, &ps, &gt, &gs);
    printf("{\"sequences\": [");
    for (size_t i = 0; i < vkgpt_generation_count(g); i++) {
        size_t len, n;
        const char *text = vkgpt_generation_text(g, i, &len);
        const int32_t *ids = vkgpt_generation_ids(g, i, &n);
        printf("%s{\"text\": ", i ? ", " : "");
        json_string(text, len);
        printf(", \"ids\": [");
        for (size_t k = 0; k < n; k++) {
            printf("%s%d", k ? ", " : "", ids[k]);
        }
        printf("], \"finish\": \"%s\", \"score\": %.6g}", vkgpt_generation_finish(g, i),
               vkgpt_generation_score(g, i));
    }
    printf("], \"timings\": {\"prompt_tokens\": %zu, \"prompt_seconds\": %.4f, "
           "\"generated_tokens\": %zu, \"generate_seconds\": %.4f}}\n",
           pt, ps, gt, gs);
}

typedef struct stream_state {
    bool streamed;
} stream_state_t;

static int on_text(uint32_t seq, const char *text, size_t len, void *user) {
    stream_state_t *s = user;
    if (seq == 0) {
        fwrite(text, 1, len, stdout);
        fflush(stdout);
        s->streamed = true;
    }
    return 1;
}

/* ---- Set-up ---- */

static vkgpt_config_t *build_config(const gen_args_t *a) {
    vkgpt_config_t *cfg = NULL;
    if (vkgpt_config_create(&cfg) != VKGPT_OK) {
        fprintf(stderr, "vkgpt generate: out of memory\n");
        return NULL;
    }
    vkgpt_status_t st = a->config ? vkgpt_config_load_file(cfg, a->config) : VKGPT_OK;
    for (int i = 0; st == VKGPT_OK && i < a->n_overrides; i++) {
        st = vkgpt_config_set(cfg, a->keys[i], a->values[i]);
    }
    if (st == VKGPT_OK && a->model) {
        /* The value is YAML: quote the path so that no character in it means anything. */
        char quoted[2200];
        size_t q = 0;
        quoted[q++] = '"';
        for (const char *c = a->model; *c && q + 4 < sizeof(quoted); c++) {
            if (*c == '"' || *c == '\\') {
                quoted[q++] = '\\';
            }
            quoted[q++] = *c;
        }
        quoted[q++] = '"';
        quoted[q] = '\0';
        st = vkgpt_config_set(cfg, "model.path", quoted);
    }
    if (st == VKGPT_OK) {
        st = vkgpt_config_validate(cfg);
    }
    if (st != VKGPT_OK) {
        fprintf(stderr, "vkgpt generate: %s\n", vkgpt_config_last_error(cfg));
        vkgpt_config_destroy(cfg);
        return NULL;
    }
    return cfg;
}

static char *read_prompt(const gen_args_t *a) {
    if (a->prompt) {
        return strdup(a->prompt);
    }
    char *data = NULL;
    size_t len = 0;
    if (!cli_read_file(a->prompt_file ? a->prompt_file : "-", &data, &len)) {
        return NULL;
    }
    return data;
}

/* A bar on stderr; user is the label ("loading", "prompt"). */
static void progress(float fraction, void *user) {
    int width = 40, done = (int)(fraction * (float)width + 0.5f);
    fprintf(stderr, "\r%-8s [%.*s%*s] %3d%%", (const char *)user, done,
            "########################################", width - done, "",
            (int)(fraction * 100.0f + 0.5f));
    if (fraction >= 1.0f) {
        fprintf(stderr, "\r%*s\r", width + 20, "");
    }
}

static vkgpt_model_t *load_model(vkgpt_config_t *cfg, vkgpt_device_t *dev, bool verbose) {
    const char *path = vkgpt_config_model_path(cfg);
    vkgpt_model_params_t mp;
    vkgpt_model_params_init(&mp);
    vkgpt_config_model_params(cfg, &mp);
    if (isatty(2)) {
        mp.progress = progress;
        mp.progress_user_data = (void *)"loading";
    }
    if (!path[0] && !mp.preset) {
        fprintf(stderr, "vkgpt generate: no model: give -m DIR or model.path in a config\n");
        return NULL;
    }
    double t0 = cli_now();
    vkgpt_model_t *m = NULL;
    if (vkgpt_model_load(dev, path[0] ? path : NULL, &mp, &m) != VKGPT_OK) {
        const char *origin = mp.preset ? vkgpt_config_origin(cfg, "model.preset") : "";
        fprintf(stderr, "vkgpt generate: %s%s%s\n", vkgpt_last_error(),
                origin[0] ? " (preset set at " : "", origin[0] ? origin : "");
        if (origin[0]) {
            fprintf(stderr, ")\n");
        }
        return NULL;
    }
    if (verbose) {
        fprintf(stderr, "load: %.2f s, %.1f MiB of weights\n", cli_now() - t0,
                (double)vkgpt_model_weight_bytes(m) / 1048576.0);
    }
    return m;
}

static int run(const gen_args_t *a, vkgpt_config_t *cfg, vkgpt_device_t *dev,
               vkgpt_tokenizer_t *tok, const char *prompt) {
    vkgpt_model_t *model = load_model(cfg, dev, a->verbose);
    if (!model) {
        return 1;
    }
    vkgpt_generation_params_t gp;
    vkgpt_config_generation_params(cfg, &gp);
    uint32_t rows = gp.num_beams > gp.num_return_sequences ? gp.num_beams
                                                          : gp.num_return_sequences;
    vkgpt_session_params_t sp;
    vkgpt_session_params_init(&sp);
    sp.n_seq = rows ? rows : 1;
    vkgpt_session_t *s = NULL;
    vkgpt_generation_t *g = NULL;
    int rc = 1;
    if (vkgpt_session_create(model, &sp, &s) != VKGPT_OK) {
        fprintf(stderr, "vkgpt generate: %s\n", vkgpt_last_error());
        goto done;
    }
    if (isatty(2)) {
        vkgpt_session_set_progress(s, progress, (void *)"prompt");
    }
    stream_state_t stream = {false};
    if (!a->json) {
        printf("%s", prompt);
        fflush(stdout);
    }
    const char *prompts[1] = {prompt};
    vkgpt_status_t st = vkgpt_generate(s, tok, prompts, 1, &gp, a->json ? NULL : on_text,
                                       &stream, &g);
    if (st != VKGPT_OK && st != VKGPT_ERR_CANCELLED) {
        fprintf(stderr, "\nvkgpt generate: %s\n", vkgpt_session_last_error(s));
        goto done;
    }
    if (a->json) {
        print_json(g);
    } else {
        size_t len;
        const char *text = vkgpt_generation_text(g, 0, &len);
        if (!stream.streamed && text) {
            fwrite(text, 1, len, stdout);
        }
        printf("\n");
    }
    if (a->verbose) {
        size_t pt, gt;
        double ps, gs;
        vkgpt_generation_timings(g, &pt, &ps, &gt, &gs);
        fprintf(stderr, "prompt: %zu tokens, %.2f tokens/s; generated: %zu tokens, %.2f "
                        "tokens/s\n",
                pt, ps > 0 ? (double)pt / ps : 0.0, gt, gs > 0 ? (double)gt / gs : 0.0);
    }
    rc = 0;
done:
    vkgpt_generation_destroy(g);
    vkgpt_session_destroy(s);
    vkgpt_model_destroy(model);
    return rc;
}

static vkgpt_tokenizer_t *open_tokenizer(vkgpt_config_t *cfg) {
    const char *folder = vkgpt_config_tokenizer_path(cfg);
    if (!folder[0]) {
        folder = vkgpt_config_model_path(cfg);
    }
    if (!folder[0]) {
        fprintf(stderr, "vkgpt generate: no tokenizer: give -m DIR or tokenizer.path\n");
        return NULL;
    }
    const char *plugin = vkgpt_config_tokenizer_plugin(cfg);
    return cli_load_tokenizer(folder, plugin[0] ? plugin : NULL);
}

int cmd_generate(int argc, char **argv) {
    gen_args_t a;
    int rc = parse(argc, argv, &a);
    if (rc >= 0) {
        return rc;
    }
    vkgpt_config_t *cfg = build_config(&a);
    if (!cfg) {
        return 1;
    }
    char *prompt = read_prompt(&a);
    vkgpt_tokenizer_t *tok = prompt ? open_tokenizer(cfg) : NULL;
    vkgpt_device_t *dev = NULL;
    rc = 1;
    if (tok) {
        /* --device wins, then VKGPT_DEVICE (read by the library), then the config. */
        const char *from_config = vkgpt_config_device(cfg);
        vkgpt_device_params_t dp;
        vkgpt_device_params_init(&dp);
        dp.selector = a.device ? a.device
                      : (!getenv("VKGPT_DEVICE") && from_config[0]) ? from_config : NULL;
        if (vkgpt_device_create(&dp, &dev) != VKGPT_OK) {
            fprintf(stderr, "vkgpt generate: %s\n", vkgpt_last_error());
        } else {
            rc = run(&a, cfg, dev, tok, prompt);
        }
    }
    vkgpt_device_destroy(dev);
    vkgpt_tokenizer_destroy(tok);
    free(prompt);
    vkgpt_config_destroy(cfg);
    return rc;
}
