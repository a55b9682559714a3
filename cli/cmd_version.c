/* cmd_version.c: vkgpt version. */
#include <stdio.h>

#include "commands.h"

int cmd_version(int argc, char **argv) {
    (void)argc;
    (void)argv;
    printf("vkgpt %s\n", vkgpt_version_string());
    return 0;
}
