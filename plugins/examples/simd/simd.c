/*
 * simd.c: an example vendor plugin with wasm SIMD128 kernels: the
 * convolution (3x3 and 1x1, strides 1 and 2) as an implicit GEMM over
 * aligned input panels with a 1 output channel x 48 positions micro-kernel
 * and broadcast weights, and a 4x8 GEMM micro-kernel over packed B panels.
 * Bias and ReLU are fused. ABI: plugins/ABI.md. Build: make plugins
 * (mk/plugins.mk). Why the code looks the way it does:
 * plugins/examples/README.md.
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

#define NR 8  /* columns per GEMM panel */
#define MAX_HANDLES 4096

typedef struct {
  edgek_op d;
  uint32_t id; /* unique per prepare: keys the broadcast cache */
  float *w;    /* conv: [c_out][c_in][kh][kw] as handed over; gemm: [ceil(N/NR)][K][NR] */
  float *bias; /* conv [c_out], gemm [N padded]; zeros when absent */
} kernel;

static kernel *handles[MAX_HANDLES];
static uint32_t bc_id; /* the node whose broadcast weights are cached (below) */

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

static void release_kernel(kernel *k) {
  if (k->id == bc_id) bc_id = 0;
  edgek_mem_free(k->w);
  edgek_mem_free(k->bias);
  edgek_mem_free(k);
}

EDGEK_EXPORT(edgek_release) void release(int32_t h) {
  if (h < 1 || h > MAX_HANDLES || !handles[h - 1]) return;
  release_kernel(handles[h - 1]);
  handles[h - 1] = 0;
}

static inline v128_t vact(v128_t v, int epi) {
  return epi == EDGEK_EPI_RELU ? wasm_f32x4_pmax(v, wasm_f32x4_splat(0)) : v;
}

/* ---- convolution ----
 *
 * Implicit GEMM. For a chunk of input channels (KMAX panel rows k = (ic, ky,
 * kx)) and a block of PW consecutive output positions (flattened y*out_w+x,
 * so narrow rows fill the block too), the panel [k][PW] holds the input
 * values the taps multiply, copied so that every load the micro-kernel makes
 * is 16-byte aligned and at a constant offset from one base. The weights are
 * broadcast, [oc][k][4] (cached per node, bc_get), so a weight is one
 * v128.load instead of a load32_splat (movzx, pinsrd, pshufd: 25% slower,
 * measured). The micro-kernel computes one output channel x PW positions
 * (12 accumulators; 8 or 4 for the last block) per pass over the panel: per
 * k one weight load and 12 x (load, mul, add), the fewest instructions
 * wazero's two-operand SSE code allows without FMA or memory operands.
 * Partial sums live in the output between chunks; the panel (KMAX x PS
 * floats, 15 KiB) stays in L1 while every output channel streams past it. */

#define PW 48            /* output positions per panel block: 12 vectors */
#define PS (PW + 4)      /* panel row stride: runs may write 3 floats past PW */
#define KMAX 72          /* panel rows per chunk: 8 input channels of 3x3 */

/* OPAQUE hides a value from clang: the broadcast weight stays the second
 * operand of the multiply, so wazero copies the (dead) panel vector instead
 * of the weight. TIE keeps clang from moving a k step's arithmetic away from
 * its loads (it would otherwise load everything first and spill). */
#define OPAQUE(x) __asm__("" : "+r"(x))
#define TIE4(a) __asm__ volatile("" : "+r"(a[0]), "+r"(a[1]), "+r"(a[2]), "+r"(a[3])::"memory")
#define TIE8(a)                                                                                     \
  __asm__ volatile("" : "+r"(a[0]), "+r"(a[1]), "+r"(a[2]), "+r"(a[3]), "+r"(a[4]), "+r"(a[5]),   \
                   "+r"(a[6]), "+r"(a[7])::"memory")
#define TIE12(a)                                                                                   \
  __asm__ volatile("" : "+r"(a[0]), "+r"(a[1]), "+r"(a[2]), "+r"(a[3]), "+r"(a[4]), "+r"(a[5]),  \
                   "+r"(a[6]), "+r"(a[7]), "+r"(a[8]), "+r"(a[9]), "+r"(a[10]), "+r"(a[11])::"memory")
