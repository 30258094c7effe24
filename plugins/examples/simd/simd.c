/*
 * simd.c: an example vendor plugin with wasm SIMD128 kernels: a direct
 * convolution (register-blocked 4 output channels x 12 or 8 pixels, specialised
 * for 3x3 and 1x1 at stride 1, scalar for stride 2) and a 4x8 GEMM
 * micro-kernel over packed B panels. Bias and ReLU are fused.
 * ABI: plugins/ABI.md. Build: make plugins (mk/plugins.mk).
 */
#include <wasm_simd128.h>

#include "../c/edgek.h"

static const char manifest[] =
    "{\"abi\":1,\"name\":\"edgek-simd\",\"version\":\"1.0.0\",\"vendor\":\"edgectl examples\","
    "\"kernels\":["
    "{\"op\":\"conv2d\",\"dtypes\":[\"float32\"],\"layouts\":[\"NCHW\"],"
    "\"kernel_sizes\":[[1,1],[3,3]],\"strides\":[[1,1],[2,2]],\"dilations\":[[1,1]],"
    "\"epilogues\":[\"none\",\"relu\"],\"max_channels\":8192},"
    "{\"op\":\"gemm\",\"dtypes\":[\"float32\"],\"layouts\":[\"row_major\"],"
    "\"epilogues\":[\"none\",\"relu\"],\"max_k\":65536,\"max_n\":65536}"
    "]}";

EDGEK_EXPORT(edgek_abi_version) int32_t abi_version(void) { return EDGEK_ABI_VERSION; }
EDGEK_EXPORT(edgek_manifest_ptr) int32_t manifest_ptr(void) { return (int32_t)(uintptr_t)manifest; }
EDGEK_EXPORT(edgek_manifest_len) int32_t manifest_len(void) { return (int32_t)sizeof(manifest) - 1; }

#define OCB 4 /* output channels per conv register block */
#define NR 8  /* columns per GEMM panel */
#define MAX_HANDLES 4096

typedef struct {
  edgek_op d;
  float *w;    /* conv: [ceil(c_out/OCB)][c_in][kh*kw][OCB]; gemm: [ceil(N/NR)][K][NR] */
  float *bias; /* [c_out padded] zeros when absent */
} kernel;

static kernel *handles[MAX_HANDLES];

static int32_t put_handle(kernel *k) {
  for (int i = 0; i < MAX_HANDLES; i++) {
    if (!handles[i]) {
      handles[i] = k;
      return i + 1;
    }
  }
  return EDGEK_ENOMEM;
}

static kernel *get_handle(int32_t h, int op) {
  if (h < 1 || h > MAX_HANDLES || !handles[h - 1] || handles[h - 1]->d.op != op) return 0;
  return handles[h - 1];
}

EDGEK_EXPORT(edgek_release) void release(int32_t h) {
  if (h < 1 || h > MAX_HANDLES || !handles[h - 1]) return;
  kernel *k = handles[h - 1];
  edgek_mem_free(k->w);
  edgek_mem_free(k->bias);
  edgek_mem_free(k);
  handles[h - 1] = 0;
}

static inline float act(float v, int epi) { return (epi == EDGEK_EPI_RELU && v < 0) ? 0 : v; }

static inline v128_t vact(v128_t v, int epi) {
  return epi == EDGEK_EPI_RELU ? wasm_f32x4_pmax(v, wasm_f32x4_splat(0)) : v;
}

/* ---- convolution ---- */

