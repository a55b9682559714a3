/* config_yaml.c: reads configs with libyaml's event API.
 *
 * libyaml's document loader builds the whole node graph first: it takes quadratic time on
 * deeply nested input (40,000 '[' take seconds in 0.2.5), expands aliases, and keeps the last
 * of two equal keys without a word. Reading event by event instead lets every limit apply as
 * soon as it is crossed: each event passes through next_event(), which refuses aliases,
 * anchors, tags and nesting deeper than VKGPT__CONFIG_MAX_DEPTH before anything else looks at
 * it. The bytes are checked for UTF-8 before libyaml sees them, so that a bad byte is
 * reported with its exact offset. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config_internal.h"
#include "utf8.h"

#define N_SECTIONS 4

typedef struct reader {
    yaml_parser_t parser;
    const char *name;             /* file name, or "override" */
    cfg_where_t where;
    const uint8_t *buf;
    size_t len;
    int depth;
    vkgpt__config_t *cfg;
    vkgpt__error_t *err;
    uint32_t key_line[VKGPT__CFG_N_KEYS], key_col[VKGPT__CFG_N_KEYS];   /* 0: not seen */
    uint32_t sec_line[N_SECTIONS], sec_col[N_SECTIONS];
} reader_t;

typedef struct item_list {
    cfg_scalar_t *items;
    uint32_t n, cap;
} item_list_t;

/* ---- Positions and errors ---- */