/* PROBE touches a base at its largest offset first: wazero then checks the
 * bounds once for all the loads of the block from that base. */
#define PROBE(p, off) ((void)*(volatile const float *)((p) + (off)))
#define UNROLL _Pragma("clang loop unroll(full)")

/* One k step: acc[j] += panel[k][4j..4j+3] * wb[k]. */
#define KSTEP(J, acc, pp, wp, k)                                                               \
  do {                                                                                         \
    v128_t w_ = wasm_v128_load((wp) + 4 * (k));                                                \
    OPAQUE(w_);                                                                                \
    UNROLL for (int j_ = 0; j_ < (J); j_++) acc[j_] =                                          \
        wasm_f32x4_add(acc[j_], wasm_f32x4_mul(wasm_v128_load((pp) + (k) * PS + 4 * j_), w_));  \
    TIE##J(acc);                                                                               \
  } while (0)

/* The micro-kernel: c[0..4J) = (first ? bias : c) + sum over k < kk of
 * wp[k] * panel[k][0..4J), ReLU when relu, for one output channel. wp is
 * [kk][4] (broadcast). 36 k steps per loop iteration (18 is slower guarded,
 * a whole 72-step chunk is slower in both modes: the body no longer fits
 * the op cache), then 9, then 1. The bases are re-defined (OPAQUE) inside
 * each loop: loads from a loop-invariant value defined outside it got a
 * bounds check each.
 *
 * With SPILL (guarded builds) the accumulators pass through c at every
 * iteration, so that no vector is live at a loop header: wazero's deadline
 * check there leaves the compiled code and saves and restores every live
 * vector register, 32 ns per check with twelve accumulators live against
 * 6 ns with none (measured), while the reload costs 24 of ~1350
 * instructions. */
#define KU 36
#define KLOOP(J, SPILL, U)                                                                               \
  for (; k + (U) <= kk; k += (U), wp += 4 * (U), pp += PS * (U)) {                                       \
    OPAQUE(wp);                                                                                          \
    OPAQUE(pp);                                                                                          \
    PROBE(wp, 4 * (U)-1);                                                                                \
    PROBE(pp, (U)*PS - 1);                                                                               \
    if (SPILL) {                                                                                         \
      OPAQUE(c);                                                                                         \
      PROBE(c, 4 * (J)-1);                                                                               \
      UNROLL for (int j = 0; j < (J); j++) acc[j] = wasm_v128_load(c + 4 * j);                           \
    }                                                                                                    \
    UNROLL for (int u = 0; u < (U); u++) KSTEP(J, acc, pp, wp, u);                                       \
    if (SPILL) {                                                                                         \
      UNROLL for (int j = 0; j < (J); j++) wasm_v128_store(c + 4 * j, acc[j]);                           \
      __asm__ volatile("" ::: "memory");                                                                 \
    }                                                                                                    \
  }
#define DEF_KERN(NAME, J, SPILL)                                                                         \
  __attribute__((noinline)) static void NAME(const float *wp, const float *pp, int kk, float *c, float bias, \
                                             int first, int relu) {                                      \
    v128_t acc[J];                                                                                       \
    if (first) {                                                                                         \
      const v128_t b = wasm_f32x4_splat(bias);                                                           \
      UNROLL for (int j = 0; j < (J); j++) acc[j] = b;                                                   \
    } else {                                                                                             \
      PROBE(c, 4 * (J)-1);                                                                               \
      UNROLL for (int j = 0; j < (J); j++) acc[j] = wasm_v128_load(c + 4 * j);                           \
    }                                                                                                    \
    if (SPILL) {                                                                                         \
      PROBE(c, 4 * (J)-1);                                                                               \
      UNROLL for (int j = 0; j < (J); j++) wasm_v128_store(c + 4 * j, acc[j]);                           \
      __asm__ volatile("" ::: "memory");                                                                 \
    }                                                                                                    \
    int k = 0;                                                                                           \
    KLOOP(J, SPILL, KU)                                                                                  \
    KLOOP(J, SPILL, 9)                                                                                   \
    if (SPILL) {                                                                                         \
      OPAQUE(c);                                                                                         \
      PROBE(c, 4 * (J)-1);                                                                               \
      UNROLL for (int j = 0; j < (J); j++) acc[j] = wasm_v128_load(c + 4 * j);                           \
    }                                                                                                    \
    for (; k < kk; k++, wp += 4, pp += PS) KSTEP(J, acc, pp, wp, 0);                                     \
    if (relu) UNROLL for (int j = 0; j < (J); j++) acc[j] = wasm_f32x4_pmax(acc[j], wasm_f32x4_splat(0)); \
    PROBE(c, 4 * (J)-1);                                                                                 \
    UNROLL for (int j = 0; j < (J); j++) wasm_v128_store(c + 4 * j, acc[j]);                             \
  }
