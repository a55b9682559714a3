/* commands.h: the vkgpt command's subcommands, one file each (cmd_<name>.c). Each gets the
 * arguments after "vkgpt", with argv[0] its own name, and returns the process exit status:
 * 0 success, 1 failure, 2 bad usage. */
#ifndef VKGPT_CLI_COMMANDS_H
#define VKGPT_CLI_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vkgpt.h"

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} cli_command_t;

int cmd_version(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_detokenize(int argc, char **argv);
int cmd_tokenizer(int argc, char **argv);

/* ---- cli_util.c ---- */

/* Reads a whole file ("-" is stdin) into a malloc'ed buffer; prints the error and returns
 * false on failure. */
bool cli_read_file(const char *path, char **data, size_t *len);

/* Loads a tokenizer from a folder through a plugin (NULL: "bpe"); prints the error and
 * returns NULL on failure. */
vkgpt_tokenizer_t *cli_load_tokenizer(const char *folder, const char *plugin);

/* Seconds on a monotonic clock, and CPU seconds this process has used (what a benchmark on a
 * busy machine should divide by). */
double cli_now(void);
double cli_cpu_now(void);

#endif
