/* cmd_tokenizer.c: vkgpt tokenizer <tool>: for now one tool, train. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

#define MAX_SPECIALS 64

static void usage(FILE *out) {
    fprintf(out,
            "usage: vkgpt tokenizer train --vocab-size N --out DIR [--plugin NAME]\n"
            "                             [--min-frequency N] [--special TEXT]... FILE...\n"
            "\n"
            "Learns a byte-level BPE vocabulary from the text FILEs and writes vocab.json,\n"
            "merges.txt and special_tokens_map.json into DIR (Hugging Face's GPT-2 layout).\n"
            "The vocabulary size counts the 256 byte tokens, the merges and the special\n"
            "tokens. The same input gives the same files.\n"
            "\n"
            "  --vocab-size N       tokens in the vocabulary, bytes and specials included\n"
            "                       (required)\n"
            "  --out DIR            where the files go; created if missing (required)\n"
            "  --plugin NAME        the plugin whose trainer runs (default: bpe)\n"
            "  --min-frequency N    stop at pairs seen fewer times (default: 2)\n"
            "  --special TEXT       a special token; repeatable (default: <|endoftext|>)\n"
            "  -h, --help           this text\n");
}

static bool parse_size(const char *s, size_t *out) {
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || *end || s[0] == '-') {
        return false;
    }
    *out = (size_t)v;
    return true;
}

static int train(int argc, char **argv) {
    enum { O_VOCAB = 256, O_OUT, O_PLUGIN, O_MINFREQ, O_SPECIAL };
    static const struct option longs[] = {
        {"vocab-size", required_argument, 0, O_VOCAB}, {"out", required_argument, 0, O_OUT},
        {"plugin", required_argument, 0, O_PLUGIN},
        {"min-frequency", required_argument, 0, O_MINFREQ},
        {"special", required_argument, 0, O_SPECIAL}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    vkgpt_tokenizer_train_params_t p;
    vkgpt_tokenizer_train_params_init(&p);
    const char *specials[MAX_SPECIALS];
    size_t n_specials = 0;
    bool ok = true;
    int c;
    while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        switch (c) {
        case O_VOCAB: ok = ok && parse_size(optarg, &p.vocab_size); break;
        case O_OUT: p.out_dir = optarg; break;
        case O_PLUGIN: p.plugin = optarg; break;
        case O_MINFREQ: ok = ok && parse_size(optarg, &p.min_frequency); break;
        case O_SPECIAL:
            ok = ok && n_specials < MAX_SPECIALS;
            if (ok) {
                specials[n_specials++] = optarg;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!ok || !p.out_dir || p.vocab_size == 0 || optind == argc) {
        fprintf(stderr, "vkgpt tokenizer train: need --vocab-size N, --out DIR and files\n");
        usage(stderr);
        return 2;
    }
    p.files = (const char *const *)(argv + optind);
    p.n_files = (size_t)(argc - optind);
    if (n_specials) {
        p.special_tokens = specials;
        p.n_special_tokens = n_specials;
    }
    if (vkgpt_tokenizer_train(&p) != VKGPT_OK) {
        fprintf(stderr, "vkgpt tokenizer train: %s\n", vkgpt_tokenizer_error());
        return 1;
    }
    return 0;
}

int cmd_tokenizer(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "train") == 0) {
        return train(argc - 1, argv + 1);
    }
    fprintf(stderr, "vkgpt tokenizer: unknown tool '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
