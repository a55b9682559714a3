/* commands.h: one function per `vkgpt` subcommand, each in its own cmd_<name>.c. Each takes the
 * arguments after the subcommand's name (argv[0] is the subcommand) and returns the exit
 * status: 0 success, 1 failure, 2 usage error. */
#ifndef VKGPT_CLI_COMMANDS_H
#define VKGPT_CLI_COMMANDS_H

int vkgpt_cli_devices(int argc, char **argv);
int vkgpt_cli_selftest(int argc, char **argv);

#endif
