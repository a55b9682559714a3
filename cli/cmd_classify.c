/* cmd_classify.c: `vkgpt classify [-c CONFIG] [-m MODEL_DIR] (-p TEXT | -f FILE) [--json]`:
 * the most likely class of a text, or of each line of a file, with a transformer classifier
 * folder. Lines are classified in batches; each result is that of the line alone. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

#define LINES_PER_BATCH 256

typedef struct classify_opts {
    const char *config;
    const char *model;
    const char *text;
    const char *file;
    const char *device;
    bool json;
    bool dtype_given;
    vkgpt_weight_type_t wtype;
    /* Class names from the config's classifier.labels, overriding the model's; NULL: none. */
    const char *const *labels;
    size_t n_labels;
} classify_opts_t;

static void usage(FILE *out) {
    fprintf(out,
            "usage: vkgpt classify [-c CONFIG] [-m MODEL_DIR] (-p TEXT | -f FILE) [--json]\n"
            "                      [--device D] [--dtype f32|f16]\n"
            "\n"
            "The most likely class of a text, or of each line of a file, and its\n"
            "probability, with a classifier folder (config.json, model.safetensors and\n"
            "tokenizer files; see docs/CLASSIFIER.md). Class names come from the\n"
            "config's \"labels\", or from classifier.labels in a YAML config. Text longer\n"
            "than the model's longest sequence is classified by its beginning, with a\n"
            "warning.\n"
            "\n"
            "  -c, --config FILE YAML config: model.path, model.dtype, tokenizer.plugin,\n"
            "                    device, classifier.labels (default: none)\n"
            "  -m, --model DIR   classifier folder (default: the config's model.path)\n"
            "  -p, --prompt TEXT the text to classify\n"
            "  -f, --file FILE   classify each line ('-' for stdin); an empty line gives\n"
            "                    an empty result line\n"
            "      --json        one JSON object per input, with every class's probability\n"
            "      --device D    device index or name substring\n"
            "      --dtype T     weight type on the device: f32 (default) or f16\n");
}

static int parse(int argc, char **argv, classify_opts_t *o) {
    enum { O_JSON = 256, O_DEVICE, O_DTYPE };
    static const struct option longs[] = {
        {"model", required_argument, 0, 'm'},   {"prompt", required_argument, 0, 'p'},
        {"config", required_argument, 0, 'c'},
        {"file", required_argument, 0, 'f'},    {"json", no_argument, 0, O_JSON},
        {"device", required_argument, 0, O_DEVICE}, {"dtype", required_argument, 0, O_DTYPE},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0},
    };
    *o = (classify_opts_t){.wtype = VKGPT_WEIGHT_TYPE_F32};
    int c;
    while ((c = getopt_long(argc, argv, "c:m:p:f:h", longs, NULL)) != -1) {
        switch (c) {
        case 'c': o->config = optarg; break;
        case 'm': o->model = optarg; break;
        case 'p': o->text = optarg; break;
        case 'f': o->file = optarg; break;
        case O_JSON: o->json = true; break;
        case O_DEVICE: o->device = optarg; break;
        case O_DTYPE:
            if (strcmp(optarg, "f32") && strcmp(optarg, "f16")) {
                fprintf(stderr, "vkgpt classify: --dtype is f32 or f16, got '%s'\n", optarg);
                return 2;
            }
            o->wtype = strcmp(optarg, "f16") ? VKGPT_WEIGHT_TYPE_F32 : VKGPT_WEIGHT_TYPE_F16;
            o->dtype_given = true;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if ((!o->model && !o->config) || (o->text != NULL) == (o->file != NULL) || optind != argc) {
        fprintf(stderr, "vkgpt classify: need -m MODEL_DIR or -c CONFIG, and exactly one of "
                        "-p, -f\n\n");
        usage(stderr);
        return 2;
    }
    return -1;
}

/* ---- Output ---- */

static void json_string(const char *s) {
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            printf("\\%c", ch);
        } else if (ch < 0x20) {
            printf("\\u%04x", ch);
        } else {
            putchar(ch);
        }
    }
    putchar('"');
}

static const char *label_of(vkgpt_classifier_t *c, const classify_opts_t *o, uint32_t i) {
    return o->labels ? o->labels[i] : vkgpt_classifier_label(c, i);
}