DEF_KERN(kern12, 12, 0)
DEF_KERN(kern8, 8, 0)
DEF_KERN(kern4, 4, 0)
DEF_KERN(kern12g, 12, 1)
DEF_KERN(kern8g, 8, 1)
DEF_KERN(kern4g, 4, 1)

/* A run of output positions within one output row: panel columns
 * [dst, dst+len) come from input offset src (+ the tap's offset). */
typedef struct {
  int dst, src, len;
} run_t;

/* copy1 copies len <= PW floats (stride 1) as ceil(len/4) vectors: it may
 * read 3 floats past the run (inside the buffer or its 64-byte slack) and
 * write 3 floats past it (the panel row's padding or a later run). A
 * switch, not a loop: no loop check in guarded mode. */
static inline __attribute__((always_inline)) void copy1(float *d, const float *s, int len) {
#define V(i) wasm_v128_store(d + 4 * (i), wasm_v128_load(s + 4 * (i)))
  switch ((len + 3) >> 2) {
  case 12: V(11); /* fall through */
  case 11: V(10); /* fall through */
  case 10: V(9); /* fall through */
  case 9: V(8); /* fall through */
  case 8: V(7); /* fall through */
  case 7: V(6); /* fall through */
  case 6: V(5); /* fall through */
  case 5: V(4); /* fall through */
  case 4: V(3); /* fall through */
  case 3: V(2); /* fall through */
  case 2: V(1); /* fall through */
  case 1: V(0);
  }
#undef V
}

/* copy_exact copies n < PW floats, no more (the output's last row). */
static inline __attribute__((always_inline)) void copy_exact(float *d, const float *s, int n) {
  copy1(d, s, n & ~3);
  d += n & ~3, s += n & ~3;
  if (n & 2) wasm_v128_store64_lane(d, wasm_v128_load64_zero(s), 0), d += 2, s += 2;
  if (n & 1) *d = *s;
}

/* build_panel fills panel rows (ic, ky, kx) for input channels [ic0,
 * ic0+nic) from the runs of one block. KT is kh*kw (9 or 1), a constant. */
static inline __attribute__((always_inline)) void build_panel(float *panel, const float *in, int plane, int iw,
                                                              int ic0, int nic, const run_t *r, int nr, int sw,
                                                              const int KT) {
  int toff[9];
  for (int t = 0; t < KT; t++) toff[t] = KT == 9 ? (t / 3) * iw + t % 3 : 0;
  for (int ic = 0; ic < nic; ic++) {
    const float *src = in + (size_t)(ic0 + ic) * plane;
    float *dst = panel + (size_t)ic * KT * PS;
    for (int i = 0; i < nr; i++) {
      const float *s = src + r[i].src;
      float *d = dst + r[i].dst;
      const int len = r[i].len;
      if (sw == 1) {
        UNROLL for (int t = 0; t < KT; t++) copy1(d + t * PS, s + toff[t], len);
      } else {
        for (int t = 0; t < KT; t++)
          for (int j = 0; j < len; j++) d[t * PS + j] = s[toff[t] + j * sw];
      }
    }
  }
}

