/* dense.c — fully connected layer: out (units) = bias + in (in) · kernel (in, units).
 * Parameters (in + 1)·units, or in·units without a bias. */
#include "internal.h"

#include <string.h>

static const cnn_option_rule OPTIONS[] = {
    { CNN_OPT_UNITS, "units", { .i = 0 }, 1, CNN_MAX_DIM, 0, 0 },
    { CNN_OPT_USE_BIAS, "useBias", { .i = 1 }, 0, 1, 0, 0 },
};

static cnn_status infer(cnn_layer *L, int32_t index) {
    const cnn_layer_info *i = &L->info;
    if (i->in_rank != 1)
        return cnn_fail(CNN_STATUS_BAD_LAYER,
                        "layer %d (dense): input is (%d, %d, %d), not a vector: add a flatten "
                        "or global pooling layer before it", index, i->in_h, i->in_w, i->in_c);
    const int32_t U = L->opt[CNN_OPT_UNITS].i;
    CNN_TRY(cnn_set_output(L, index, 1, 1, 1, U));
    const int32_t shape[2] = { i->in_c, U };
    CNN_TRY(cnn_add_tensor(L, index, "kernel", 2, shape, true, true, CNN_INIT_FAN, i->in_c, U));
    if (L->opt[CNN_OPT_USE_BIAS].i) CNN_TRY(cnn_add_tensor(L, index, "bias", 1, &U, true, false, CNN_INIT_ZEROS, 0, 0));
    return CNN_OK;
}

/* Images per block of the backward GEMMs (their index tables have one entry per image). */
#define GRAD_IMAGES 64

/* Workspace: forward, the packed panels; backward, the packed transposed kernel, a block of
 * packed ∂L/∂output and the index tables of the GEMMs: inputs 0 … I−1 and images I apart
 * (kernel gradient: rows and sum), images U apart and units 0 … U−1 (input gradient). */
static size_t backward_floats(size_t I, size_t U) {
    return (I + 7) / 8 * CNN_PANEL_FLOATS(U) + (U + 7) / 8 * CNN_PANEL_FLOATS(GRAD_IMAGES) + I + U +
           2 * GRAD_IMAGES;
}

static size_t work_floats(const cnn_layer *L) {
    const size_t I = (size_t)L->info.in_c, U = (size_t)L->info.out_c;
    const size_t fwd = (U + 7) / 8 * CNN_PANEL_FLOATS(I), bwd = backward_floats(I, U);
    return fwd > bwd ? fwd : bwd;
}

static void forward(const cnn_layer_run *r) {
    const cnn_kernels *k = r->k;
    const size_t I = (size_t)r->L->info.in_c, U = (size_t)r->L->info.out_c;
    const float *kernel = r->t[0], *bias = r->L->info.n_tensors > 1 ? r->t[1] : NULL;
    if (r->n < 4) {
        /* a few images: the kernel as it is, one matrix-vector product each */
        for (int32_t b = 0; b < r->n; b++) {
            float *o = r->out + (size_t)b * U;
            if (bias) memcpy(o, bias, U * sizeof(float));
            else memset(o, 0, U * sizeof(float));
            k->gemv_acc(o, r->in + (size_t)b * I, kernel, I, U);
            if (r->fuse_relu) k->relu(o, o, U);
        }
        return;
    }
    /* a batch: packed once, then 4 images × 8 units per gemm_4x8 tile */
    float *packed = r->work;
    cnn_pack_panels(packed, kernel, U, bias, I, U);
    for (size_t j0 = 0; j0 < U; j0 += 8) {
        const float *panel = packed + j0 / 8 * CNN_PANEL_FLOATS(I);
        const size_t nr = U - j0 < 8 ? U - j0 : 8;
        k->gemm_4x8(r->out + j0, U, r->in, NULL, I, (size_t)r->n, NULL, I, panel, panel + 8, nr, r->fuse_relu);
    }
}

