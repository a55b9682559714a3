/* cmd_version.c: vkgpt version. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

int cmd_version(int argc, char **argv) {
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: vkgpt version\n\nPrints the version of the vkgpt library in use.\n");
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "vkgpt version: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    printf("vkgpt %s\n", vkgpt_version_string());
    return 0;
}
