/* cmd_tokenize.c: vkgpt tokenize: text to ids, pieces or JSON; --bench measures encoding
 * speed on a file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

typedef enum { OUT_IDS, OUT_PIECES, OUT_JSON } out_mode_t;

typedef struct tokenize_opts {
    const char *folder;
    const char *plugin;
    const char *text;
    const char *file;
    const char *bench;
    double seconds;
    out_mode_t mode;
    uint32_t flags;
} tokenize_opts_t;

static void usage(FILE *out) {
    fprintf(out,
            "usage: vkgpt tokenize (-m MODEL_DIR | --tokenizer DIR) [--plugin NAME]\n"
            "                      (-p TEXT | -f FILE) [--ids | --pieces | --json]\n"
            "                      [--special]\n"
            "       vkgpt tokenize (-m MODEL_DIR | --tokenizer DIR) --bench FILE\n"
            "                      [--seconds S]\n"
            "\n"
            "  -m, --model DIR      a model folder, whose tokenizer files are used (this or\n"
            "                       --tokenizer is required)\n"
            "      --tokenizer DIR  a folder of tokenizer files (this or -m is required)\n"
            "      --plugin NAME    tokenizer plugin (default: bpe)\n"
            "  -p, --prompt TEXT    the text to encode (one of -p, -f and --bench is\n"
            "                       required)\n"
            "  -f, --file FILE      encode a file's bytes ('-' for stdin; default: none)\n"
            "      --ids            print ids separated by spaces (default)\n"
            "      --pieces         print each token's piece as the files spell it\n"
            "      --json           print {\"ids\": [...], \"pieces\": [...]}\n"
            "      --special        match special-token text such as <|endoftext|>\n"
            "      --bench FILE     encode FILE repeatedly on one thread; print MB/s\n"
            "                       (default: none)\n"
            "      --seconds S      how long --bench runs (default 2)\n");
}

static int parse(int argc, char **argv, tokenize_opts_t *o) {
    enum { O_TOK = 256, O_PLUGIN, O_IDS, O_PIECES, O_JSON, O_SPECIAL, O_BENCH, O_SECONDS };
    static const struct option longs[] = {
        {"model", required_argument, 0, 'm'},  {"tokenizer", required_argument, 0, O_TOK},
        {"plugin", required_argument, 0, O_PLUGIN}, {"prompt", required_argument, 0, 'p'},
        {"file", required_argument, 0, 'f'},   {"ids", no_argument, 0, O_IDS},
        {"pieces", no_argument, 0, O_PIECES},  {"json", no_argument, 0, O_JSON},
        {"special", no_argument, 0, O_SPECIAL}, {"bench", required_argument, 0, O_BENCH},
        {"seconds", required_argument, 0, O_SECONDS}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    o->seconds = 2.0;
    int c;
    while ((c = getopt_long(argc, argv, "m:p:f:h", longs, NULL)) != -1) {
        switch (c) {
        case 'm': case O_TOK: o->folder = optarg; break;
        case O_PLUGIN: o->plugin = optarg; break;
        case 'p': o->text = optarg; break;
        case 'f': o->file = optarg; break;
        case O_IDS: o->mode = OUT_IDS; break;
        case O_PIECES: o->mode = OUT_PIECES; break;
        case O_JSON: o->mode = OUT_JSON; break;
        case O_SPECIAL: o->flags |= VKGPT_TOKENIZE_SPECIAL; break;
        case O_BENCH: o->bench = optarg; break;
        case O_SECONDS: o->seconds = atof(optarg); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    bool one_input = (o->text != NULL) + (o->file != NULL) + (o->bench != NULL) == 1;
    if (!o->folder || !one_input || optind != argc || !(o->seconds > 0)) {
        fprintf(stderr, "vkgpt tokenize: need a tokenizer folder and exactly one of -p, -f, "
                        "--bench\n");
        usage(stderr);
        return 2;
    }
    return -1;
}

/* Writes s as the inside of a JSON string: quotes, backslashes and controls escaped; other
 * bytes as they are. */