/* Backward, given dz = ∂L/∂(pre-activation output) (n, units):
 *   dbias += Σ_n dz;  dkernel (in, units) += Σ_n in ⊗ dz;  din (in) += kernel · dz  (if din)
 * A few images: an outer product and a matrix-vector product each. A batch: two GEMMs on
 * gemm_4x8_acc, GRAD_IMAGES images at a time: dkernel += Xᵀ · dZ (tile rows: inputs, read
 * down the batch; the sum over the images, dZ packed into panels of 8 units) and
 * din += dZ · Wᵀ (rows: images; the transposed kernel packed once per call). */
CNN_SETUP CNN_TRAINING_ONLY static void backward(const cnn_layer_run *r) {
    const cnn_kernels *k = r->k;
    const size_t I = (size_t)r->L->info.in_c, U = (size_t)r->L->info.out_c;
    float *dbias = r->L->info.n_tensors > 1 ? r->dt[1] : NULL;
    for (int32_t b = 0; dbias && b < r->n; b++) k->vadd_acc(dbias, r->dz + (size_t)b * U, U);
    if (r->n < 4) {
        for (int32_t b = 0; b < r->n; b++) {
            const float *g = r->dz + (size_t)b * U;
            k->ger_acc(r->dt[0], r->in + (size_t)b * I, g, I, U);
            if (r->din) k->gemv_t_acc(r->din + (size_t)b * I, r->t[0], g, I, U);
        }
        return;
    }
    float *wt = r->work, *dzp = wt + (I + 7) / 8 * CNN_PANEL_FLOATS(U);
    int32_t *inputs = (int32_t *)(dzp + (U + 7) / 8 * CNN_PANEL_FLOATS(GRAD_IMAGES)), *units = inputs + I;
    int32_t *images_i = units + U, *images_u = images_i + GRAD_IMAGES;
    for (size_t i = 0; i < I; i++) inputs[i] = (int32_t)i;
    for (size_t u = 0; u < U; u++) units[u] = (int32_t)u;
    for (size_t b = 0; b < GRAD_IMAGES; b++) {
        images_i[b] = (int32_t)(b * I);
        images_u[b] = (int32_t)(b * U);
    }
    for (size_t b0 = 0; b0 < (size_t)r->n; b0 += GRAD_IMAGES) {
        const size_t nb = (size_t)r->n - b0 < GRAD_IMAGES ? (size_t)r->n - b0 : GRAD_IMAGES;
        cnn_pack_panels(dzp, r->dz + b0 * U, U, NULL, nb, U);
        for (size_t j0 = 0; j0 < U; j0 += 8) {
            const float *panel = dzp + j0 / 8 * CNN_PANEL_FLOATS(nb) + 8;
            const size_t nr = U - j0 < 8 ? U - j0 : 8;
            k->gemm_4x8_acc(r->dt[0] + j0, U, r->in + b0 * I, inputs, I, images_i, nb, panel, nr);
        }
    }
    if (!r->din) return;
    cnn_pack_panels_t(wt, r->t[0], U, U, I);
    for (size_t b0 = 0; b0 < (size_t)r->n; b0 += GRAD_IMAGES) {
        const size_t nb = (size_t)r->n - b0 < GRAD_IMAGES ? (size_t)r->n - b0 : GRAD_IMAGES;
        for (size_t i0 = 0; i0 < I; i0 += 8) {
            const float *panel = wt + i0 / 8 * CNN_PANEL_FLOATS(U) + 8;
            const size_t nr = I - i0 < 8 ? I - i0 : 8;
            k->gemm_4x8_acc(r->din + b0 * I + i0, I, r->dz + b0 * U, images_u, nb, units, U, panel, nr);
        }
    }
}

const cnn_layer_def cnn_dense_def = {
    .type = CNN_LAYER_DENSE,
    .name = "dense",
    .flags = CNN_DEF_FUSES_RELU,
    .options = OPTIONS,
    .n_options = (int32_t)(sizeof OPTIONS / sizeof *OPTIONS),
    .infer = infer,
    .work_floats = work_floats,
    .forward = forward,
    .backward = CNN_BACKWARD(backward),
};
