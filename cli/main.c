/* main.c: the vkgpt command: finds the subcommand in the table and hands off to its file. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "vkgpt.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command_t;

static const command_t commands[] = {
    {"devices", vkgpt_cli_devices, "list Vulkan devices and the features vkgpt uses"},
    {"selftest", vkgpt_cli_selftest, "check every operation on a device against the CPU"},
};

static void print_usage(FILE *out) {
    fprintf(out, "usage: vkgpt <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out, "  %-12s %s\n", "version", "print the library version");
    fprintf(out, "\nRun 'vkgpt <command> --help' for a command's options.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("vkgpt %s\n", vkgpt_version_string());
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "vkgpt: unknown command '%s'\n\n", argv[1]);
    print_usage(stderr);
    return 2;
}
