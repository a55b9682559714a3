/* config_value.c: scalar conversions that do not depend on the locale.
 *
 * strtod() and printf() follow LC_NUMERIC, so under ru_RU "1.3" would stop at the '.' and 1.3
 * would print as "1,3". The grammar is checked here by hand first, and the conversion itself
 * runs with the calling thread switched to the "C" locale (uselocale, POSIX 2008), which
 * leaves other threads and the process locale alone. Should newlocale() fail (it only
 * allocates), parsing a number reports it as out of range and printing falls back to the
 * process locale. */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "config_internal.h"

static locale_t c_locale;
static once_flag c_locale_once = ONCE_FLAG_INIT;

static void c_locale_init(void) {
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

static bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

static bool text_is(const cfg_scalar_t *s, const char *word) {
    return s->len == strlen(word) && memcmp(s->text, word, s->len) == 0;
}

bool vkgpt__cfg_is_null(const cfg_scalar_t *s) {
    return s->plain && (s->len == 0 || text_is(s, "~") || text_is(s, "null") ||
                        text_is(s, "Null") || text_is(s, "NULL"));
}

cfg_parse_t vkgpt__cfg_parse_u64(const cfg_scalar_t *s, uint64_t *out) {
    size_t i = s->plain && s->len > 0 && s->text[0] == '+' ? 1 : 0;
    if (!s->plain || i == s->len) {
        return CFG_PARSE_SYNTAX;
    }
    uint64_t v = 0;
    bool overflow = false;
    for (; i < s->len; i++) {
        if (!is_digit(s->text[i])) {
            return CFG_PARSE_SYNTAX;
        }
        overflow |= __builtin_mul_overflow(v, 10u, &v);
        overflow |= __builtin_add_overflow(v, (uint64_t)(s->text[i] - '0'), &v);
    }
    *out = v;
    return overflow ? CFG_PARSE_RANGE : CFG_PARSE_OK;
}

cfg_parse_t vkgpt__cfg_parse_int(const cfg_scalar_t *s, int64_t *out) {
    bool neg = s->plain && s->len > 0 && s->text[0] == '-';
    cfg_scalar_t rest = *s;
    if (neg) {
        rest.text++, rest.len--;
        if (rest.len > 0 && rest.text[0] == '+') {
            return CFG_PARSE_SYNTAX;
        }
    }
    uint64_t mag;
    cfg_parse_t r = vkgpt__cfg_parse_u64(&rest, &mag);
    if (r != CFG_PARSE_OK) {
        return r;
    }
    if (mag > (uint64_t)INT64_MAX + (neg ? 1u : 0u)) {
        return CFG_PARSE_RANGE;
    }
    *out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return CFG_PARSE_OK;
}

/* Length of the float grammar's match at the start of t[0..n), or 0 when it does not match. */
static size_t float_syntax(const char *t, size_t n) {
    size_t i = 0, int_digits = 0, frac_digits = 0;
    if (i < n && (t[i] == '+' || t[i] == '-')) {
        i++;
    }
    for (; i < n && is_digit(t[i]); i++) {
        int_digits++;
    }
    if (i < n && t[i] == '.') {
        for (i++; i < n && is_digit(t[i]); i++) {
            frac_digits++;
        }
    }
    if (int_digits + frac_digits == 0) {
        return 0;
    }
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        size_t j = i + 1, exp_digits = 0;
        if (j < n && (t[j] == '+' || t[j] == '-')) {
            j++;
        }
        for (; j < n && is_digit(t[j]); j++) {
            exp_digits++;
        }
        if (exp_digits == 0) {
            return 0;
        }
        i = j;
    }
    return i;
}

cfg_parse_t vkgpt__cfg_parse_float(const cfg_scalar_t *s, double *out) {
    char buf[128];
    if (!s->plain || s->len == 0 || s->len >= sizeof(buf) ||
        float_syntax(s->text, s->len) != s->len) {
        return CFG_PARSE_SYNTAX;
    }
    memcpy(buf, s->text, s->len);
    buf[s->len] = '\0';

    call_once(&c_locale_once, c_locale_init);
    if (c_locale == (locale_t)0) {
        return CFG_PARSE_RANGE; /* newlocale failed: out of memory */
    }
    locale_t old = uselocale(c_locale);
    errno = 0;
    char *end = NULL;
    double v = strtod(buf, &end);
    int e = errno;
    uselocale(old);

    if (end != buf + s->len) {
        return CFG_PARSE_SYNTAX;
    }
    if ((e == ERANGE && fabs(v) > 1.0) || !isfinite(v)) {
        return CFG_PARSE_RANGE;
    }
    *out = v; /* an underflow to 0 or a subnormal is left to the range check */
    return CFG_PARSE_OK;
}

cfg_parse_t vkgpt__cfg_parse_bool(const cfg_scalar_t *s, bool *out) {
    if (s->plain && (text_is(s, "true") || text_is(s, "True") || text_is(s, "TRUE"))) {
        *out = true;
        return CFG_PARSE_OK;
    }
    if (s->plain && (text_is(s, "false") || text_is(s, "False") || text_is(s, "FALSE"))) {
        *out = false;
        return CFG_PARSE_OK;
    }
    return CFG_PARSE_SYNTAX;
}

void vkgpt__cfg_format_double(double x, char *buf, size_t size) {
    call_once(&c_locale_once, c_locale_init);
    locale_t old = c_locale != (locale_t)0 ? uselocale(c_locale) : (locale_t)0;
    if (fabs(x) < 1e15 && x == (double)(long long)x) {
        snprintf(buf, size, "%lld", (long long)x); /* "100", not "1e+02" */
    } else {
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, size, "%.*g", prec, x);
            if (strtod(buf, NULL) == x) {
                break;
            }
        }
    }
    if (old != (locale_t)0) {
        uselocale(old);
    }
}
