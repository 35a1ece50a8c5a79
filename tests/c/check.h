/* check.h — the C tests' whole framework: TEST functions, CHECK macros, one summary line.
 *
 * A test is a function; it fails if any CHECK in it fails (all failures are printed with
 * file:line). test-main.c runs every test and prints "c: N passed, N failed". */
#ifndef CHECK_H
#define CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../src/cnn.h"

/* Sets option CNN_OPT_<key> of a layer spec (cnn_spec_set). */
#define SET(spec, key, value) cnn_spec_set(&(spec), CNN_OPT_##key, (value))
#define SETF(spec, key, value) cnn_spec_set_float(&(spec), CNN_OPT_##key, (value))

extern int check_failures; /* failures in the running test */

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            check_failures++;                                                              \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);     \
        }                                                                                  \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                              \
    do {                                                                                   \
        double a_ = (a), b_ = (b);                                                         \
        if (!(fabs(a_ - b_) <= (tol))) {                                                   \
            check_failures++;                                                              \
            fprintf(stderr, "  %s:%d: %s = %.9g, expected %.9g (tolerance %g)\n", __FILE__, \
                    __LINE__, #a, a_, b_, (double)(tol));                                  \
        }                                                                                  \
    } while (0)

#define CHECK_STATUS(expr, expected)                                                       \
    do {                                                                                   \
        cnn_status s_ = (expr);                                                            \
        if (s_ != (expected)) {                                                            \
            check_failures++;                                                              \
            fprintf(stderr, "  %s:%d: %s returned %s (%s), expected %s\n", __FILE__,        \
                    __LINE__, #expr, cnn_status_name(s_), cnn_error_message(),             \
                    cnn_status_name(expected));                                            \
        }                                                                                  \
    } while (0)

/* The last error message contains `needle`. */
#define CHECK_MESSAGE(needle)                                                              \
    do {                                                                                   \
        if (!strstr(cnn_error_message(), (needle))) {                                      \
            check_failures++;                                                              \
            fprintf(stderr, "  %s:%d: message \"%s\" lacks \"%s\"\n", __FILE__, __LINE__,   \
                    cnn_error_message(), (needle));                                        \
        }                                                                                  \
    } while (0)

typedef struct test_case { const char *name; void (*fn)(void); } test_case;

/* Each test file defines one table, listed in test-main.c. */
#define TEST_TABLE(name) const test_case name[]
#define TEST_END { 0, 0 }

/* Small deterministic random numbers for tests (xorshift32). */
static inline float test_rand(unsigned *state) {
    unsigned x = *state;
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    *state = x;
    return (float)(x >> 8) / 16777216.0f * 2.0f - 1.0f; /* [-1, 1) */
}

#endif
