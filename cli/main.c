/* main.c: the vkgpt command: finds the subcommand in the table and hands off to its file. */
#include <stdio.h>
#include <string.h>

#include "cmd_config.h"
#include "commands.h"

static const cli_command_t commands[] = {
    {"version", "print the library version", cmd_version},
    {"devices", "list Vulkan devices and the features vkgpt uses", cmd_devices},
    {"selftest", "check every operation on a device against the CPU", cmd_selftest},
    {"generate", "continue a prompt with a GPT-2 model, streaming the text", cmd_generate},
    {"bench", "measure prompt and generation speed", cmd_bench},
    {"info", "describe a model folder without loading it", cmd_info},
    {"config", "check a config and print it merged with overrides", vkgpt_cli_config},
    {"classify", "the class of a text or of each line with a classifier", cmd_classify},
    {"tokenize", "turn text into token ids", cmd_tokenize},
    {"detokenize", "turn token ids into text", cmd_detokenize},
    {"tokenizer", "tokenizer tools: train a BPE vocabulary", cmd_tokenizer},
};

static void print_usage(FILE *out) {
    fprintf(out, "usage: vkgpt <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out, "\noptions:\n"
                 "  -h, --help   this list\n"
                 "  --version    the library version (as 'vkgpt version')\n"
                 "\nRun 'vkgpt <command> --help' for a command's options and their defaults.\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        return cmd_version(argc - 1, argv + 1);
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "vkgpt: unknown command '%s'\n", argv[1]);
    print_usage(stderr);
    return 2;
}
