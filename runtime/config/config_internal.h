/* config_internal.h: the key table and the value conversions shared by the reader
 * (config_yaml.c), the schema (config_schema.c) and the printer (config_print.c). */
#ifndef VKGPT_CONFIG_INTERNAL_H
#define VKGPT_CONFIG_INTERNAL_H

#include "config.h"

typedef enum cfg_type {
    CFG_T_STRING,   /* any scalar, up to max bytes */
    CFG_T_CHOICE,   /* one of choices[], or of choice_at's names */
    CFG_T_UINT,     /* a decimal integer in [min, max] */
    CFG_T_U64,      /* a decimal integer in [0, 2^64 - 1] */
    CFG_T_FLOAT,    /* a decimal number in [min, max] ((min, max] with min_exclusive) */
    CFG_T_BOOL,     /* true or false */
    CFG_T_EARLY,    /* true, false or never */
    CFG_T_INT_LIST, /* an integer in [min, max] or a list of up to max_items of them */
    CFG_T_STR_LIST, /* a string or a list of up to max_items strings of up to max_len bytes */
    CFG_T_DEVICE    /* a plain integer (an index in [min, max]) or a string (a name) */
} cfg_type_t;

typedef struct cfg_key_def {
    vkgpt__config_key_t id;
    const char *section;        /* NULL for a top-level scalar ("device") */
    const char *name;
    cfg_type_t type;
    double min, max;
    bool min_exclusive;
    uint32_t max_items;         /* lists */
    size_t max_len;             /* strings: bytes, excluding the terminating NUL */
    const char *const *choices; /* CHOICE: NULL-terminated */
    const char *(*choice_at)(size_t index); /* CHOICE kept elsewhere: NULL past the last */
} cfg_key_def_t;

/* One scalar as the reader saw it: text (not NUL-terminated), whether it was unquoted, and
 * where it started. */
typedef struct cfg_scalar {
    const char *text;
    size_t len;
    bool plain;
    uint32_t line, column;      /* 1-based */
} cfg_scalar_t;

/* Where a value comes from, for the origin record and for messages. */
typedef struct cfg_where {
    const char *file;           /* the name messages use: a path or "override generation.x" */
    vkgpt__config_source_t source;
} cfg_where_t;

const cfg_key_def_t *vkgpt__cfg_key_def(vkgpt__config_key_t key);

/* The key `name` in `section` (NULL: top level); NULL when unknown. */
const cfg_key_def_t *vkgpt__cfg_find(const char *section, const char *name, size_t name_len);

/* True when section names a section (a mapping of keys). */
bool vkgpt__cfg_is_section(const char *name, size_t len);

/* Builds the message for an unknown key: the nearest known key in that section, or the
 * section the key belongs to. */
void vkgpt__cfg_unknown_key_hint(const char *section, const char *name, size_t len, char *buf,
                                 size_t size);

/* Converts and range-checks items[0..n) (n == 1 and !list for a single scalar) for def and
 * stores them in cfg with the origin at items' first position (or at `at` when n == 0). */
vkgpt_status_t vkgpt__cfg_store(vkgpt__config_t *cfg, const cfg_key_def_t *def,
                                const cfg_scalar_t *items, uint32_t n, bool list,
                                const cfg_where_t *where, uint32_t line, uint32_t column,
                                vkgpt__error_t *err);

/* ---- Scalars (config_value.c) ---- */

typedef enum cfg_parse {
    CFG_PARSE_OK,
    CFG_PARSE_SYNTAX,   /* not of the type at all */
    CFG_PARSE_RANGE     /* of the type but too large to hold */
} cfg_parse_t;

/* "~", "null", "Null", "NULL" or nothing, unquoted. */
bool vkgpt__cfg_is_null(const cfg_scalar_t *s);

/* [-+]?[0-9]+ into a signed 64-bit value; +/- with no digits or anything else is SYNTAX. */
cfg_parse_t vkgpt__cfg_parse_int(const cfg_scalar_t *s, int64_t *out);

/* [+]?[0-9]+ into an unsigned 64-bit value. */
cfg_parse_t vkgpt__cfg_parse_u64(const cfg_scalar_t *s, uint64_t *out);

/* [-+]?(.[0-9]+|[0-9]+(.[0-9]*)?)([eE][-+]?[0-9]+)? with '.' as the decimal point whatever
 * the locale; RANGE when the value overflows a double. */
cfg_parse_t vkgpt__cfg_parse_float(const cfg_scalar_t *s, double *out);

/* true/True/TRUE/false/False/FALSE, unquoted. */
cfg_parse_t vkgpt__cfg_parse_bool(const cfg_scalar_t *s, bool *out);

/* The shortest decimal text that reads back as exactly x, in the C locale ("1.3", "50"). */
void vkgpt__cfg_format_double(double x, char *buf, size_t size);

#endif
