/* errors.c — status names and the per-thread error message.
 *
 * A tiny formatter instead of vsnprintf: it keeps printf's few kilobytes out of the wasm
 * module, and messages need only integers, strings and a few short floats (%g: up to 6
 * significant digits, the way users write option values: 0.001, 1e-09, -0.5, nan). */
#include "internal.h"

#include <string.h>

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && !defined(__STDC_NO_THREADS__)
#define CNN_THREAD_LOCAL _Thread_local
#else
#define CNN_THREAD_LOCAL
#endif

static CNN_THREAD_LOCAL char g_message[512];

const char *cnn_error_message(void) { return g_message; }

void cnn_clear_error(void) { g_message[0] = '\0'; }

const char *cnn_status_name(cnn_status status) {
    switch (status) {
    case CNN_OK: return "CNN_OK";
    case CNN_STATUS_INVALID_ARGUMENT: return "CNN_STATUS_INVALID_ARGUMENT";
    case CNN_STATUS_BAD_LAYER: return "CNN_STATUS_BAD_LAYER";
    case CNN_STATUS_TOO_LARGE: return "CNN_STATUS_TOO_LARGE";
    case CNN_STATUS_OUT_OF_MEMORY: return "CNN_STATUS_OUT_OF_MEMORY";
    case CNN_STATUS_NOT_A_MODEL: return "CNN_STATUS_NOT_A_MODEL";
    case CNN_STATUS_UNSUPPORTED_VERSION: return "CNN_STATUS_UNSUPPORTED_VERSION";
    case CNN_STATUS_BAD_FILE: return "CNN_STATUS_BAD_FILE";
    case CNN_STATUS_TRUNCATED: return "CNN_STATUS_TRUNCATED";
    case CNN_STATUS_CHECKSUM: return "CNN_STATUS_CHECKSUM";
    }
    return "CNN_STATUS_UNKNOWN";
}

/* ─── Formatting ────────────────────────────────────────────────────────────────────────── */
typedef struct sink { char *buf; size_t cap, len; } sink;

static void put_char(sink *s, char c) {
    if (s->len + 1 < s->cap) s->buf[s->len] = c;
    s->len++;
}

static void put_str(sink *s, const char *str) {
    if (!str) str = "(null)";
    while (*str) put_char(s, *str++);
}

static void put_u64(sink *s, unsigned long long v) {
    char digits[24];
    int n = 0;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) put_char(s, digits[--n]);
}

/* Up to 6 significant digits, trailing zeros dropped; exponent form outside [1e-4, 1e6). */
static void put_float(sink *s, double v) {
    if (v != v) { put_str(s, "nan"); return; }
    if (v < 0 || (v == 0 && 1 / v < 0)) { put_char(s, '-'); v = -v; }
    if (v > 1e300) { put_str(s, "inf"); return; }
    if (v == 0) { put_char(s, '0'); return; }
    int e = 0;
    while (v >= 10) { v /= 10; e++; }
    while (v < 1) { v *= 10; e--; }
    unsigned long long d = (unsigned long long)(v * 100000 + 0.5); /* 6 digits: d.ddddd */
    if (d >= 1000000) { d /= 10; e++; }
    char digits[7];
    for (int i = 5; i >= 0; i--, d /= 10) digits[i] = (char)('0' + d % 10);
    int n = 6;
    while (n > 1 && digits[n - 1] == '0') n--;
    if (e >= -4 && e < 6) {
        if (e < 0) {
            put_str(s, "0.");
            for (int z = -1; z > e; z--) put_char(s, '0');
            for (int i = 0; i < n; i++) put_char(s, digits[i]);
        } else {
            for (int i = 0; i <= e; i++) put_char(s, i < n ? digits[i] : '0');
            if (n > e + 1) { put_char(s, '.'); for (int i = e + 1; i < n; i++) put_char(s, digits[i]); }
        }
        return;
    }
    put_char(s, digits[0]);
    if (n > 1) { put_char(s, '.'); for (int i = 1; i < n; i++) put_char(s, digits[i]); }
    put_char(s, 'e');
    if (e < 0) { put_char(s, '-'); e = -e; }
    if (e < 10) put_char(s, '0');
    put_u64(s, (unsigned long long)e);
}

void cnn_vformat(char *buf, size_t cap, const char *fmt, va_list ap) {
    sink s = { buf, cap, 0 };
    if (!cap) return;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') { put_char(&s, *p); continue; }
        p++;
        if (*p == 'd') {
            int v = va_arg(ap, int);
            if (v < 0) { put_char(&s, '-'); put_u64(&s, (unsigned long long)(-(long long)v)); }
            else put_u64(&s, (unsigned long long)v);
        } else if (*p == 'u') {
            put_u64(&s, va_arg(ap, unsigned));
        } else if (p[0] == 'l' && p[1] == 'l' && p[2] == 'u') {
            put_u64(&s, va_arg(ap, unsigned long long));
            p += 2;
        } else if (*p == 'g') {
            put_float(&s, va_arg(ap, double));
        } else if (*p == 's') {
            put_str(&s, va_arg(ap, const char *));
        } else if (*p == '%') {
            put_char(&s, '%');
        } else {
            assert(!"cnn_vformat: unsupported format");
            if (!*p) break;
        }
    }
    buf[s.len < cap ? s.len : cap - 1] = '\0';
}

void cnn_format(char *buf, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cnn_vformat(buf, cap, fmt, ap);
    va_end(ap);
}

cnn_status cnn_fail(cnn_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cnn_vformat(g_message, sizeof g_message, fmt, ap);
    va_end(ap);
    return status;
}
