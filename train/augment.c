/* augment.c — affine warps by inverse mapping with bilinear sampling, and grey-scale
 * morphology for stroke thickness. Everything on 28×28 floats. */
#include "augment.h"

#include <math.h>
#include <string.h>

#define N 28

void augment_seed(augment_rng *r, uint64_t seed, uint64_t stream) {
    r->state = 0;
    r->inc = (stream << 1) | 1;
    augment_next(r);
    r->state += seed;
    augment_next(r);
}

/* PCG32 (O'Neill 2014). */
uint32_t augment_next(augment_rng *r) {
    uint64_t old = r->state;
    r->state = old * 6364136223846793005ULL + r->inc;
    uint32_t x = (uint32_t)(((old >> 18) ^ old) >> 27), rot = (uint32_t)(old >> 59);
    return (x >> rot) | (x << ((32 - rot) & 31));
}

float augment_uniform(augment_rng *r, float lo, float hi) {
    return lo + (hi - lo) * (float)(augment_next(r) >> 8) * (1.0f / 16777216.0f);
}

void augment_plain(float *dst, const uint8_t *src) {
    for (int i = 0; i < N * N; i++) dst[i] = src[i] * (1.0f / 255.0f);
}

static float sample(const float *img, float y, float x) {
    const int y0 = (int)floorf(y), x0 = (int)floorf(x);
    const float fy = y - y0, fx = x - x0;
    float v = 0;
    for (int dy = 0; dy < 2; dy++)
        for (int dx = 0; dx < 2; dx++) {
            const int yy = y0 + dy, xx = x0 + dx;
            if (yy < 0 || yy >= N || xx < 0 || xx >= N) continue;
            v += img[yy * N + xx] * (dy ? fy : 1 - fy) * (dx ? fx : 1 - fx);
        }
    return v;
}

/* Grey-scale dilation (max) or erosion (min) over a plus-shaped 3×3 neighbourhood. */
static void morph(float *dst, const float *src, int dilate) {
    static const int off[5][2] = { { 0, 0 }, { -1, 0 }, { 1, 0 }, { 0, -1 }, { 0, 1 } };
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) {
            float v = src[y * N + x];
            for (int k = 1; k < 5; k++) {
                const int yy = y + off[k][0], xx = x + off[k][1];
                const float u = (yy < 0 || yy >= N || xx < 0 || xx >= N) ? 0.0f : src[yy * N + xx];
                v = dilate ? (u > v ? u : v) : (u < v ? u : v);
            }
            dst[y * N + x] = v;
        }
}

void augment_digit(float *dst, const uint8_t *src, const augment_params *p, augment_rng *r) {
    float img[N * N], tmp[N * N];
    augment_plain(img, src);
    const float angle = augment_uniform(r, -p->max_rotate, p->max_rotate) * 3.14159265f / 180.0f;
    const float scale = augment_uniform(r, p->min_scale, p->max_scale);
    const float ty = augment_uniform(r, -p->max_shift, p->max_shift);
    const float tx = augment_uniform(r, -p->max_shift, p->max_shift);
    /* inverse map: output pixel → source position, about the image centre */
    const float c = cosf(angle) / scale, s = sinf(angle) / scale, mid = (N - 1) / 2.0f;
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) {
            const float oy = y - mid - ty, ox = x - mid - tx;
            tmp[y * N + x] = sample(img, c * oy - s * ox + mid, s * oy + c * ox + mid);
        }
    const float t = augment_uniform(r, 0.0f, 1.0f);
    if (t < p->thickness_prob) {
        /* half dilate, half erode; a blend keeps the change moderate */
        const int dilate = t < p->thickness_prob / 2;
        morph(img, tmp, dilate);
        const float a = augment_uniform(r, 0.4f, 1.0f);
        for (int i = 0; i < N * N; i++) dst[i] = a * img[i] + (1 - a) * tmp[i];
    } else {
        memcpy(dst, tmp, sizeof tmp);
    }
}
