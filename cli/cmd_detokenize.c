/* cmd_detokenize.c: vkgpt detokenize: token ids back to text. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: vkgpt detokenize (-m MODEL_DIR | --tokenizer DIR) [--plugin NAME]\n"
            "                        [-p IDS | -f FILE | ID...] [--skip-special]\n"
            "\n"
            "Ids are decimal integers separated by spaces, commas or newlines (a JSON\n"
            "array works too); without -p, -f or ID arguments they are read from stdin.\n"
            "The bytes are written to stdout as they are. Ids that name no token decode\n"
            "to nothing and are reported on stderr.\n"
            "\n"
            "  -m, --model DIR      a model folder, whose tokenizer files are used (this or\n"
            "                       --tokenizer is required)\n"
            "      --tokenizer DIR  a folder of tokenizer files (this or -m is required)\n"
            "      --plugin NAME    tokenizer plugin (default: bpe)\n"
            "  -p, --prompt IDS     the ids as one argument (default: the ID arguments,\n"
            "                       else stdin)\n"
            "  -f, --file FILE      read the ids from a file ('-' for stdin; default: none)\n"
            "      --skip-special   special tokens decode to nothing (default: their text)\n"
            "  -h, --help           this text\n");
}

/* Parses every integer in s; anything between them that is not a separator is an error. */
static bool parse_ids(const char *s, int32_t **ids, size_t *n) {
    size_t cap = 64;
    *n = 0;
    *ids = malloc(cap * sizeof(int32_t));
    while (*ids && *s) {
        if (strchr(" \t\r\n,[]", *s)) {
            s++;
            continue;
        }
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (end == s || errno || v < INT32_MIN || v > INT32_MAX) {
            fprintf(stderr, "vkgpt detokenize: '%.20s' is not a token id\n", s);
            free(*ids);
            *ids = NULL;
            return false;
        }
        if (*n == cap) {
            int32_t *grown = realloc(*ids, 2 * cap * sizeof(int32_t));
            if (!grown) {
                break;
            }
            *ids = grown;
            cap *= 2;
        }
        (*ids)[(*n)++] = (int32_t)v;
        s = end;
    }
    if (!*ids || *s) {
        fprintf(stderr, "vkgpt detokenize: out of memory\n");
        free(*ids);
        *ids = NULL;
        return false;
    }
    return true;
}

/* Collects the ids from -p, -f, the remaining arguments, or stdin. */
static bool gather_ids(const char *text, const char *file, int argc, char **argv, int32_t **ids,
                       size_t *n) {
    if (text) {
        return parse_ids(text, ids, n);
    }
    char *data = NULL;
    size_t len = 0;
    if (optind < argc) {
        size_t total = 1;
        for (int i = optind; i < argc; i++) {
            total += strlen(argv[i]) + 1;
        }
        data = calloc(total, 1);
        for (int i = optind; data && i < argc; i++) {
            strcat(strcat(data, argv[i]), " ");
        }
    } else if (cli_read_file(file ? file : "-", &data, &len)) {
        char *z = realloc(data, len + 1);
        data = z ? z : (free(data), NULL);
        if (data) {
            data[len] = '\0';
        }
    } else {
        return false;
    }
    bool ok = data && parse_ids(data, ids, n);
    free(data);
    return ok;
}

int cmd_detokenize(int argc, char **argv) {
    enum { O_TOK = 256, O_PLUGIN, O_SKIP };
    static const struct option longs[] = {
        {"model", required_argument, 0, 'm'}, {"tokenizer", required_argument, 0, O_TOK},
        {"plugin", required_argument, 0, O_PLUGIN}, {"prompt", required_argument, 0, 'p'},
        {"file", required_argument, 0, 'f'}, {"skip-special", no_argument, 0, O_SKIP},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    const char *folder = NULL, *plugin = NULL, *text = NULL, *file = NULL;
    uint32_t flags = 0;
    int c;
    while ((c = getopt_long(argc, argv, "m:p:f:h", longs, NULL)) != -1) {
        switch (c) {
        case 'm': case O_TOK: folder = optarg; break;
        case O_PLUGIN: plugin = optarg; break;
        case 'p': text = optarg; break;
        case 'f': file = optarg; break;
        case O_SKIP: flags |= VKGPT_DETOKENIZE_SKIP_SPECIAL; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!folder) {
        usage(stderr);
        return 2;
    }

    int32_t *ids = NULL;
    size_t n = 0;
    if (!gather_ids(text, file, argc, argv, &ids, &n)) {
        return 1;
    }
    vkgpt_tokenizer_t *tok = cli_load_tokenizer(folder, plugin);
    size_t need = 0, invalid = 0;
    char *out = NULL;
    vkgpt_status_t st = tok ? vkgpt_tokenizer_decode(tok, ids, n, flags, NULL, 0, &need, NULL)
                            : VKGPT_ERR_PLUGIN_ABI;
    if (st == VKGPT_OK || st == VKGPT_ERR_BUFFER_TOO_SMALL) {
        out = malloc(need ? need : 1);
        st = out ? vkgpt_tokenizer_decode(tok, ids, n, flags, out, need, &need, &invalid)
                 : VKGPT_ERR_OUT_OF_HOST_MEMORY;
    }
    if (st == VKGPT_OK) {
        fwrite(out, 1, need, stdout);
        if (invalid) {
            fprintf(stderr, "vkgpt detokenize: %zu id(s) name no token and decode to nothing\n",
                    invalid);
        }
    } else if (tok) {
        fprintf(stderr, "vkgpt detokenize: %s\n", vkgpt_tokenizer_last_error(tok));
    }
    free(out);
    free(ids);
    vkgpt_tokenizer_destroy(tok);
    return st == VKGPT_OK ? 0 : 1;
}
