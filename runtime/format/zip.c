/* zip.c: the directory of a stored zip archive (PyTorch's pytorch_model.bin), bounds-checked.
 *
 * Structure read, from the end of the file backwards:
 *   end of central directory (EOCD, 22 bytes + comment) -> optional ZIP64 locator (20 bytes,
 *   just before the EOCD) -> ZIP64 EOCD record -> central directory (46 bytes + name + extra +
 *   comment per entry) -> each entry's local header (30 bytes + name + extra) -> its data.
 * Every offset read from the file is checked against the region it must lie in before use:
 * local headers and data before the central directory, the central directory before the
 * EOCD records.
 *
 * Not checked: CRC-32 of entry data (the data is mapped, not read, at open time; a flipped
 * bit shows up as a wrong weight, not as unsafe memory access) and overlap between entries
 * (harmless for read-only views). */
#include <stdlib.h>
#include <string.h>

#include "format/zip.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_EOCD64_LOCATOR 0x07064b50u

#define EOCD_SIZE 22u
#define EOCD64_SIZE 56u
#define LOCATOR_SIZE 20u
#define CENTRAL_SIZE 46u
#define LOCAL_SIZE 30u

/* Where the central directory is and what bounds it. */
struct zip_dir {
    uint64_t count;
    uint64_t offset;
    uint64_t size;
    uint64_t limit; /* the directory must end at or before this offset */
};

/* One central directory record's fields, widened by its ZIP64 extra field. */
struct zip_central {
    uint16_t flags, method;
    uint16_t name_len, extra_len, comment_len;
    uint64_t csize, usize, local_offset;
    const uint8_t *name;
};

static uint16_t rd16(const uint8_t *p) {
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t rd64(const uint8_t *p) {
    return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32);
}

/* True when [off, off + len) lies inside [0, limit). */
static bool in_range(uint64_t off, uint64_t len, uint64_t limit) {
    uint64_t end;
    return !vkgpt__add_overflow_u64(off, len, &end) && end <= limit;
}

/* The EOCD is the last 22 bytes unless a comment (at most 65535 bytes) follows it; take the
 * last signature whose comment length reaches exactly the end of the file. */
static vkgpt_status_t find_eocd(const uint8_t *data, uint64_t size, const char *path, uint64_t *pos,
                                vkgpt__error_t *err) {
    if (size < EOCD_SIZE) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: %llu bytes, too short for a zip archive", path,
                                (unsigned long long)size);
    }
    uint64_t lowest = size - EOCD_SIZE > 65535 ? size - EOCD_SIZE - 65535 : 0;
    for (uint64_t p = size - EOCD_SIZE + 1; p-- > lowest;) {
        if (rd32(data + p) == SIG_EOCD && p + EOCD_SIZE + rd16(data + p + 20) == size) {
            *pos = p;
            return VKGPT_OK;
        }
    }
    return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                            "%s: no zip end-of-central-directory record (truncated file?)", path);
}

static vkgpt_status_t read_zip64(const uint8_t *data, uint64_t locator, const char *path,
                                 struct zip_dir *d, vkgpt__error_t *err) {
    const uint8_t *loc = data + locator;
    uint64_t rec = rd64(loc + 8);
    if (rd32(loc + 4) != 0 || rd32(loc + 16) > 1) { /* some writers put 0 disks */
        return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                                "%s: multi-disk zip archives are not supported", path);
    }
    if (!in_range(rec, EOCD64_SIZE, locator) || rd32(data + rec) != SIG_EOCD64) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: ZIP64 end-of-central-directory record at byte %llu is "
                                "missing or out of range",
                                path, (unsigned long long)rec);
    }
    const uint8_t *r = data + rec;
    if (rd32(r + 16) != 0 || rd32(r + 20) != 0 || rd64(r + 24) != rd64(r + 32)) {
        return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                                "%s: multi-disk zip archives are not supported", path);
    }
    d->count = rd64(r + 32);
    d->size = rd64(r + 40);
    d->offset = rd64(r + 48);
    d->limit = rec;
    return VKGPT_OK;
}

