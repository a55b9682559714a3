/* vkgpt_version.h: compile-time version of the vkgpt API.
 *
 * The ABI is stable within a major version: a program built against 1.x runs with any later
 * 1.y library. The shared object's soname carries the major number (libvkgpt.so.1). */
#ifndef VKGPT_VERSION_H
#define VKGPT_VERSION_H

#define VKGPT_VERSION_MAJOR 0
#define VKGPT_VERSION_MINOR 1
#define VKGPT_VERSION_PATCH 0

/* One integer that grows with every release: 0x00MMmmpp. */
#define VKGPT_VERSION_HEX                                                    \
    ((VKGPT_VERSION_MAJOR << 16) | (VKGPT_VERSION_MINOR << 8) |              \
     VKGPT_VERSION_PATCH)

#endif
