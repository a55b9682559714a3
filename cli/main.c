/* main.c: the vkgpt command: parses the subcommand and hands off to its file. */
#include <stdio.h>
#include <string.h>

#include "cmd_config.h"
#include "vkgpt.h"

static void print_usage(FILE *out) {
    fprintf(out,
            "usage: vkgpt <command> [options]\n"
            "\n"
            "commands:\n"
            "  version     print the library version\n"
            "  config      check a config and print it merged with overrides\n"
            "\n"
            "Run 'vkgpt <command> --help' for a command's options.\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("vkgpt %s\n", vkgpt_version_string());
        return 0;
    }
    if (strcmp(argv[1], "config") == 0) {
        return vkgpt_cli_config(argc - 1, argv + 1);
    }
    fprintf(stderr, "vkgpt: unknown command '%s'\n", argv[1]);
    print_usage(stderr);
    return 2;
}
