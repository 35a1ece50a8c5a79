/* test-main.c — runs every C test table and prints "c: N passed, N failed".
 * Also runs under node when built with emcc -msimd128 (then the SIMD kernels are real). */
#include "check.h"

int check_failures;

extern const test_case kernel_tests[], layer_tests[], shape_tests[], format_tests[], training_tests[], graph_tests[];

int main(int argc, char **argv) {
    const test_case *tables[] = { kernel_tests, layer_tests, shape_tests, format_tests, training_tests, graph_tests };
    const char *only = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        for (const test_case *tc = tables[t]; tc->name; tc++) {
            if (only && !strstr(tc->name, only)) continue;
            check_failures = 0;
            tc->fn();
            if (check_failures) {
                failed++;
                printf("not ok  %s\n", tc->name);
            } else {
                passed++;
                printf("ok      %s\n", tc->name);
            }
        }
#ifdef __EMSCRIPTEN__
    const char *build = "c-wasm";
#else
    const char *build = "c-native";
#endif
    printf("%s: %d passed, %d failed\n", build, passed, failed);
    return failed ? 1 : 0;
}
