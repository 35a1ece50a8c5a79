/* init.c — deterministic initialisation of every parameter tensor from a seed: fan-based
 * uniform kernels (He before relu, Glorot otherwise), zeros (biases, beta, moving mean) and
 * ones (gamma, moving variance), as each layer type declares its tensors. */
#include "internal.h"

#include <math.h>

/* PCG32 (O'Neill 2014): small, fast, and the same numbers on every platform. */
typedef struct { uint64_t state, inc; } pcg32;

static uint32_t pcg32_next(pcg32 *r) {
    uint64_t old = r->state;
    r->state = old * 6364136223846793005ULL + r->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    uint32_t rot = (uint32_t)(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((32 - rot) & 31));
}

static void pcg32_seed(pcg32 *r, uint64_t seed, uint64_t stream) {
    r->state = 0;
    r->inc = (stream << 1) | 1;
    pcg32_next(r);
    r->state += seed;
    pcg32_next(r);
}

/* Uniform in [-limit, limit): 24 random bits, exact in float. */
static float uniform(pcg32 *r, float limit) {
    const float u = (float)(pcg32_next(r) >> 8) * (1.0f / 16777216.0f);
    return (2.0f * u - 1.0f) * limit;
}

void cnn_model_init_weights(cnn_model *m, uint32_t seed) {
    for (int32_t i = 0; i < m->n_layers; i++) {
        const cnn_layer *L = &m->layers[i];
        for (int32_t t = 0; t < L->info.n_tensors; t++) {
            const cnn_tensor_def *T = &L->tensor[t];
            float *p = m->params + L->tensor_offset[t];
            if (T->init != CNN_INIT_FAN) {
                const float v = T->init == CNN_INIT_ONES ? 1.0f : 0.0f;
                for (int32_t j = 0; j < T->info.size; j++) p[j] = v;
                continue;
            }
            /* He-uniform before relu (Kaiming 2015), Glorot-uniform otherwise (Glorot 2010). */
            const double limit = L->info.activation == CNN_ACT_RELU ? sqrt(6.0 / T->fan_in)
                                                                    : sqrt(6.0 / (T->fan_in + T->fan_out));
            pcg32 rng;
            pcg32_seed(&rng, seed, (uint64_t)i + 1 + 256 * (uint64_t)t); /* a stream per layer */
            for (int32_t j = 0; j < T->info.size; j++) p[j] = uniform(&rng, (float)limit);
        }
    }
}