static uint32_t best_class(const float *log_probs, uint32_t n) {
    uint32_t best = 0;
    for (uint32_t i = 1; i < n; i++) {
        best = log_probs[i] > log_probs[best] ? i : best;
    }
    return best;
}

/* One result; line is 0 for -p (no "line" key in JSON). */
static void print_result(vkgpt_classifier_t *c, const classify_opts_t *o, size_t line,
                         const float *log_probs) {
    uint32_t n = vkgpt_classifier_n_classes(c), best = best_class(log_probs, n);
    if (!o->json) {
        printf("%s\t%.4f\n", label_of(c, o, best), exp(log_probs[best]));
        return;
    }
    printf("{");
    if (line) {
        printf("\"line\": %zu, ", line);
    }
    printf("\"label\": ");
    json_string(label_of(c, o, best));
    printf(", \"probability\": %.6g, \"probabilities\": {", exp(log_probs[best]));
    for (uint32_t i = 0; i < n; i++) {
        printf(i ? ", " : "");
        json_string(label_of(c, o, i));
        printf(": %.6g", exp(log_probs[i]));
    }
    printf("}}\n");
}

static void print_empty(const classify_opts_t *o, size_t line) {
    if (o->json) {
        printf("{\"line\": %zu, \"label\": null}\n", line);
    } else {
        printf("\n");
    }
}

/* ---- Batches ---- */

typedef struct batch {
    int32_t *ids[LINES_PER_BATCH];
    size_t lengths[LINES_PER_BATCH];
    size_t lines[LINES_PER_BATCH];   /* 1-based line numbers; 0 for -p */
    size_t n;
} batch_t;

/* Encodes one text into the batch, keeping at most the model's longest sequence. An empty
 * text gets length 0 and is reported as empty. */
static bool add_text(vkgpt_classifier_t *c, batch_t *b, const char *text, size_t len,
                     size_t line) {
    vkgpt_tokenizer_t *tok = vkgpt_classifier_tokenizer(c);
    size_t need = 0, max = vkgpt_classifier_max_tokens(c);
    vkgpt_status_t st = vkgpt_tokenizer_encode(tok, text, len, 0, NULL, 0, &need);
    int32_t *ids = malloc((need ? need : 1) * sizeof(*ids));
    if ((st != VKGPT_OK && st != VKGPT_ERR_BUFFER_TOO_SMALL) || !ids ||
        vkgpt_tokenizer_encode(tok, text, len, 0, ids, need, &need) != VKGPT_OK) {
        fprintf(stderr, "vkgpt classify: %s\n",
                ids ? vkgpt_tokenizer_last_error(tok) : "out of memory");
        free(ids);
        return false;
    }
    if (need > max && line) {
        fprintf(stderr, "vkgpt classify: line %zu: %zu tokens; the model reads the first %zu\n",
                line, need, max);
    } else if (need > max) {
        fprintf(stderr, "vkgpt classify: %zu tokens; the model reads the first %zu\n", need,
                max);
    }
    need = need < max ? need : max;
    b->ids[b->n] = ids;
    b->lengths[b->n] = need;
    b->lines[b->n++] = line;
    return true;
}

/* Classifies the batch's non-empty texts, prints every result in order and empties it. */
static bool flush(vkgpt_classifier_t *c, const classify_opts_t *o, batch_t *b) {
    uint32_t classes = vkgpt_classifier_n_classes(c);
    const int32_t *seqs[LINES_PER_BATCH];
    size_t lengths[LINES_PER_BATCH], n = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->lengths[i]) {
            seqs[n] = b->ids[i];
            lengths[n++] = b->lengths[i];
        }
    }
    float *out = malloc((n ? n : 1) * classes * sizeof(float));
    bool ok = out && vkgpt_classifier_classify(c, seqs, lengths, n, out) == VKGPT_OK;
    if (!ok) {
        fprintf(stderr, "vkgpt classify: %s\n",
                out ? vkgpt_classifier_last_error(c) : "out of memory");
    }
    for (size_t i = 0, j = 0; ok && i < b->n; i++) {
        if (b->lengths[i]) {
            print_result(c, o, b->lines[i], out + j++ * classes);
        } else {
            print_empty(o, b->lines[i]);
        }
    }
    for (size_t i = 0; i < b->n; i++) {
        free(b->ids[i]);
    }
    b->n = 0;
    free(out);
    return ok;
}