EDGEK_EXPORT(edgek_conv2d_prepare) int32_t conv2d_prepare(const edgek_op *d) {
  if (d->op != EDGEK_OP_CONV2D || d->c_in < 1 || d->c_out < 1 || d->c_in > 8192 || d->c_out > 8192)
    return EDGEK_EINVAL;
  if (!((d->kh == 3 && d->kw == 3) || (d->kh == 1 && d->kw == 1))) return EDGEK_EUNSUPPORTED;
  if (d->sh != d->sw || (d->sh != 1 && d->sh != 2) || d->dh != 1 || d->dw != 1) return EDGEK_EUNSUPPORTED;
  if (d->epilogue != EDGEK_EPI_NONE && d->epilogue != EDGEK_EPI_RELU) return EDGEK_EUNSUPPORTED;
  kernel *k = edgek_mem_alloc(sizeof(kernel));
  if (!k) return EDGEK_ENOMEM;
  k->d = *d;
  int K = d->kh * d->kw, blocks = (d->c_out + OCB - 1) / OCB;
  k->w = edgek_mem_alloc((size_t)blocks * d->c_in * K * OCB * sizeof(float));
  k->bias = edgek_mem_alloc((size_t)blocks * OCB * sizeof(float));
  if (!k->w || !k->bias) {
    edgek_mem_free(k->w);
    edgek_mem_free(k->bias);
    edgek_mem_free(k);
    return EDGEK_ENOMEM;
  }
  const float *w = (const float *)(uintptr_t)d->weights;
  const float *b = (const float *)(uintptr_t)d->bias;
  for (int oc = 0; oc < blocks * OCB; oc++) {
    k->bias[oc] = (b && oc < d->c_out) ? b[oc] : 0;
    for (int ic = 0; ic < d->c_in; ic++)
      for (int t = 0; t < K; t++)
        k->w[(((oc / OCB) * d->c_in + ic) * K + t) * OCB + oc % OCB] =
            oc < d->c_out ? w[((size_t)oc * d->c_in + ic) * K + t] : 0;
  }
  /* The weights are ours now; the packed copy is all we keep. */
  edgek_mem_free((void *)w);
  edgek_mem_free((void *)b);
  int32_t h = put_handle(k);
  if (h < 0) {
    edgek_mem_free(k->w);
    edgek_mem_free(k->bias);
    edgek_mem_free(k);
  }
  return h;
}

/* The 4x8 register block: OCB output channels x 8 pixels of one output
 * row at stride 1. For one input channel IC it adds the KH x KW taps. */
#define TAPS8(IC, KYLOOP, KXLOOP)                                                      \
  do {                                                                                 \
    const float *row = row0 + (size_t)(IC) * ih * iw;                                  \
    KYLOOP for (int ky = 0; ky < KH; ky++, row += iw) {                                \
      KXLOOP for (int kx = 0; kx < KW; kx++, wp += OCB) {                              \
        v128_t v0 = wasm_v128_load(row + kx), v1 = wasm_v128_load(row + kx + 4);       \
        v128_t w0 = wasm_v128_load32_splat(wp), w1 = wasm_v128_load32_splat(wp + 1);   \
        v128_t w2 = wasm_v128_load32_splat(wp + 2), w3 = wasm_v128_load32_splat(wp + 3); \
        a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(w0, v0));                             \
        a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(w0, v1));                             \
        a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(w1, v0));                             \
        a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(w1, v1));                             \
        a20 = wasm_f32x4_add(a20, wasm_f32x4_mul(w2, v0));                             \
        a21 = wasm_f32x4_add(a21, wasm_f32x4_mul(w2, v1));                             \
        a30 = wasm_f32x4_add(a30, wasm_f32x4_mul(w3, v0));                             \
        a31 = wasm_f32x4_add(a31, wasm_f32x4_mul(w3, v1));                             \
      }                                                                                \
    }                                                                                  \
  } while (0)