/* Line and column (1-based, the column in characters, as libyaml counts) of a byte offset. */
static void offset_position(const uint8_t *buf, size_t len, size_t off, uint32_t *line,
                            uint32_t *col) {
    uint32_t l = 1, c = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (buf[i] == '\n' || (buf[i] == '\r' && (i + 1 >= len || buf[i + 1] != '\n'))) {
            l++, c = 1;
        } else if ((buf[i] & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l, *col = c;
}

static vkgpt_status_t fail_at(reader_t *r, yaml_mark_t m, const char *fmt, ...)
    VKGPT__PRINTF(3, 4);

static vkgpt_status_t fail_at(reader_t *r, yaml_mark_t m, const char *fmt, ...) {
    char msg[VKGPT__ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return vkgpt__error_set(r->err, VKGPT_ERR_CONFIG, "%s:%zu:%zu: %s", r->name, m.line + 1,
                            m.column + 1, msg);
}

static vkgpt_status_t fail_offset(reader_t *r, size_t off, const char *what) {
    uint32_t line, col;
    offset_position(r->buf, r->len, off, &line, &col);
    return vkgpt__error_set(r->err, VKGPT_ERR_CONFIG, "%s: byte offset %zu (line %u, column %u): "
                            "%s", r->name, off, line, col, what);
}

static vkgpt_status_t parser_error(reader_t *r) {
    yaml_parser_t *p = &r->parser;
    char what[256];
    if (p->error == YAML_MEMORY_ERROR) {
        return vkgpt__error_set(r->err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory while "
                                "parsing", r->name);
    }
    if (p->error == YAML_READER_ERROR) {
        snprintf(what, sizeof(what), "%s", p->problem ? p->problem : "unreadable input");
        return fail_offset(r, p->problem_offset, what);
    }
    if (p->context) {
        return fail_at(r, p->problem_mark, "%s (%s at %zu:%zu)", p->problem ? p->problem : "?",
                       p->context, p->context_mark.line + 1, p->context_mark.column + 1);
    }
    return fail_at(r, p->problem_mark, "%s", p->problem ? p->problem : "malformed YAML");
}

/* ---- Events ---- */

/* The anchor and tag an event carries, if any. */
static void event_extras(const yaml_event_t *e, const yaml_char_t **anchor,
                         const yaml_char_t **tag) {
    *anchor = *tag = NULL;
    if (e->type == YAML_SCALAR_EVENT) {
        *anchor = e->data.scalar.anchor, *tag = e->data.scalar.tag;
    } else if (e->type == YAML_SEQUENCE_START_EVENT) {
        *anchor = e->data.sequence_start.anchor, *tag = e->data.sequence_start.tag;
    } else if (e->type == YAML_MAPPING_START_EVENT) {
        *anchor = e->data.mapping_start.anchor, *tag = e->data.mapping_start.tag;
    }
}

/* Every event goes through here: YAML features a config has no use for are refused and the
 * nesting depth is bounded before the caller sees the event. */
static vkgpt_status_t next_event(reader_t *r, yaml_event_t *e) {
    if (!yaml_parser_parse(&r->parser, e)) {
        return parser_error(r);
    }
    vkgpt_status_t st = VKGPT_OK;
    const yaml_char_t *anchor, *tag;
    event_extras(e, &anchor, &tag);
    if (e->type == YAML_ALIAS_EVENT) {
        st = fail_at(r, e->start_mark, "aliases (*%s) are not allowed in a config",
                     (const char *)e->data.alias.anchor);
    } else if (anchor) {
        st = fail_at(r, e->start_mark, "anchors (&%s) are not allowed in a config",
                     (const char *)anchor);
    } else if (tag) {
        st = fail_at(r, e->start_mark, "tags (%s) are not allowed in a config",
                     (const char *)tag);
    } else if (e->type == YAML_SEQUENCE_START_EVENT || e->type == YAML_MAPPING_START_EVENT) {
        if (++r->depth > VKGPT__CONFIG_MAX_DEPTH) {
            st = fail_at(r, e->start_mark, "nesting deeper than %d levels",
                         VKGPT__CONFIG_MAX_DEPTH);
        }
    } else if (e->type == YAML_SEQUENCE_END_EVENT || e->type == YAML_MAPPING_END_EVENT) {
        r->depth--;
    }
    if (st != VKGPT_OK) {
        yaml_event_delete(e);
    }
    return st;
}

static cfg_scalar_t scalar_of(const yaml_event_t *e) {
    return (cfg_scalar_t){(const char *)e->data.scalar.value, e->data.scalar.length,
                          e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE,
                          (uint32_t)e->start_mark.line + 1, (uint32_t)e->start_mark.column + 1};
}

static const char *event_noun(yaml_event_type_t t) {
    return t == YAML_MAPPING_START_EVENT ? "a mapping"
         : t == YAML_SEQUENCE_START_EVENT ? "a list"
         : t == YAML_SCALAR_EVENT ? "a value" : "the end";
}

/* ---- Values ---- */

static void items_free(item_list_t *l) {
    for (uint32_t i = 0; i < l->n; i++) {
        free((char *)l->items[i].text);
    }
    free(l->items);
}

/* Keeps a copy of a list item (the event's text is freed with the event). */
static vkgpt_status_t items_push(reader_t *r, item_list_t *l, const yaml_event_t *e) {
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 8;
        cfg_scalar_t *grown = realloc(l->items, cap * sizeof(*grown));
        if (!grown) {
            return vkgpt__error_set(r->err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "list items");
        }
        l->items = grown, l->cap = cap;
    }
    cfg_scalar_t s = scalar_of(e);
    char *copy = malloc(s.len + 1);
    if (!copy) {
        return vkgpt__error_set(r->err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "list item");
    }
    memcpy(copy, s.text, s.len);
    copy[s.len] = '\0';
    s.text = copy;
    l->items[l->n++] = s;
    return VKGPT_OK;
}

/* The items of a list whose SEQUENCE-START has been read, up to def's limit. */
static vkgpt_status_t read_list(reader_t *r, const cfg_key_def_t *def, yaml_mark_t start,
                                item_list_t *l) {
    const char *key = vkgpt__config_key_name(def->id);
    for (;;) {
        yaml_event_t e;
        vkgpt_status_t st = next_event(r, &e);
        if (st != VKGPT_OK) {
            return st;
        }
        if (e.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&e);
            return VKGPT_OK;
        }
        if (e.type != YAML_SCALAR_EVENT) {
            st = fail_at(r, e.start_mark, "%s: list items must be plain values, not %s", key,
                         event_noun(e.type));
        } else if (def->max_items && l->n >= def->max_items) {
            st = fail_at(r, start, "%s: more than %u items", key, def->max_items);
        } else {
            st = items_push(r, l, &e);
        }
        yaml_event_delete(&e);
        if (st != VKGPT_OK) {
            return st;
        }
    }
}

/* Reads the value of def whose first event is e (a scalar or a list) and stores it. */
static vkgpt_status_t read_value(reader_t *r, const cfg_key_def_t *def, const yaml_event_t *e) {
    const char *key = vkgpt__config_key_name(def->id);
    uint32_t line = (uint32_t)e->start_mark.line + 1, col = (uint32_t)e->start_mark.column + 1;
    if (e->type == YAML_SCALAR_EVENT) {
        cfg_scalar_t s = scalar_of(e);
        return vkgpt__cfg_store(r->cfg, def, &s, 1, false, &r->where, line, col, r->err);
    }
    if (e->type != YAML_SEQUENCE_START_EVENT) {
        return fail_at(r, e->start_mark, "%s: expected a value, got %s", key, event_noun(e->type));
    }
    if (def->type != CFG_T_INT_LIST && def->type != CFG_T_STR_LIST) {
        return fail_at(r, e->start_mark, "%s: expected a single value, got a list", key);
    }
    item_list_t l = {0};
    vkgpt_status_t st = read_list(r, def, e->start_mark, &l);
    if (st == VKGPT_OK) {
        st = vkgpt__cfg_store(r->cfg, def, l.items, l.n, true, &r->where, line, col, r->err);
    }
    items_free(&l);
    return st;
}

/* ---- Mappings ---- */

/* Refuses a key seen before in the same mapping, naming where it was first. */
static vkgpt_status_t check_duplicate(reader_t *r, uint32_t *line, uint32_t *col,
                                      const yaml_event_t *key) {
    if (*line) {
        return fail_at(r, key->start_mark, "duplicate key '%s' (first at %u:%u)",
                       (const char *)key->data.scalar.value, *line, *col);
    }
    *line = (uint32_t)key->start_mark.line + 1;
    *col = (uint32_t)key->start_mark.column + 1;
    return VKGPT_OK;
}

/* Reads one key and its value inside `section` (NULL: the top level's scalar keys). */
static vkgpt_status_t read_key_value(reader_t *r, const char *section, const yaml_event_t *key) {
    char hint[512];
    cfg_scalar_t k = scalar_of(key);
    const cfg_key_def_t *def = vkgpt__cfg_find(section, k.text, k.len);
    if (!def) {
        vkgpt__cfg_unknown_key_hint(section, k.text, k.len, hint, sizeof(hint));
        return fail_at(r, key->start_mark, "%s", hint);
    }
    vkgpt_status_t st = check_duplicate(r, &r->key_line[def->id], &r->key_col[def->id], key);
    yaml_event_t v;
    if (st == VKGPT_OK) {
        st = next_event(r, &v);
    }
    if (st == VKGPT_OK) {
        st = read_value(r, def, &v);
        yaml_event_delete(&v);
    }
    return st;
}

/* Calls read_key_value for each key of a section whose MAPPING-START has been read. */
static vkgpt_status_t read_mapping(reader_t *r, const char *section) {
    for (;;) {
        yaml_event_t key;
        vkgpt_status_t st = next_event(r, &key);
        if (st != VKGPT_OK) {
            return st;
        }
        if (key.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&key);
            return VKGPT_OK;
        }
        if (key.type != YAML_SCALAR_EVENT) {
            st = fail_at(r, key.start_mark, "a key must be a name, not %s", event_noun(key.type));
        } else {
            st = read_key_value(r, section, &key);
        }
        yaml_event_delete(&key);
        if (st != VKGPT_OK) {
            return st;
        }
    }
}

