/* cmd_devices.c: `vkgpt devices`: every Vulkan device with its type, driver and the features
 * the shaders depend on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "vkgpt.h"

static const char *type_name(vkgpt_device_type_t t) {
    switch (t) {
    case VKGPT_DEVICE_TYPE_DISCRETE:
        return "discrete GPU";
    case VKGPT_DEVICE_TYPE_INTEGRATED:
        return "integrated GPU";
    case VKGPT_DEVICE_TYPE_VIRTUAL:
        return "virtual GPU";
    case VKGPT_DEVICE_TYPE_CPU:
        return "CPU";
    default:
        return "other";
    }
}

static const char *yes_no(int32_t v) {
    return v ? "yes" : "no";
}

static void print_device(const vkgpt_device_info_t *d) {
    printf("%u: %s (%s)\n", d->index, d->name, type_name(d->type));
    printf("   driver: %s %s, Vulkan %u.%u.%u\n", d->driver_name, d->driver_info,
           d->api_version >> 22, (d->api_version >> 12) & 0x3FF, d->api_version & 0xFFF);
    printf("   16-bit storage: %s, float16: %s, 8-bit storage: %s\n", yes_no(d->storage_16bit),
           yes_no(d->float16), yes_no(d->storage_8bit));
    printf("   subgroup size: %u, subgroup arithmetic: %s\n", d->subgroup_size,
           yes_no(d->subgroup_arithmetic));
    printf("   shared memory: %u KiB, storage buffer range: %llu MiB, largest allocation: "
           "%llu MiB\n",
           d->max_shared_memory >> 10, (unsigned long long)(d->max_storage_buffer_range >> 20),
           (unsigned long long)(d->max_allocation_size >> 20));
    printf("   device-local memory: %llu MiB, workgroup: %u invocations (%u x %u x %u), "
           "timestamps: %s\n",
           (unsigned long long)(d->device_local_bytes >> 20), d->max_workgroup_invocations,
           d->max_workgroup_size[0], d->max_workgroup_size[1], d->max_workgroup_size[2],
           yes_no(d->timestamps));
}

int cmd_devices(int argc, char **argv) {
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: vkgpt devices\n\nLists every Vulkan device. Choose one with "
               "--device INDEX|NAME on other\ncommands, or with the environment variable "
               "VKGPT_DEVICE. No options.\n");
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "vkgpt devices: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    size_t count = 0;
    if (vkgpt_devices_list(NULL, 0, &count) != VKGPT_OK) {
        fprintf(stderr, "vkgpt devices: %s\n", vkgpt_last_error());
        return 1;
    }
    vkgpt_device_info_t *infos = calloc(count ? count : 1, sizeof(*infos));
    if (!infos) {
        fprintf(stderr, "vkgpt devices: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < count; i++) {
        infos[i].struct_size = sizeof(infos[i]);
    }
    int rc = 0;
    if (vkgpt_devices_list(infos, count, &count) != VKGPT_OK) {
        fprintf(stderr, "vkgpt devices: %s\n", vkgpt_last_error());
        rc = 1;
    }
    for (size_t i = 0; rc == 0 && i < count; i++) {
        print_device(&infos[i]);
    }
    free(infos);
    return rc;
}