#define TAPS12(IC, KYLOOP, KXLOOP)                                                     \
  do {                                                                                 \
    const float *row = row0 + (size_t)(IC) * ih * iw;                                  \
    KYLOOP for (int ky = 0; ky < KH; ky++, row += iw) {                                \
      KXLOOP for (int kx = 0; kx < KW; kx++, wp += OCB) {                              \
        v128_t v0 = wasm_v128_load(row + kx), v1 = wasm_v128_load(row + kx + 4);       \
        v128_t v2 = wasm_v128_load(row + kx + 8);                                      \
        v128_t w = wasm_v128_load32_splat(wp);                                         \
        a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(w, v0));                              \
        a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(w, v1));                              \
        a02 = wasm_f32x4_add(a02, wasm_f32x4_mul(w, v2));                              \
        w = wasm_v128_load32_splat(wp + 1);                                            \
        a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(w, v0));                              \
        a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(w, v1));                              \
        a12 = wasm_f32x4_add(a12, wasm_f32x4_mul(w, v2));                              \
        w = wasm_v128_load32_splat(wp + 2);                                            \
        a20 = wasm_f32x4_add(a20, wasm_f32x4_mul(w, v0));                              \
        a21 = wasm_f32x4_add(a21, wasm_f32x4_mul(w, v1));                              \
        a22 = wasm_f32x4_add(a22, wasm_f32x4_mul(w, v2));                              \
        w = wasm_v128_load32_splat(wp + 3);                                            \
        a30 = wasm_f32x4_add(a30, wasm_f32x4_mul(w, v0));                              \
        a31 = wasm_f32x4_add(a31, wasm_f32x4_mul(w, v1));                              \
        a32 = wasm_f32x4_add(a32, wasm_f32x4_mul(w, v2));                              \
      }                                                                                \
    }                                                                                  \
  } while (0)

/* The same for 4 pixels (row tails); lanes past out_w are not stored. */
#define TAPS4(IC, KYLOOP)                                                              \
  do {                                                                                 \
    const float *row = row0 + (size_t)(IC) * ih * iw;                                  \
    KYLOOP for (int ky = 0; ky < KH; ky++, row += iw) {                                \
      _Pragma("clang loop unroll(full)") for (int kx = 0; kx < KW; kx++, wp += OCB) {  \
        v128_t v = wasm_v128_load(row + kx); /* may read into the slack */             \
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load32_splat(wp), v));        \
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load32_splat(wp + 1), v));    \
        a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load32_splat(wp + 2), v));    \
        a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load32_splat(wp + 3), v));    \
      }                                                                                \
    }                                                                                  \
  } while (0)

/* conv_row computes output channels [oc, oc+OCB) of output row y at stride
 * 1. With unrolled set (the host checks loop headers: EDGEK_FLAG_LOOP_CHECKS)
 * the KH*KW taps of an input channel form one loop body, so a check is paid
 * per KH*KW taps instead of per KW taps; unguarded, the shorter loop body
 * compiles to better code in wazero (measured: 9 against 5 GFLOP/s). KH, KW
 * and unrolled are constants after inlining. */