static vkgpt_status_t read_directory_info(const uint8_t *data, uint64_t size, const char *path,
                                          struct zip_dir *d, vkgpt__error_t *err) {
    uint64_t eocd = 0;
    vkgpt_status_t st = find_eocd(data, size, path, &eocd, err);
    if (st != VKGPT_OK) {
        return st;
    }
    const uint8_t *e = data + eocd;
    d->count = rd16(e + 10);
    d->size = rd32(e + 12);
    d->offset = rd32(e + 16);
    d->limit = eocd;

    bool sentinel =
        rd16(e + 10) == 0xffff || rd32(e + 12) == 0xffffffffu || rd32(e + 16) == 0xffffffffu;
    if (eocd >= LOCATOR_SIZE && rd32(e - LOCATOR_SIZE) == SIG_EOCD64_LOCATOR) {
        st = read_zip64(data, eocd - LOCATOR_SIZE, path, d, err);
    } else if (sentinel) {
        st = vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                              "%s: zip directory needs a ZIP64 record, but none is present", path);
    } else if (rd16(e + 4) != 0 || rd16(e + 6) != 0 || rd16(e + 8) != rd16(e + 10)) {
        st = vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                              "%s: multi-disk zip archives are not supported", path);
    }
    if (st != VKGPT_OK) {
        return st;
    }

    if (d->count > VKGPT__ZIP_MAX_ENTRIES) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: zip directory claims %llu entries (limit %u)", path,
                                (unsigned long long)d->count, VKGPT__ZIP_MAX_ENTRIES);
    }
    if (!in_range(d->offset, d->size, d->limit) || d->count * CENTRAL_SIZE > d->size) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: zip central directory (%llu entries, %llu bytes at byte "
                                "%llu) does not fit before its end record at byte %llu",
                                path, (unsigned long long)d->count, (unsigned long long)d->size,
                                (unsigned long long)d->offset, (unsigned long long)d->limit);
    }
    return VKGPT_OK;
}

/* Reads a 64-bit field from the ZIP64 extra block when its 32-bit value is the sentinel. */
static bool widen(const uint8_t **q, const uint8_t *end, uint64_t *field) {
    if (*field != 0xffffffffu) {
        return true;
    }
    if (end - *q < 8) {
        return false;
    }
    *field = rd64(*q);
    *q += 8;
    return true;
}

/* The ZIP64 extra field (id 1) holds, in this order, only the fields whose 32-bit value is
 * 0xffffffff: uncompressed size, compressed size, local header offset. */
static bool read_extra(const uint8_t *p, const uint8_t *end, struct zip_central *c) {
    while (end - p >= 4) {
        uint16_t id = rd16(p), len = rd16(p + 2);
        p += 4;
        if (end - p < len) {
            return false;
        }
        if (id == 1) {
            const uint8_t *q = p, *qe = p + len;
            if (!widen(&q, qe, &c->usize) || !widen(&q, qe, &c->csize) ||
                !widen(&q, qe, &c->local_offset)) {
                return false;
            }
        }
        p += len;
    }
    return p == end;
}

static vkgpt_status_t read_central(const uint8_t *data, uint64_t pos, uint64_t end,
                                   const char *path, struct zip_central *c, vkgpt__error_t *err) {
    const uint8_t *h = data + pos;
    if (!in_range(pos, CENTRAL_SIZE, end) || rd32(h) != SIG_CENTRAL) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: bad zip central directory record at byte %llu", path,
                                (unsigned long long)pos);
    }
    c->flags = rd16(h + 8);
    c->method = rd16(h + 10);
    c->csize = rd32(h + 20);
    c->usize = rd32(h + 24);
    c->name_len = rd16(h + 28);
    c->extra_len = rd16(h + 30);
    c->comment_len = rd16(h + 32);
    c->local_offset = rd32(h + 42);
    c->name = h + CENTRAL_SIZE;

    uint64_t var = (uint64_t)c->name_len + c->extra_len + c->comment_len;
    if (!in_range(pos + CENTRAL_SIZE, var, end)) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: zip central directory record at byte %llu runs past the "
                                "directory",
                                path, (unsigned long long)pos);
    }
    const uint8_t *extra = c->name + c->name_len;
    if (!read_extra(extra, extra + c->extra_len, c)) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: malformed extra field in zip record at byte %llu", path,
                                (unsigned long long)pos);
    }
    return VKGPT_OK;
}