static int section_index(const char *name, size_t len) {
    static const char *const names[N_SECTIONS] = {"model", "tokenizer", "generation",
                                                  "classifier"};
    for (int i = 0; i < N_SECTIONS; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0) {
            return i;
        }
    }
    return -1;
}

/* A section's value: a mapping of its keys, or null for an empty section. */
static vkgpt_status_t read_section(reader_t *r, const yaml_event_t *key) {
    const char *name = (const char *)key->data.scalar.value;
    int si = section_index(name, key->data.scalar.length);
    vkgpt_status_t st = check_duplicate(r, &r->sec_line[si], &r->sec_col[si], key);
    yaml_event_t v;
    if (st != VKGPT_OK || (st = next_event(r, &v)) != VKGPT_OK) {
        return st;
    }
    cfg_scalar_t s = scalar_of(&v);
    if (v.type == YAML_MAPPING_START_EVENT) {
        st = read_mapping(r, name);
    } else if (!(v.type == YAML_SCALAR_EVENT && vkgpt__cfg_is_null(&s))) {
        st = fail_at(r, v.start_mark, "section '%s' must be a mapping of keys, not %s", name,
                     event_noun(v.type));
    }
    yaml_event_delete(&v);
    return st;
}

/* The top-level mapping: sections and the "device" scalar. */
static vkgpt_status_t read_root(reader_t *r) {
    for (;;) {
        yaml_event_t key;
        vkgpt_status_t st = next_event(r, &key);
        if (st != VKGPT_OK) {
            return st;
        }
        if (key.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&key);
            return VKGPT_OK;
        }
        if (key.type != YAML_SCALAR_EVENT) {
            st = fail_at(r, key.start_mark, "a key must be a name, not %s", event_noun(key.type));
        } else if (section_index((const char *)key.data.scalar.value,
                                 key.data.scalar.length) >= 0) {
            st = read_section(r, &key);
        } else {
            st = read_key_value(r, NULL, &key);
        }
        yaml_event_delete(&key);
        if (st != VKGPT_OK) {
            return st;
        }
    }
}