static inline __attribute__((always_inline)) void conv_row(const kernel *k, const edgek_tile *t, int oc, int y,
                                                           const int KH, const int KW, const int unrolled) {
  const int cin = k->d.c_in, iw = t->in_w, ih = t->in_h, ow = t->out_w, plane = t->out_h * t->out_w;
  const int epi = k->d.epilogue;
  const float *in = (const float *)(uintptr_t)t->in;
  const float *wb = k->w + (size_t)(oc / OCB) * cin * KH * KW * OCB;
  float *out = (float *)(uintptr_t)t->out + (size_t)(oc - t->oc0) * plane + (size_t)y * ow;
  const v128_t b0 = wasm_f32x4_splat(k->bias[oc]), b1 = wasm_f32x4_splat(k->bias[oc + 1]);
  const v128_t b2 = wasm_f32x4_splat(k->bias[oc + 2]), b3 = wasm_f32x4_splat(k->bias[oc + 3]);
  int x = 0;
  for (; x + 12 <= ow; x += 12) {
    v128_t a00 = b0, a01 = b0, a02 = b0, a10 = b1, a11 = b1, a12 = b1;
    v128_t a20 = b2, a21 = b2, a22 = b2, a30 = b3, a31 = b3, a32 = b3;
    const float *wp = wb;
    const float *row0 = in + (size_t)y * iw + x;
    if (unrolled)
      for (int ic = 0; ic < cin; ic++) TAPS12(ic, _Pragma("clang loop unroll(full)"), _Pragma("clang loop unroll(full)"));
    else
      for (int ic = 0; ic < cin; ic++) TAPS12(ic, _Pragma("clang loop unroll(disable)"), _Pragma("clang loop unroll(full)"));
    float *o = out + x;
    wasm_v128_store(o, vact(a00, epi));
    wasm_v128_store(o + 4, vact(a01, epi));
    wasm_v128_store(o + 8, vact(a02, epi));
    o += plane;
    wasm_v128_store(o, vact(a10, epi));
    wasm_v128_store(o + 4, vact(a11, epi));
    wasm_v128_store(o + 8, vact(a12, epi));
    o += plane;
    wasm_v128_store(o, vact(a20, epi));
    wasm_v128_store(o + 4, vact(a21, epi));
    wasm_v128_store(o + 8, vact(a22, epi));
    o += plane;
    wasm_v128_store(o, vact(a30, epi));
    wasm_v128_store(o + 4, vact(a31, epi));
    wasm_v128_store(o + 8, vact(a32, epi));
  }
  for (; x + 8 <= ow; x += 8) {
    v128_t a00 = b0, a01 = b0, a10 = b1, a11 = b1, a20 = b2, a21 = b2, a30 = b3, a31 = b3;
    const float *wp = wb;
    const float *row0 = in + (size_t)y * iw + x;
    if (unrolled)
      for (int ic = 0; ic < cin; ic++) TAPS8(ic, _Pragma("clang loop unroll(full)"), _Pragma("clang loop unroll(full)"));
    else
      for (int ic = 0; ic < cin; ic++) TAPS8(ic, _Pragma("clang loop unroll(disable)"), _Pragma("clang loop unroll(full)"));
    wasm_v128_store(out + x, vact(a00, epi));
    wasm_v128_store(out + x + 4, vact(a01, epi));
    wasm_v128_store(out + plane + x, vact(a10, epi));
    wasm_v128_store(out + plane + x + 4, vact(a11, epi));
    wasm_v128_store(out + 2 * plane + x, vact(a20, epi));
    wasm_v128_store(out + 2 * plane + x + 4, vact(a21, epi));
    wasm_v128_store(out + 3 * plane + x, vact(a30, epi));
    wasm_v128_store(out + 3 * plane + x + 4, vact(a31, epi));
  }
  for (; x < ow; x += 4) {
    v128_t a0 = b0, a1 = b1, a2 = b2, a3 = b3;
    const float *wp = wb;
    const float *row0 = in + (size_t)y * iw + x;
    if (unrolled)
      for (int ic = 0; ic < cin; ic++) TAPS4(ic, _Pragma("clang loop unroll(full)"));
    else
      for (int ic = 0; ic < cin; ic++) TAPS4(ic, _Pragma("clang loop unroll(disable)"));
    v128_t r[4] = {vact(a0, epi), vact(a1, epi), vact(a2, epi), vact(a3, epi)};
    for (int j = 0; j < OCB; j++) {
      float *o = out + (size_t)j * plane + x;
      if (x + 4 <= ow) {
        wasm_v128_store(o, r[j]);
      } else {
        wasm_v128_store32_lane(o, r[j], 0);
        if (x + 1 < ow) wasm_v128_store32_lane(o + 1, r[j], 1);
        if (x + 2 < ow) wasm_v128_store32_lane(o + 2, r[j], 2);
      }
    }
  }
}

static void conv3x3_rows(const kernel *k, const edgek_tile *t, int oc) {
  for (int y = 0; y < t->out_h; y++) conv_row(k, t, oc, y, 3, 3, 0);
}
static void conv3x3_rows_unrolled(const kernel *k, const edgek_tile *t, int oc) {
  for (int y = 0; y < t->out_h; y++) conv_row(k, t, oc, y, 3, 3, 1);
}
static void conv1x1_rows(const kernel *k, const edgek_tile *t, int oc) {
  for (int y = 0; y < t->out_h; y++) conv_row(k, t, oc, y, 1, 1, 0);
}
static void conv1x1_rows_unrolled(const kernel *k, const edgek_tile *t, int oc) {
  for (int y = 0; y < t->out_h; y++) conv_row(k, t, oc, y, 1, 1, 1);
}

