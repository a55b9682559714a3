/* cmd_config.c: `vkgpt config [--print | --check] [-c FILE]... [flags] [KEY=VALUE]...`
 *
 * Files apply in the order given, then the flags and KEY=VALUE overrides in the order given,
 * so a later setting wins. The flags are the short forms `vkgpt generate` takes (llama.cpp's
 * names); each is an override of one key. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_config.h"
#include "vkgpt.h"

/* A flag that sets one config key from its argument. */
typedef struct key_flag {
    const char *flag;
    const char *alt;
    const char *key;
    const char *help;
    const char *def; /* the default, as the help shows it */
} key_flag_t;

static const key_flag_t key_flags[] = {
    {"-m", "--model", "model.path", "model folder or weights file", "none"},
    {"--preset", NULL, "model.preset", "size preset: gpt2-small ... rugpt3-large", "none"},
    {"--dtype", NULL, "model.dtype", "weight type on the device: f32 or f16", "f32"},
    {"--strategy", NULL, "generation.strategy", "greedy, sample, beam or beam_sample",
     "greedy"},
    {"--temp", NULL, "generation.temperature", "sampling temperature", "1"},
    {"--top-k", NULL, "generation.top_k", "keep the k most likely tokens; 0 keeps all", "50"},
    {"--top-p", NULL, "generation.top_p", "keep the smallest set with this probability",
     "1: all"},
    {"--repeat-penalty", NULL, "generation.repetition_penalty",
     "Hugging Face's repetition penalty", "1: off"},
    {"--no-repeat-ngram", NULL, "generation.no_repeat_ngram_size",
     "never repeat an n-gram of this size", "0: off"},
    {"--beams", NULL, "generation.num_beams", "beams for beam search", "1"},
    {"-n", "--max-new-tokens", "generation.max_new_tokens", "tokens to generate at most", "64"},
    {"--seed", NULL, "generation.seed", "sampling seed", "from the clock"},
    {"--device", NULL, "device", "device index or name substring", "the best device"},
};

static void usage(FILE *out) {
    fprintf(out, "usage: vkgpt config [--print | --check] [-c FILE]... [flags] [KEY=VALUE]...\n"
                 "\n"
                 "Loads the configs in order, applies the flags and KEY=VALUE overrides\n"
                 "(\"generation.top_k=40\", \"device=0\"), checks the result and prints it\n"
                 "as YAML. docs/CONFIG.md lists every key.\n"
                 "\n"
                 "  --print                  print the merged config (the default)\n"
                 "  --check                  check only; print nothing on success\n"
                 "  -c, --config FILE        a YAML config; may be repeated (default: none)\n"
                 "  --set KEY=VALUE          an override, the same as a bare KEY=VALUE;\n"
                 "                           repeatable (default: none)\n"
                 "\n"
                 "Flags that set one key (the default is the key's own):\n");
    for (size_t i = 0; i < sizeof(key_flags) / sizeof(key_flags[0]); i++) {
        const key_flag_t *f = &key_flags[i];
        char names[48];
        snprintf(names, sizeof(names), "%s%s%s V", f->flag, f->alt ? ", " : "",
                 f->alt ? f->alt : "");
        fprintf(out, "  %-24s %s (default: %s)\n  %-24s   %s\n", names, f->key, f->def, "",
                f->help);
    }
    fprintf(out, "  -h, --help               this text\n");
}

static const key_flag_t *find_flag(const char *arg) {
    for (size_t i = 0; i < sizeof(key_flags) / sizeof(key_flags[0]); i++) {
        const key_flag_t *f = &key_flags[i];
        if (strcmp(arg, f->flag) == 0 || (f->alt && strcmp(arg, f->alt) == 0)) {
            return f;
        }
    }
    return NULL;
}

/* Applies "KEY=VALUE". */
static vkgpt_status_t set_pair(vkgpt_config_t *cfg, const char *pair) {
    const char *eq = strchr(pair, '=');
    char key[128];
    if (!eq || eq == pair || (size_t)(eq - pair) >= sizeof(key)) {
        fprintf(stderr, "vkgpt config: '%s' is not KEY=VALUE\n", pair);
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    memcpy(key, pair, (size_t)(eq - pair));
    key[eq - pair] = '\0';
    return vkgpt_config_set(cfg, key, eq + 1);
}

/* One argument (and its value, advancing *i); returns a status or, for usage errors,
 * VKGPT_ERR_INVALID_ARGUMENT after printing why. */
static vkgpt_status_t apply_arg(vkgpt_config_t *cfg, int argc, char **argv, int *i, bool *check) {
    const char *a = argv[*i];
    const key_flag_t *f = find_flag(a);
    bool takes_value = f || !strcmp(a, "-c") || !strcmp(a, "--config") || !strcmp(a, "--set");
    if (takes_value && *i + 1 >= argc) {
        fprintf(stderr, "vkgpt config: %s needs a value\n", a);
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    if (!strcmp(a, "--print") || !strcmp(a, "--check")) {
        *check = !strcmp(a, "--check");
        return VKGPT_OK;
    }
    if (f) {
        return vkgpt_config_set(cfg, f->key, argv[++*i]);
    }
    if (!strcmp(a, "-c") || !strcmp(a, "--config")) {
        return vkgpt_config_load_file(cfg, argv[++*i]);
    }
    if (!strcmp(a, "--set")) {
        return set_pair(cfg, argv[++*i]);
    }
    if (a[0] != '-' && strchr(a, '=')) {
        return set_pair(cfg, a);
    }
    fprintf(stderr, "vkgpt config: unknown option '%s' (see vkgpt config --help)\n", a);
    return VKGPT_ERR_INVALID_ARGUMENT;
}

static int print_config(vkgpt_config_t *cfg) {
    size_t len = 0;
    vkgpt_status_t st = vkgpt_config_print(cfg, NULL, 0, &len);
    if (st != VKGPT_ERR_BUFFER_TOO_SMALL) {
        fprintf(stderr, "vkgpt config: %s\n", vkgpt_config_last_error(cfg));
        return 1;
    }
    char *text = malloc(len + 1);
    if (!text || vkgpt_config_print(cfg, text, len + 1, &len) != VKGPT_OK) {
        fprintf(stderr, "vkgpt config: %s\n", text ? vkgpt_config_last_error(cfg)
                                                  : "out of memory");
        free(text);
        return 1;
    }
    fputs(text, stdout);
    free(text);
    return 0;
}

int vkgpt_cli_config(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        }
    }
    vkgpt_config_t *cfg = NULL;
    if (vkgpt_config_create(&cfg) != VKGPT_OK) {
        fprintf(stderr, "vkgpt config: out of memory\n");
        return 1;
    }

    bool check = false;
    int rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        vkgpt_status_t st = apply_arg(cfg, argc, argv, &i, &check);
        if (st == VKGPT_ERR_INVALID_ARGUMENT) {
            rc = 2;
        } else if (st != VKGPT_OK) {
            fprintf(stderr, "vkgpt config: %s\n", vkgpt_config_last_error(cfg));
            rc = 1;
        }
    }
    if (rc == 0 && check && vkgpt_config_validate(cfg) != VKGPT_OK) {
        fprintf(stderr, "vkgpt config: %s\n", vkgpt_config_last_error(cfg));
        rc = 1;
    } else if (rc == 0 && !check) {
        rc = print_config(cfg);
    }
    vkgpt_config_destroy(cfg);
    return rc;
}