/* ---- Documents ---- */

/* What one document may hold: a whole config, or one key's value (an override). */
typedef struct doc_kind {
    const cfg_key_def_t *value_of; /* NULL: a config file */
} doc_kind_t;

static vkgpt_status_t read_root_node(reader_t *r, const doc_kind_t *kind) {
    yaml_event_t e;
    vkgpt_status_t st = next_event(r, &e);
    if (st != VKGPT_OK) {
        return st;
    }
    cfg_scalar_t s = e.type == YAML_SCALAR_EVENT ? scalar_of(&e) : (cfg_scalar_t){0};
    if (kind->value_of) {
        st = read_value(r, kind->value_of, &e);
    } else if (e.type == YAML_MAPPING_START_EVENT) {
        st = read_root(r);
    } else if (!(e.type == YAML_SCALAR_EVENT && vkgpt__cfg_is_null(&s))) {
        st = fail_at(r, e.start_mark, "the top level must be a mapping of sections (model:, "
                     "tokenizer:, generation:, device:, classifier:), not %s", event_noun(e.type));
    }
    yaml_event_delete(&e);
    return st;
}

/* Expects an event of type t (stream and document markers). */
static vkgpt_status_t expect(reader_t *r, yaml_event_type_t t, bool *got) {
    yaml_event_t e;
    vkgpt_status_t st = next_event(r, &e);
    if (st != VKGPT_OK) {
        return st;
    }
    *got = e.type == t;
    if (!*got && t == YAML_STREAM_END_EVENT) {
        st = fail_at(r, e.start_mark, "a config holds one YAML document; a second starts here");
    }
    yaml_event_delete(&e);
    return st;
}