/* broadcast writes wb[oc][k] = {w,w,w,w} for oc < noc, k < kk from
 * w[oc * ldw + k]. */
static void broadcast(float *wb, const float *w, int noc, int kk, size_t ldw) {
  for (int oc = 0; oc < noc; oc++, w += ldw, wb += (size_t)kk * 4) {
    if (kk == KMAX) {
      UNROLL for (int i = 0; i < KMAX; i++) wasm_v128_store(wb + 4 * i, wasm_v128_load32_splat(w + i));
    } else {
      for (int i = 0; i < kk; i++) wasm_v128_store(wb + 4 * i, wasm_v128_load32_splat(w + i));
    }
  }
}

/* The broadcast weights of one node, all chunks ([chunk][c_out][kk][4]),
 * kept across calls: a node's tiles run one after the other, and deep
 * layers come in tiles of one or two output rows, where broadcasting the
 * weights on every call would cost about as much as the convolution. Only
 * the node that ran last is kept (4x its weights, at most BC_MAX bytes);
 * larger nodes broadcast chunk by chunk on every call. */
#define BC_MAX ((size_t)64 << 20)
static uint32_t next_id;
static float *bc;
static size_t bc_floats;

static const float *bc_get(const kernel *k) {
  const edgek_op *d = &k->d;
  const size_t n = (size_t)d->c_out * d->c_in * d->kh * d->kw * 4;
  if (n * sizeof(float) > BC_MAX) return 0;
  if (bc_id == k->id) return bc;
  if (n > bc_floats) {
    edgek_mem_free(bc);
    bc = edgek_mem_alloc(n * sizeof(float));
    bc_floats = bc ? n : 0;
    bc_id = 0;
    if (!bc) return 0;
  }
  const int KT = d->kh * d->kw, icc = KMAX / KT;
  for (int ic0 = 0; ic0 < d->c_in; ic0 += icc) {
    const int kk = (d->c_in - ic0 < icc ? d->c_in - ic0 : icc) * KT;
    broadcast(bc + (size_t)d->c_out * ic0 * KT * 4, k->w + (size_t)ic0 * KT, d->c_out, kk, (size_t)d->c_in * KT);
  }
  bc_id = k->id;
  return bc;
}

/* The scratch of the convolution, shared by all nodes (an instance runs
 * one call at a time): broadcast weights, the panel, the tail block. */
static float *scratch;
static size_t scratch_floats;

static float *scratch_get(size_t n) {
  if (n <= scratch_floats) return scratch;
  edgek_mem_free(scratch);
  scratch = edgek_mem_alloc(n * sizeof(float));
  scratch_floats = scratch ? n : 0;
  if (scratch) memset(scratch, 0, n * sizeof(float)); /* panel padding stays finite */
  return scratch;
}

EDGEK_EXPORT(edgek_conv2d_prepare) int32_t conv2d_prepare(const edgek_op *d) {
  if (d->op != EDGEK_OP_CONV2D || d->c_in < 1 || d->c_out < 1 || d->c_in > 8192 || d->c_out > 8192)
    return EDGEK_EINVAL;
  if (!((d->kh == 3 && d->kw == 3) || (d->kh == 1 && d->kw == 1))) return EDGEK_EUNSUPPORTED;
  if (d->sh != d->sw || (d->sh != 1 && d->sh != 2) || d->dh != 1 || d->dw != 1) return EDGEK_EUNSUPPORTED;
  if (d->epilogue != EDGEK_EPI_NONE && d->epilogue != EDGEK_EPI_RELU) return EDGEK_EUNSUPPORTED;
  kernel *k = edgek_mem_alloc(sizeof(kernel));
  float *bias = edgek_mem_alloc((size_t)d->c_out * sizeof(float));
  if (!k || !bias) {
    edgek_mem_free(k);
    edgek_mem_free(bias);
    return EDGEK_ENOMEM;
  }
  /* The weights are ours now and already [c_out][c_in][kh][kw]: keep them. */
  k->d = *d;
  k->id = ++next_id;
  k->w = (float *)(uintptr_t)d->weights;
  const float *b = (const float *)(uintptr_t)d->bias;
  for (int oc = 0; oc < d->c_out; oc++) bias[oc] = b ? b[oc] : 0;
  edgek_mem_free((void *)b);
  k->bias = bias;
  int32_t h = put_handle(k);
  if (h < 0) release_kernel(k);
  return h;
}