/* Checks what vkgpt accepts of an entry and finds its data through the local header. */
static vkgpt_status_t locate_data(const uint8_t *data, const struct zip_dir *d, const char *path,
                                  const struct zip_central *c, vkgpt__zip_entry_t *e,
                                  vkgpt__error_t *err) {
    if (c->flags & 1u) {
        return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED, "%s: zip entry '%s' is encrypted", path,
                                e->name);
    }
    if (c->method != 0 || c->csize != c->usize) {
        return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                                "%s: zip entry '%s' is compressed (method %u); PyTorch stores "
                                "entries uncompressed: re-save the file with torch.save",
                                path, e->name, c->method);
    }

    const uint8_t *h = data + c->local_offset;
    if (!in_range(c->local_offset, LOCAL_SIZE, d->offset) || rd32(h) != SIG_LOCAL) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: zip entry '%s': no local header at byte %llu", path, e->name,
                                (unsigned long long)c->local_offset);
    }
    uint16_t name_len = rd16(h + 26), extra_len = rd16(h + 28);
    uint64_t start = c->local_offset + LOCAL_SIZE + name_len + extra_len;
    if (name_len != c->name_len || !in_range(c->local_offset + LOCAL_SIZE, name_len, d->offset) ||
        memcmp(h + LOCAL_SIZE, c->name, name_len) != 0) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: zip entry '%s': local header names a different entry", path,
                                e->name);
    }
    if (!in_range(start, c->usize, d->offset)) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: zip entry '%s': %llu bytes at byte %llu run past the "
                                "entries' region (%llu bytes)",
                                path, e->name, (unsigned long long)c->usize,
                                (unsigned long long)start, (unsigned long long)d->offset);
    }
    e->data = data + start;
    e->size = c->usize;
    return VKGPT_OK;
}

static vkgpt_status_t copy_name(const struct zip_central *c, const char *path,
                                vkgpt__zip_entry_t *e, vkgpt__error_t *err) {
    if (c->name_len == 0 || memchr(c->name, 0, c->name_len)) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: zip entry with an empty name or a NUL byte in its name", path);
    }
    char *name = malloc((size_t)c->name_len + 1);
    if (!name) {
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    }
    memcpy(name, c->name, c->name_len);
    name[c->name_len] = '\0';
    e->name = name;
    return VKGPT_OK;
}

static int compare_entries(const void *a, const void *b) {
    return strcmp(((const vkgpt__zip_entry_t *)a)->name, ((const vkgpt__zip_entry_t *)b)->name);
}

static vkgpt_status_t read_entries(const uint8_t *data, const struct zip_dir *d, const char *path,
                                   vkgpt__zip_t *z, vkgpt__error_t *err) {
    uint64_t pos = d->offset, end = d->offset + d->size;
    for (uint64_t i = 0; i < d->count; i++) {
        struct zip_central c = {0};
        vkgpt__zip_entry_t *e = &z->entries[z->n_entries];
        vkgpt_status_t st = read_central(data, pos, end, path, &c, err);
        if (st == VKGPT_OK) {
            st = copy_name(&c, path, e, err);
        }
        if (st != VKGPT_OK) {
            return st;
        }
        z->n_entries++;
        st = locate_data(data, d, path, &c, e, err);
        if (st != VKGPT_OK) {
            return st;
        }
        pos += CENTRAL_SIZE + (uint64_t)c.name_len + c.extra_len + c.comment_len;
    }

    qsort(z->entries, z->n_entries, sizeof(z->entries[0]), compare_entries);
    for (size_t i = 1; i < z->n_entries; i++) {
        if (strcmp(z->entries[i - 1].name, z->entries[i].name) == 0) {
            return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT, "%s: duplicate zip entry '%s'", path,
                                    z->entries[i].name);
        }
    }
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__zip_open(const uint8_t *data, uint64_t size, const char *path,
                               vkgpt__zip_t *z, vkgpt__error_t *err) {
    memset(z, 0, sizeof(*z));
    struct zip_dir d;
    vkgpt_status_t st = read_directory_info(data, size, path, &d, err);
    if (st != VKGPT_OK) {
        return st;
    }

    z->entries = calloc(d.count ? d.count : 1, sizeof(z->entries[0]));
    if (!z->entries) {
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    }
    st = read_entries(data, &d, path, z, err);
    if (st != VKGPT_OK) {
        vkgpt__zip_close(z);
    }
    return st;
}

const vkgpt__zip_entry_t *vkgpt__zip_find(const vkgpt__zip_t *z, const char *name) {
    vkgpt__zip_entry_t key = {.name = name};
    if (z->n_entries == 0) {
        return NULL;
    }
    return bsearch(&key, z->entries, z->n_entries, sizeof(key), compare_entries);
}

void vkgpt__zip_close(vkgpt__zip_t *z) {
    for (size_t i = 0; i < z->n_entries; i++) {
        free((char *)z->entries[i].name);
    }
    free(z->entries);
    memset(z, 0, sizeof(*z));
}