static vkgpt_status_t read_stream(reader_t *r, const doc_kind_t *kind) {
    bool got;
    vkgpt_status_t st = expect(r, YAML_STREAM_START_EVENT, &got);
    if (st == VKGPT_OK) {
        st = expect(r, YAML_DOCUMENT_START_EVENT, &got);
    }
    if (st != VKGPT_OK || !got) {
        return st; /* no document at all: an empty file, which sets nothing */
    }
    st = read_root_node(r, kind);
    if (st == VKGPT_OK) {
        st = expect(r, YAML_DOCUMENT_END_EVENT, &got);
    }
    if (st == VKGPT_OK) {
        st = expect(r, YAML_STREAM_END_EVENT, &got);
    }
    return st;
}

/* The first byte that is not part of valid UTF-8, or len. */
static size_t first_bad_utf8(const uint8_t *buf, size_t len) {
    size_t i = 0;
    while (i < len) {
        int32_t cp;
        size_t n = vkgpt__utf8_decode(buf + i, len - i, &cp);
        if (cp < 0) {
            return i;
        }
        i += n;
    }
    return len;
}

/* The first pass: every event once, so that the limits and refusals of next_event() (depth,
 * anchors, aliases, tags), a syntax error anywhere and a second document are reported before
 * the content is read, whatever the content is. */
static vkgpt_status_t screen(reader_t *r) {
    int documents = 0;
    for (;;) {
        yaml_event_t e;
        vkgpt_status_t st = next_event(r, &e);
        if (st != VKGPT_OK) {
            return st;
        }
        yaml_event_type_t t = e.type;
        if (t == YAML_DOCUMENT_START_EVENT && ++documents > 1) {
            st = fail_at(r, e.start_mark, "a config holds one YAML document; a second starts "
                         "here");
        }
        yaml_event_delete(&e);
        if (st != VKGPT_OK || t == YAML_STREAM_END_EVENT) {
            return st;
        }
    }
}

/* Runs pass (screen or read_stream) with a fresh parser over r's buffer. */
static vkgpt_status_t run_pass(reader_t *r, const doc_kind_t *kind) {
    if (!yaml_parser_initialize(&r->parser)) {
        return vkgpt__error_set(r->err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: YAML parser",
                                r->name);
    }
    yaml_parser_set_input_string(&r->parser, r->buf, r->len);
    yaml_parser_set_encoding(&r->parser, YAML_UTF8_ENCODING);
    r->depth = 0;
    vkgpt_status_t st = kind ? read_stream(r, kind) : screen(r);
    yaml_parser_delete(&r->parser);
    return st;
}

static vkgpt_status_t parse_buffer(vkgpt__config_t *cfg, const char *name,
                                   vkgpt__config_source_t source, const uint8_t *buf, size_t len,
                                   const doc_kind_t *kind, vkgpt__error_t *err) {
    reader_t r = {.name = name, .where = {name, source}, .buf = buf, .len = len, .cfg = cfg,
                  .err = err};
    size_t bad = first_bad_utf8(buf, len);
    if (bad < len) {
        char what[64];
        snprintf(what, sizeof(what), "invalid UTF-8 (byte 0x%02x)", buf[bad]);
        return fail_offset(&r, bad, what);
    }
    vkgpt_status_t st = run_pass(&r, NULL);
    return st == VKGPT_OK ? run_pass(&r, kind) : st;
}

vkgpt_status_t vkgpt__config_load_string(vkgpt__config_t *cfg, const char *name,
                                         const char *text, size_t len, vkgpt__error_t *err) {
    static const doc_kind_t whole = {NULL};
    vkgpt__config_init(cfg);
    if (len > VKGPT__CONFIG_MAX_BYTES) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: %zu bytes; a config may have at "
                                "most %u", name, len, VKGPT__CONFIG_MAX_BYTES);
    }
    vkgpt_status_t st = parse_buffer(cfg, name, VKGPT__CONFIG_SOURCE_FILE, (const uint8_t *)text,
                                     len, &whole, err);
    if (st != VKGPT_OK) {
        vkgpt__config_free(cfg);
    }
    return st;
}

