/* augment.h — random distortions of a 28×28 digit, applied on the fly during training so the
 * model recognises digits people draw: translation, rotation (±15°), scale (0.85–1.15) and
 * stroke thickness (erosion or dilation). Deterministic for a given random state. */
#ifndef AUGMENT_H
#define AUGMENT_H

#include <stdint.h>

typedef struct augment_rng { uint64_t state, inc; } augment_rng;

void augment_seed(augment_rng *r, uint64_t seed, uint64_t stream);
uint32_t augment_next(augment_rng *r);
/* Uniform in [lo, hi). */
float augment_uniform(augment_rng *r, float lo, float hi);

typedef struct augment_params {
    float max_shift;        /* pixels, each axis (2.5)                 */
    float max_rotate;       /* degrees (15)                            */
    float min_scale, max_scale;   /* (0.85, 1.15)                      */
    float thickness_prob;   /* chance of erode or dilate (0.3)         */
} augment_params;

/* dst (28×28 floats in [0, 1]) = a random distortion of src (28×28 bytes). */
void augment_digit(float *dst, const uint8_t *src, const augment_params *p, augment_rng *r);
/* dst = src / 255, no distortion. */
void augment_plain(float *dst, const uint8_t *src);

#endif