EDGEK_EXPORT(edgek_conv2d_run) int32_t conv2d_run(int32_t h, edgek_tile *t) {
  kernel *k = get_handle(h, EDGEK_OP_CONV2D);
  if (!k) return EDGEK_EHANDLE;
  const edgek_op *d = &k->d;
  if (t->in_c != d->c_in || t->oc0 < 0 || t->oc1 > d->c_out || t->oc0 >= t->oc1 || t->out_h < 1 ||
      t->out_w < 1 || t->in_h != (t->out_h - 1) * d->sh + d->kh || t->in_w != (t->out_w - 1) * d->sw + d->kw)
    return EDGEK_EINVAL;
  const int cin = d->c_in, KT = d->kh * d->kw, sw = d->sw, iw = t->in_w, ow = t->out_w;
  const int noc = t->oc1 - t->oc0, npos = t->out_h * ow, plane = t->in_h * iw;
  const int icc = KMAX / KT; /* input channels per chunk */
  const int guarded = d->flags & EDGEK_FLAG_LOOP_CHECKS;
  const float *cached = bc_get(k);
  float *wb = scratch_get((cached ? 0 : (size_t)noc * KMAX * 4) + KMAX * PS + 16 + (size_t)noc * PW);
  if (!wb) return EDGEK_ENOMEM;
  float *panel = wb + (cached ? 0 : (size_t)noc * KMAX * 4), *tail = panel + KMAX * PS + 16;
  const float *in = (const float *)(uintptr_t)t->in;
  float *out = (float *)(uintptr_t)t->out;
  const float *bias = k->bias + t->oc0;
  run_t runs[PW];
  for (int ic0 = 0; ic0 < cin; ic0 += icc) {
    const int nic = cin - ic0 < icc ? cin - ic0 : icc, kk = nic * KT;
    const int first = ic0 == 0, last = ic0 + nic == cin, relu = last && d->epilogue == EDGEK_EPI_RELU;
    /* The chunk's weights, broadcast: [oc][ic0*KT, +kk) are consecutive. */
    const float *wc = cached ? cached + ((size_t)d->c_out * ic0 * KT + (size_t)t->oc0 * kk) * 4 : wb;
    if (!cached) broadcast(wb, k->w + ((size_t)t->oc0 * cin + ic0) * KT, noc, kk, (size_t)cin * KT);
    for (int p = 0; p < npos; p += PW) {
      const int n = npos - p < PW ? npos - p : PW, J = n > 32 ? 12 : n > 16 ? 8 : 4, full = n == 4 * J;
      int nr = 0;
      for (int i = 0; i < n;) {
        const int q = p + i, y = q / ow, x = q % ow, len = ow - x < n - i ? ow - x : n - i;
        runs[nr++] = (run_t){i, y * d->sh * iw + x * sw, len};
        i += len;
      }
      if (KT == 9)
        build_panel(panel, in, plane, iw, ic0, nic, runs, nr, sw, 9);
      else
        build_panel(panel, in, plane, iw, ic0, nic, runs, nr, sw, 1);
      /* A full block accumulates in the output; a partial one (the last)
       * in rows of its own, copied out after the last chunk. */
      for (int oc = 0; oc < noc; oc++) {
        const float *wp = wc + (size_t)oc * kk * 4;
        float *c = full ? out + (size_t)oc * npos + p : tail + (size_t)oc * PW;
        if (guarded)
          (J == 12 ? kern12g : J == 8 ? kern8g : kern4g)(wp, panel, kk, c, bias[oc], first, relu);
        else
          (J == 12 ? kern12 : J == 8 ? kern8 : kern4)(wp, panel, kk, c, bias[oc], first, relu);
        if (!full && last) copy_exact(out + (size_t)oc * npos + p, c, n);
      }
    }
  }
  t->res_c = noc;
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
