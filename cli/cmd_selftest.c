/* cmd_selftest.c: `vkgpt selftest`: runs every operation on a device against the CPU reference
 * and prints one line per check; the exit status is 1 when any check fails. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "vkgpt.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: vkgpt selftest [--device INDEX|NAME] [--no-subgroups]\n"
            "\n"
            "Checks each operation on the device against vkgpt's CPU reference on random\n"
            "inputs, in f32 and f16 weights. On a device with subgroup arithmetic both the\n"
            "subgroup and the shared-memory variants of reducing kernels are checked.\n"
            "\n"
            "  --device D        device index or name substring (default: VKGPT_DEVICE,\n"
            "                    else the first discrete, integrated, then CPU device)\n"
            "  --no-subgroups    check only the shared-memory variants\n");
}

static void print_row(const vkgpt_selftest_result_t *r, void *user) {
    (void)user;
    printf("%-12s %-32s %-4s %-9s %10.3g %10.3g %9.1g  %s\n", r->op, r->shape, r->weight_type,
           r->reduction, r->max_abs_error, r->max_rel_error, r->tolerance,
           r->passed ? "pass" : "FAIL");
    fflush(stdout);
}

static int run_on(const char *selector, uint32_t flags, uint32_t *failures) {
    vkgpt_device_params_t params;
    vkgpt_device_params_init(&params);
    params.selector = selector;
    params.flags = flags;
    vkgpt_device_t *dev = NULL;
    if (vkgpt_device_create(&params, &dev) != VKGPT_OK) {
        fprintf(stderr, "vkgpt selftest: %s\n", vkgpt_last_error());
        return -1;
    }
    uint32_t n = 0;
    vkgpt_status_t st = vkgpt_device_selftest(dev, print_row, NULL, &n);
    if (st != VKGPT_OK) {
        fprintf(stderr, "vkgpt selftest: %s: %s\n", vkgpt_status_str(st),
                vkgpt_device_last_error(dev));
    }
    vkgpt_device_info_t info = {.struct_size = sizeof(info)};
    vkgpt_device_info(dev, &info);
    vkgpt_device_destroy(dev);
    *failures += n;
    return st != VKGPT_OK ? -1 : info.subgroup_arithmetic;
}

int cmd_selftest(int argc, char **argv) {
    const char *selector = NULL;
    bool no_subgroups = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
            selector = argv[++i];
        } else if (strcmp(argv[i], "--no-subgroups") == 0) {
            no_subgroups = true;
        } else {
            fprintf(stderr, "vkgpt selftest: unknown option '%s'\n\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }

    printf("%-12s %-32s %-4s %-9s %10s %10s %9s  %s\n", "op", "shape", "type", "reduction",
           "max abs", "rel error", "tolerance", "result");
    uint32_t failures = 0;
    int has_subgroups = run_on(selector, no_subgroups ? VKGPT_DEVICE_FLAG_NO_SUBGROUPS : 0,
                               &failures);
    if (has_subgroups < 0) {
        return 1;
    }
    if (has_subgroups > 0 && run_on(selector, VKGPT_DEVICE_FLAG_NO_SUBGROUPS, &failures) < 0) {
        return 1;
    }
    printf("\n%u check(s) failed\n", failures);
    return failures ? 1 : 0;
}