static void put_json_string(const char *s, size_t n) {
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
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

static void print_ids(const vkgpt_tokenizer_t *tok, const int32_t *ids, size_t n,
                      out_mode_t mode) {
    if (mode == OUT_JSON) {
        printf("{\"ids\": [");
        for (size_t i = 0; i < n; i++) {
            printf("%s%d", i ? ", " : "", (int)ids[i]);
        }
        printf("], \"pieces\": [");
    }
    for (size_t i = 0; i < n; i++) {
        if (mode == OUT_IDS) {
            printf("%s%d", i ? " " : "", (int)ids[i]);
            continue;
        }
        size_t len = 0;
        const char *piece = vkgpt_tokenizer_token_to_piece(tok, ids[i], &len);
        if (mode == OUT_JSON) {
            printf("%s", i ? ", " : "");
            put_json_string(piece ? piece : "", len);
        } else {
            printf("%s%.*s", i ? " " : "", (int)len, piece ? piece : "");
        }
    }
    printf(mode == OUT_JSON ? "]}\n" : "\n");
}

/* A token covers at least one byte, so len + 16 ids nearly always fit; when they do not (a
 * plugin that adds tokens), the count it reports sizes a second try. */
static int encode_all(vkgpt_tokenizer_t *tok, const char *text, size_t len, uint32_t flags,
                      int32_t **ids, size_t *n) {
    size_t cap = len + 16;
    vkgpt_status_t st = VKGPT_ERR_BUFFER_TOO_SMALL;
    for (int attempt = 0; attempt < 2 && st == VKGPT_ERR_BUFFER_TOO_SMALL; attempt++) {
        free(*ids);
        *ids = malloc(cap * sizeof(int32_t));
        st = *ids ? vkgpt_tokenizer_encode(tok, text, len, flags, *ids, cap, n)
                  : VKGPT_ERR_OUT_OF_HOST_MEMORY;
        cap = *n;
    }
    if (st != VKGPT_OK) {
        fprintf(stderr, "vkgpt tokenize: %s\n",
                st == VKGPT_ERR_OUT_OF_HOST_MEMORY ? "out of memory"
                                                   : vkgpt_tokenizer_last_error(tok));
        return 1;
    }
    return 0;
}

/* Encodes the file again and again for about o->seconds and reports the rate, by the wall
 * clock and by this process's CPU time (the two differ when other work shares the cores). The
 * first pass is reported apart: it fills the encoder's word cache. */
static int bench(vkgpt_tokenizer_t *tok, const tokenize_opts_t *o) {
    char *data;
    size_t len;
    if (!cli_read_file(o->bench, &data, &len)) {
        return 1;
    }
    int32_t *ids = NULL;
    size_t n = 0, passes = 0;
    double t0 = cli_now(), c0 = cli_cpu_now(), first = 0, now = t0;
    int rc = 0;
    while (rc == 0 && (passes == 0 || now - t0 < o->seconds)) {
        rc = encode_all(tok, data, len, o->flags, &ids, &n);
        now = cli_now();
        first = passes++ == 0 ? cli_cpu_now() - c0 : first;
    }
    double wall = now - t0, cpu = cli_cpu_now() - c0;
    double mb = (double)len * (double)passes / 1e6;
    if (rc == 0) {
        printf("%s: %zu bytes, %zu tokens, %zu passes in %.2f s\n", o->bench, len, n, passes,
               wall);
        printf("encode: %.1f MB/s (%.2f ns/byte) by CPU time, %.1f MB/s by wall clock; "
               "first pass %.1f MB/s\n",
               mb / cpu, cpu * 1e3 / mb, mb / wall, (double)len / 1e6 / first);
    }
    free(ids);
    free(data);
    return rc;
}

int cmd_tokenize(int argc, char **argv) {
    tokenize_opts_t o = {0};
    int rc = parse(argc, argv, &o);
    if (rc >= 0) {
        return rc;
    }
    vkgpt_tokenizer_t *tok = cli_load_tokenizer(o.folder, o.plugin);
    if (!tok) {
        return 1;
    }
    if (o.bench) {
        rc = bench(tok, &o);
        vkgpt_tokenizer_destroy(tok);
        return rc;
    }

    char *data = NULL;
    size_t len = o.text ? strlen(o.text) : 0;
    if (o.file && !cli_read_file(o.file, &data, &len)) {
        vkgpt_tokenizer_destroy(tok);
        return 1;
    }
    int32_t *ids = NULL;
    size_t n = 0;
    rc = encode_all(tok, o.text ? o.text : data, len, o.flags, &ids, &n);
    if (rc == 0) {
        print_ids(tok, ids, n, o.mode);
    }
    free(ids);
    free(data);
    vkgpt_tokenizer_destroy(tok);
    return rc;
}