/* conv_one computes output channel oc of the whole tile, any stride, scalar. */
static void conv_one(const kernel *k, const edgek_tile *t, int oc) {
  const int cin = k->d.c_in, KH = k->d.kh, KW = k->d.kw, K = KH * KW, sh = k->d.sh, sw = k->d.sw;
  const float *in = (const float *)(uintptr_t)t->in;
  const float *wb = k->w + (size_t)(oc / OCB) * cin * K * OCB + oc % OCB;
  float *out = (float *)(uintptr_t)t->out + (size_t)(oc - t->oc0) * t->out_h * t->out_w;
  for (int y = 0; y < t->out_h; y++) {
    for (int x = 0; x < t->out_w; x++) {
      float s = k->bias[oc];
      for (int ic = 0; ic < cin; ic++)
        for (int ky = 0; ky < KH; ky++)
          for (int kx = 0; kx < KW; kx++)
            s += wb[((size_t)ic * K + ky * KW + kx) * OCB] *
                 in[((size_t)ic * t->in_h + y * sh + ky) * t->in_w + x * sw + kx];
      out[y * t->out_w + x] = act(s, k->d.epilogue);
    }
  }
}

EDGEK_EXPORT(edgek_conv2d_run) int32_t conv2d_run(int32_t h, edgek_tile *t) {
  kernel *k = get_handle(h, EDGEK_OP_CONV2D);
  if (!k) return EDGEK_EHANDLE;
  const edgek_op *d = &k->d;
  if (t->in_c != d->c_in || t->oc0 < 0 || t->oc1 > d->c_out || t->oc0 >= t->oc1 || t->out_h < 1 ||
      t->out_w < 1 || t->in_h != (t->out_h - 1) * d->sh + d->kh || t->in_w != (t->out_w - 1) * d->sw + d->kw)
    return EDGEK_EINVAL;
  int oc = t->oc0;
  for (; oc < t->oc1; oc++) {
    if (oc % OCB == 0 && oc + OCB <= t->oc1 && d->sh == 1) {
      const int unrolled = d->flags & EDGEK_FLAG_LOOP_CHECKS;
      if (d->kh == 3)
        unrolled ? conv3x3_rows_unrolled(k, t, oc) : conv3x3_rows(k, t, oc);
      else
        unrolled ? conv1x1_rows_unrolled(k, t, oc) : conv1x1_rows(k, t, oc);
      oc += OCB - 1;
    } else {
      conv_one(k, t, oc);
    }
  }
  t->res_c = t->oc1 - t->oc0;
  t->res_h = t->out_h;
  t->res_w = t->out_w;
  return EDGEK_OK;
}

/* ---- GEMM ---- */

EDGEK_EXPORT(edgek_gemm_prepare) int32_t gemm_prepare(const edgek_op *d) {
  int K = d->c_in, N = d->c_out;
  if (d->op != EDGEK_OP_GEMM || K < 1 || N < 1 || K > 65536 || N > 65536) return EDGEK_EINVAL;
  if (d->epilogue != EDGEK_EPI_NONE && d->epilogue != EDGEK_EPI_RELU) return EDGEK_EUNSUPPORTED;
  kernel *k = edgek_mem_alloc(sizeof(kernel));
  if (!k) return EDGEK_ENOMEM;
  k->d = *d;
  int panels = (N + NR - 1) / NR;
  k->w = edgek_mem_alloc((size_t)panels * K * NR * sizeof(float));
  k->bias = edgek_mem_alloc((size_t)panels * NR * sizeof(float));
  if (!k->w || !k->bias) {
    edgek_mem_free(k->w);
    edgek_mem_free(k->bias);
    edgek_mem_free(k);
    return EDGEK_ENOMEM;
  }
  const float *b = (const float *)(uintptr_t)d->weights;
  const float *bias = (const float *)(uintptr_t)d->bias;
  for (int p = 0; p < panels; p++)
    for (int kk = 0; kk < K; kk++)
      for (int j = 0; j < NR; j++) {
        int n = p * NR + j;
        k->w[((size_t)p * K + kk) * NR + j] = n < N ? b[(size_t)kk * N + n] : 0;
      }
  for (int n = 0; n < panels * NR; n++) k->bias[n] = (bias && n < N) ? bias[n] : 0;
  edgek_mem_free((void *)b);
  edgek_mem_free((void *)bias);
  return put_handle(k);
}

