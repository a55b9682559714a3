/* instance.c: the Vulkan instance, the validation layer and its message counter, and the list
 * of physical devices. */
#include <stdlib.h>
#include <string.h>

#include "vulkan/vk.h"

#define VALIDATION_LAYER "VK_LAYER_KHRONOS_validation"

static atomic_uint validation_total;

uint32_t vkgpt__validation_total(void) {
    return atomic_load(&validation_total);
}

static VKAPI_ATTR VkBool32 VKAPI_CALL on_validation_message(
    VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT types,
    const VkDebugUtilsMessengerCallbackDataEXT *data, void *user) {
    (void)types;
    atomic_uint *counter = user;
    const char *text = data && data->pMessage ? data->pMessage : "(no message)";
    if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) {
        VKGPT_LOGE("validation: %s", text);
    } else {
        VKGPT_LOGW("validation: %s", text);
    }
    if (counter) {
        atomic_fetch_add(counter, 1);
    }
    atomic_fetch_add(&validation_total, 1);
    return VK_FALSE;
}

static bool layer_available(const char *name) {
    uint32_t count = 0;
    if (vkEnumerateInstanceLayerProperties(&count, NULL) != VK_SUCCESS || count == 0) {
        return false;
    }
    VkLayerProperties *layers = calloc(count, sizeof(*layers));
    if (!layers) {
        return false;
    }
    bool found = false;
    if (vkEnumerateInstanceLayerProperties(&count, layers) == VK_SUCCESS) {
        for (uint32_t i = 0; i < count && !found; i++) {
            found = strcmp(layers[i].layerName, name) == 0;
        }
    }
    free(layers);
    return found;
}

static bool instance_extension_available(const char *name) {
    uint32_t count = 0;
    if (vkEnumerateInstanceExtensionProperties(NULL, &count, NULL) != VK_SUCCESS || !count) {
        return false;
    }
    VkExtensionProperties *exts = calloc(count, sizeof(*exts));
    if (!exts) {
        return false;
    }
    bool found = false;
    if (vkEnumerateInstanceExtensionProperties(NULL, &count, exts) == VK_SUCCESS) {
        for (uint32_t i = 0; i < count && !found; i++) {
            found = strcmp(exts[i].extensionName, name) == 0;
        }
    }
    free(exts);
    return found;
}

static vkgpt_status_t create_messenger(vkgpt__physical_list_t *out, atomic_uint *counter,
                                       vkgpt__error_t *err) {
    PFN_vkCreateDebugUtilsMessengerEXT create = (PFN_vkCreateDebugUtilsMessengerEXT)
        vkGetInstanceProcAddr(out->instance, "vkCreateDebugUtilsMessengerEXT");
    if (!create) {
        VKGPT_LOGW("validation requested but vkCreateDebugUtilsMessengerEXT is missing");
        return VKGPT_OK;
    }
    VkDebugUtilsMessengerCreateInfoEXT info = {
        .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
        .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
        .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
        .pfnUserCallback = on_validation_message,
        .pUserData = counter,
    };
    VkResult r = create(out->instance, &info, NULL, &out->messenger);
    if (r != VK_SUCCESS) {
        return vkgpt__vk_fail(err, r, "vkCreateDebugUtilsMessengerEXT",
                              "installing the validation message callback");
    }
    return VKGPT_OK;
}

static uint32_t instance_api_version(void) {
    uint32_t version = VK_API_VERSION_1_0;
    PFN_vkEnumerateInstanceVersion query =
        (PFN_vkEnumerateInstanceVersion)vkGetInstanceProcAddr(NULL, "vkEnumerateInstanceVersion");
    if (query && query(&version) != VK_SUCCESS) {
        version = VK_API_VERSION_1_0;
    }
    /* Ask for at most 1.2: it has every structure the runtime queries. */
    return version >= VK_API_VERSION_1_2 ? VK_API_VERSION_1_2 : version;
}

vkgpt_status_t vkgpt__instance_open(bool validate, atomic_uint *validation_counter,
                                    vkgpt__physical_list_t *out, vkgpt__error_t *err) {
    vkgpt_status_t st;
    memset(out, 0, sizeof(*out));

    uint32_t api = instance_api_version();
    if (api < VK_API_VERSION_1_1) {
        return vkgpt__error_set(err, VKGPT_ERR_NO_DEVICE,
                                "the Vulkan loader offers only Vulkan 1.0; vkgpt needs 1.1 "
                                "(install a newer loader and driver)");
    }

    const char *layers[1];
    uint32_t n_layers = 0;
    const char *exts[2];
    uint32_t n_exts = 0;
    if (validate) {
        if (layer_available(VALIDATION_LAYER)) {
            layers[n_layers++] = VALIDATION_LAYER;
            exts[n_exts++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
        } else {
            VKGPT_LOGW("validation requested but %s is not installed "
                       "(Debian: vulkan-validationlayers)", VALIDATION_LAYER);
            validate = false;
        }
    }
    VkInstanceCreateFlags flags = 0;
    if (instance_extension_available("VK_KHR_portability_enumeration")) {
        /* MoltenVK lists its devices only to instances that accept portability drivers. */
        exts[n_exts++] = "VK_KHR_portability_enumeration";
        flags |= 0x00000001; /* VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR */
    }

    VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "vkgpt",
        .pEngineName = "vkgpt",
        .engineVersion = VKGPT_VERSION_HEX,
        .apiVersion = api,
    };
    VkInstanceCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
        .flags = flags,
        .pApplicationInfo = &app,
        .enabledLayerCount = n_layers,
        .ppEnabledLayerNames = layers,
        .enabledExtensionCount = n_exts,
        .ppEnabledExtensionNames = exts,
    };
    VKGPT__VK_TRY(err, vkCreateInstance(&info, NULL, &out->instance), "creating the instance",
                  fail);

    if (validate) {
        st = create_messenger(out, validation_counter, err);
        if (st != VKGPT_OK) {
            goto fail_instance;
        }
    }

    VKGPT__VK_TRY(err, vkEnumeratePhysicalDevices(out->instance, &out->count, NULL),
                  "counting devices", fail_instance);
    if (out->count == 0) {
        st = vkgpt__error_set(err, VKGPT_ERR_NO_DEVICE,
                              "the Vulkan loader found no device; install a driver (on a "
                              "machine without a GPU: Debian's mesa-vulkan-drivers, lavapipe)");
        goto fail_instance;
    }
    out->devices = calloc(out->count, sizeof(*out->devices));
    if (!out->devices) {
        st = vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "listing devices");
        goto fail_instance;
    }
    VKGPT__VK_TRY(err, vkEnumeratePhysicalDevices(out->instance, &out->count, out->devices),
                  "listing devices", fail_instance);
    return VKGPT_OK;

fail_instance:
    vkgpt__instance_close(out);
    return st;
fail:
    return st;
}

void vkgpt__instance_close(vkgpt__physical_list_t *list) {
    if (list->messenger) {
        PFN_vkDestroyDebugUtilsMessengerEXT destroy = (PFN_vkDestroyDebugUtilsMessengerEXT)
            vkGetInstanceProcAddr(list->instance, "vkDestroyDebugUtilsMessengerEXT");
        if (destroy) {
            destroy(list->instance, list->messenger, NULL);
        }
    }
    if (list->instance) {
        vkDestroyInstance(list->instance, NULL);
    }
    free(list->devices);
    memset(list, 0, sizeof(*list));
}
