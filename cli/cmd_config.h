/* cmd_config.h: `vkgpt config`: loads configs, applies overrides, checks and prints them. */
#ifndef VKGPT_CLI_CMD_CONFIG_H
#define VKGPT_CLI_CMD_CONFIG_H

/* argv[0] is "config". Returns the process exit status: 0, 1 (a config error) or 2 (usage). */
int vkgpt_cli_config(int argc, char **argv);

#endif