/* gemm_tile computes rows [i, i+MR) of the columns of panel p, storing the
 * columns inside [n0, n1). */
static inline __attribute__((always_inline)) void gemm_tile(const kernel *k, const edgek_tile *t, int i, int p,
                                                            const int MR) {
  const int K = k->d.c_in, n0 = t->oc0, n1 = t->oc1, ldo = n1 - n0, epi = k->d.epilogue;
  const float *A = (const float *)(uintptr_t)t->in + (size_t)i * K;
  const float *B = k->w + (size_t)p * K * NR;
  float *out = (float *)(uintptr_t)t->out + (size_t)i * ldo;
  v128_t c[4][2];
  const v128_t bias0 = wasm_v128_load(k->bias + p * NR), bias1 = wasm_v128_load(k->bias + p * NR + 4);
  for (int r = 0; r < MR; r++) c[r][0] = bias0, c[r][1] = bias1;
  for (int kk = 0; kk < K; kk++) {
    v128_t v0 = wasm_v128_load(B + kk * NR), v1 = wasm_v128_load(B + kk * NR + 4);
    for (int r = 0; r < MR; r++) {
      v128_t a = wasm_v128_load32_splat(A + (size_t)r * K + kk);
      c[r][0] = wasm_f32x4_add(c[r][0], wasm_f32x4_mul(a, v0));
      c[r][1] = wasm_f32x4_add(c[r][1], wasm_f32x4_mul(a, v1));
    }
  }
  int col = p * NR;
  for (int r = 0; r < MR; r++) {
    float *o = out + (size_t)r * ldo + (col - n0);
    v128_t lo = vact(c[r][0], epi), hi = vact(c[r][1], epi);
    if (col >= n0 && col + NR <= n1) {
      wasm_v128_store(o, lo);
      wasm_v128_store(o + 4, hi);
    } else {
      float tmp[NR];
      wasm_v128_store(tmp, lo);
      wasm_v128_store(tmp + 4, hi);
      for (int j = 0; j < NR; j++)
        if (col + j >= n0 && col + j < n1) o[j] = tmp[j];
    }
  }
}

EDGEK_EXPORT(edgek_gemm_run) int32_t gemm_run(int32_t h, edgek_tile *t) {
  kernel *k = get_handle(h, EDGEK_OP_GEMM);
  if (!k) return EDGEK_EHANDLE;
  const int M = t->in_h;
  if (t->in_c != 1 || t->in_w != k->d.c_in || M < 1 || t->out_h != M || t->oc0 < 0 || t->oc1 > k->d.c_out ||
      t->oc0 >= t->oc1 || t->out_w != t->oc1 - t->oc0)
    return EDGEK_EINVAL;
  for (int p = t->oc0 / NR; p * NR < t->oc1; p++) {
    int i = 0;
    for (; i + 4 <= M; i += 4) gemm_tile(k, t, i, p, 4);
    for (; i < M; i++) gemm_tile(k, t, i, p, 1);
  }
  t->res_c = 1;
  t->res_h = M;
  t->res_w = t->oc1 - t->oc0;
  return EDGEK_OK;
}
