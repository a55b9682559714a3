/* status.c: names and descriptions of public status codes, the version calls, and the
 * internal error record. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

struct status_entry {
    vkgpt_status_t status;
    const char *name;
    const char *text;
};

static const struct status_entry status_table[] = {
    {VKGPT_OK, "OK", "success"},
    {VKGPT_ERR_INVALID_ARGUMENT, "ERR_INVALID_ARGUMENT", "invalid argument"},
    {VKGPT_ERR_OUT_OF_HOST_MEMORY, "ERR_OUT_OF_HOST_MEMORY", "out of host memory"},
    {VKGPT_ERR_OUT_OF_DEVICE_MEMORY, "ERR_OUT_OF_DEVICE_MEMORY", "out of device memory"},
    {VKGPT_ERR_NO_DEVICE, "ERR_NO_DEVICE", "no suitable Vulkan device"},
    {VKGPT_ERR_DEVICE_LOST, "ERR_DEVICE_LOST", "the Vulkan device was lost"},
    {VKGPT_ERR_UNSUPPORTED, "ERR_UNSUPPORTED", "not supported"},
    {VKGPT_ERR_IO, "ERR_IO", "input/output error"},
    {VKGPT_ERR_BAD_FORMAT, "ERR_BAD_FORMAT", "malformed file"},
    {VKGPT_ERR_CONFIG, "ERR_CONFIG", "invalid configuration"},
    {VKGPT_ERR_PLUGIN_ABI, "ERR_PLUGIN_ABI", "plugin missing or ABI mismatch"},
    {VKGPT_ERR_VULKAN, "ERR_VULKAN", "Vulkan call failed"},
    {VKGPT_ERR_TIMEOUT, "ERR_TIMEOUT", "the device did not finish in time"},
    {VKGPT_ERR_CANCELLED, "ERR_CANCELLED", "cancelled"},
    {VKGPT_ERR_CONTEXT_FULL, "ERR_CONTEXT_FULL", "the model's context is full"},
    {VKGPT_ERR_BUFFER_TOO_SMALL, "ERR_BUFFER_TOO_SMALL", "output buffer too small"},
    {VKGPT_ERR_INTERNAL, "ERR_INTERNAL", "internal error"},
};

static const struct status_entry *status_find(vkgpt_status_t status) {
    for (size_t i = 0; i < VKGPT__ARRAY_LEN(status_table); i++) {
        if (status_table[i].status == status) {
            return &status_table[i];
        }
    }
    return NULL;
}

VKGPT_API const char *vkgpt_status_str(vkgpt_status_t status) {
    const struct status_entry *e = status_find(status);
    return e ? e->text : "unknown status";
}

VKGPT_API const char *vkgpt_status_name(vkgpt_status_t status) {
    const struct status_entry *e = status_find(status);
    return e ? e->name : "UNKNOWN";
}

VKGPT_API uint32_t vkgpt_version(void) {
    return VKGPT_VERSION_HEX;
}

#define VKGPT__STR2(x) #x
#define VKGPT__STR(x) VKGPT__STR2(x)

VKGPT_API const char *vkgpt_version_string(void) {
    return VKGPT__STR(VKGPT_VERSION_MAJOR) "." VKGPT__STR(VKGPT_VERSION_MINOR) "." VKGPT__STR(
        VKGPT_VERSION_PATCH);
}

vkgpt_status_t vkgpt__error_set(vkgpt__error_t *err, vkgpt_status_t status, const char *fmt, ...) {
    char buf[VKGPT__ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);

    VKGPT_LOGD("%s: %s", vkgpt_status_name(status), buf);
    if (err) {
        err->status = status;
        memcpy(err->message, buf, sizeof(buf));
    }
    return status;
}

vkgpt_status_t vkgpt__error_prefix(vkgpt__error_t *err, const char *fmt, ...) {
    if (!err) {
        return VKGPT_ERR_INTERNAL;
    }
    char prefix[VKGPT__ERROR_MAX];
    char old[VKGPT__ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);

    /* Joined by hand: a message longer than the buffer is cut at its end. */
    memcpy(old, err->message, sizeof(old));
    old[sizeof(old) - 1] = '\0';
    size_t pl = strlen(prefix), ol = strlen(old);
    ol = ol < sizeof(err->message) - 1 - pl ? ol : sizeof(err->message) - 1 - pl;
    memcpy(err->message, prefix, pl);
    memcpy(err->message + pl, old, ol);
    err->message[pl + ol] = '\0';
    return err->status;
}

void vkgpt__error_clear(vkgpt__error_t *err) {
    if (err) {
        err->status = VKGPT_OK;
        err->message[0] = '\0';
    }
}