static bool classify_file(vkgpt_classifier_t *c, const classify_opts_t *o, batch_t *b) {
    char *data;
    size_t len;
    if (!cli_read_file(o->file, &data, &len)) {
        return false;
    }
    bool ok = true;
    size_t line = 0;
    for (size_t start = 0; ok && start < len; line++) {
        const char *nl = memchr(data + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - data) : len, n = end - start;
        if (n && data[start + n - 1] == '\r') {
            n--;
        }
        ok = add_text(c, b, data + start, n, line + 1);
        if (ok && b->n == LINES_PER_BATCH) {
            ok = flush(c, o, b);
        }
        start = end + 1;
    }
    ok = ok && flush(c, o, b);
    free(data);
    return ok;
}

static int run(const classify_opts_t *o, vkgpt_classifier_t *c) {
    batch_t *b = calloc(1, sizeof(*b));
    if (!b) {
        fprintf(stderr, "vkgpt classify: out of memory\n");
        return 1;
    }
    bool ok;
    if (o->text) {
        ok = add_text(c, b, o->text, strlen(o->text), 0);
        if (ok && b->lengths[0] == 0) {
            fprintf(stderr, "vkgpt classify: the text encodes to no tokens\n");
            ok = false;
        }
        ok = ok && flush(c, o, b);
    } else {
        ok = classify_file(c, o, b);
    }
    for (size_t i = 0; i < b->n; i++) {
        free(b->ids[i]);
    }
    free(b);
    return ok ? 0 : 1;
}

/* Takes from the config what the command line left open. */
static bool apply_config(vkgpt_config_t *cfg, classify_opts_t *o,
                         vkgpt_classifier_params_t *cp) {
    if (vkgpt_config_load_file(cfg, o->config) != VKGPT_OK ||
        vkgpt_config_validate(cfg) != VKGPT_OK) {
        fprintf(stderr, "vkgpt classify: %s\n", vkgpt_config_last_error(cfg));
        return false;
    }
    if (!o->model) {
        o->model = vkgpt_config_model_path(cfg);
        if (!o->model[0]) {
            fprintf(stderr, "vkgpt classify: %s sets no model.path; give -m DIR\n", o->config);
            return false;
        }
    }
    if (!o->dtype_given) {
        vkgpt_model_params_t mp;
        vkgpt_model_params_init(&mp);
        vkgpt_config_model_params(cfg, &mp);
        o->wtype = mp.weight_type;
    }
    const char *device = vkgpt_config_device(cfg);
    if (!o->device && device[0] && !getenv("VKGPT_DEVICE")) {
        o->device = device;
    }
    const char *plugin = vkgpt_config_tokenizer_plugin(cfg);
    cp->tokenizer_plugin = plugin[0] ? plugin : NULL;
    o->labels = vkgpt_config_labels(cfg, &o->n_labels);
    if (!o->n_labels) {
        o->labels = NULL;
    }
    return true;
}

static bool labels_fit(vkgpt_classifier_t *c, const classify_opts_t *o) {
    uint32_t n = vkgpt_classifier_n_classes(c);
    if (o->labels && o->n_labels != n) {
        fprintf(stderr, "vkgpt classify: %s names %zu classifier.labels; the model has %u "
                        "classes\n", o->config, o->n_labels, n);
        return false;
    }
    return true;
}

int cmd_classify(int argc, char **argv) {
    classify_opts_t o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0) {
        return rc;
    }
    vkgpt_classifier_params_t cp;
    vkgpt_classifier_params_init(&cp);
    vkgpt_config_t *cfg = NULL;
    if (o.config && (vkgpt_config_create(&cfg) != VKGPT_OK || !apply_config(cfg, &o, &cp))) {
        vkgpt_config_destroy(cfg);
        return 1;
    }
    vkgpt_device_params_t dp;
    vkgpt_device_params_init(&dp);
    dp.selector = o.device;
    cp.weight_type = o.wtype;
    vkgpt_device_t *dev = NULL;
    vkgpt_classifier_t *c = NULL;
    rc = 1;
    if (vkgpt_device_create(&dp, &dev) != VKGPT_OK ||
        vkgpt_classifier_load(dev, o.model, &cp, &c) != VKGPT_OK) {
        fprintf(stderr, "vkgpt classify: %s\n", vkgpt_last_error());
    } else if (labels_fit(c, &o)) {
        rc = run(&o, c);
    }
    vkgpt_classifier_destroy(c);
    vkgpt_device_destroy(dev);
    vkgpt_config_destroy(cfg);
    return rc;
}