/* Reads at most VKGPT__CONFIG_MAX_BYTES + 1 bytes, so that a longer file is refused without
 * reading it whole. */
static vkgpt_status_t read_file(const char *path, char **out, size_t *len, vkgpt__error_t *err) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        return vkgpt__error_set(err, VKGPT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    size_t cap = VKGPT__CONFIG_MAX_BYTES + 1;
    char *buf = malloc(cap);
    size_t n = buf ? fread(buf, 1, cap, f) : 0;
    bool failed = buf && ferror(f);
    fclose(f);
    if (!buf) {
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: read buffer", path);
    }
    if (failed || n == cap) {
        free(buf);
        return failed ? vkgpt__error_set(err, VKGPT_ERR_IO, "%s: read error", path)
                      : vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: larger than %u bytes, the "
                                         "most a config may have", path,
                                         VKGPT__CONFIG_MAX_BYTES);
    }
    *out = buf;
    *len = n;
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__config_load_file(vkgpt__config_t *cfg, const char *path,
                                       vkgpt__error_t *err) {
    char *text = NULL;
    size_t len = 0;
    vkgpt__config_init(cfg);
    vkgpt_status_t st = read_file(path, &text, &len, err);
    if (st == VKGPT_OK) {
        st = vkgpt__config_load_string(cfg, path, text, len, err);
    }
    free(text);
    return st;
}

/* The section part of "section.name" into buf ("" for a top-level key); returns the name. */
static const char *split_key(const char *key, char *buf, size_t size) {
    const char *dot = strchr(key, '.');
    size_t n = dot ? (size_t)(dot - key) : 0;
    snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), key);
    return dot ? dot + 1 : key;
}

/* The error for an override of a key that does not exist. */
static vkgpt_status_t unknown_override(const char *key, vkgpt__error_t *err) {
    char section[64], hint[512];
    const char *name = split_key(key, section, sizeof(section));
    if (section[0] && !vkgpt__cfg_is_section(section, strlen(section))) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "override %s: no section '%s' (the "
                                "sections are model, tokenizer, generation, classifier)", key,
                                section);
    }
    vkgpt__cfg_unknown_key_hint(section[0] ? section : NULL, name, strlen(name), hint,
                                sizeof(hint));
    return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "override %s: %s", key, hint);
}

vkgpt_status_t vkgpt__config_set(vkgpt__config_t *cfg, const char *key, const char *value,
                                 vkgpt__error_t *err) {
    vkgpt__config_key_t id;
    if (!vkgpt__config_key_lookup(key, &id)) {
        return unknown_override(key, err);
    }
    size_t len = strlen(value);
    if (len > 65536) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "override %s: the value is %zu bytes",
                                key, len);
    }

    /* Parsed into a layer of its own and merged, so that a bad value leaves cfg untouched and
     * the strategy rule of vkgpt__config_merge applies. */
    vkgpt__config_t *layer = malloc(sizeof(*layer));
    if (!layer) {
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "override %s", key);
    }
    vkgpt__config_init(layer);
    char name[128];
    snprintf(name, sizeof(name), "override %s", key);
    doc_kind_t kind = {vkgpt__cfg_key_def(id)};
    vkgpt_status_t st = parse_buffer(layer, name, VKGPT__CONFIG_SOURCE_OVERRIDE,
                                     (const uint8_t *)value, len, &kind, err);
    if (st == VKGPT_OK && layer->origin[id].source == VKGPT__CONFIG_SOURCE_DEFAULT) {
        cfg_scalar_t null = {"", 0, true, 1, 1}; /* an empty value: back to the default */
        st = vkgpt__cfg_store(layer, kind.value_of, &null, 1, false, &(cfg_where_t){name,
                              VKGPT__CONFIG_SOURCE_OVERRIDE}, 1, 1, err);
    }
    if (st == VKGPT_OK) {
        st = vkgpt__config_merge(cfg, layer, err);
    }
    vkgpt__config_free(layer);
    free(layer);
    return st;
}
