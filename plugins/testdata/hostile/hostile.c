/*
 * hostile.c: test plugins that misbehave, one per -DHOSTILE_<KIND>. Each is
 * a correct scalar 3x3/1x1 stride-1 conv2d plugin until it misbehaves:
 * always (TRIGGER 0), or only on tiles at least TRIGGER columns wide, so it
 * passes the conformance check (whose tiles stay below 32 columns) and
 * misbehaves later, at run time.
 *
 *   LOOP       loops for ever in edgek_conv2d_run
 *   RECURSE    recurses exponentially without any loop (2^60 calls)
 *   OOB        reads far outside its linear memory (a trap)
 *   MEMBOMB    grows its memory until the host's limit, then says ENOMEM
 *   WRONG      adds 0.25 to every output (wrong results)
 *   WRONGSHAPE reports one output row fewer than asked
 *   OVERRUN    writes one value past the end of its output tile
 *   ABI        says it speaks ABI version 2
 *   MANIFEST   ships a manifest with an unknown op and an unknown field
 *   IMPORT     imports a function the host does not provide
 *
 * Built by make plugins (mk/plugins.mk) into plugins/build/hostile_*.wasm.
 */
#include "../../examples/c/edgek.h"

#ifndef TRIGGER
#define TRIGGER 32
#endif

#ifdef HOSTILE_MANIFEST
static const char manifest[] =
    "{\"abi\":1,\"name\":\"hostile\",\"version\":\"0\",\"color\":\"red\","
    "\"kernels\":[{\"op\":\"conv9d\",\"dtypes\":[\"float32\"],\"layouts\":[\"NCHW\"],\"kernel_sizes\":[[3,3]]}]}";
#else
static const char manifest[] =
    "{\"abi\":1,\"name\":\"hostile\",\"version\":\"0\","
    "\"kernels\":[{\"op\":\"conv2d\",\"dtypes\":[\"float32\"],\"layouts\":[\"NCHW\"],"
    "\"kernel_sizes\":[[1,1],[3,3]],\"epilogues\":[\"none\",\"relu\"]}]}";
#endif

#ifdef HOSTILE_IMPORT
__attribute__((import_module("env"), import_name("host_open"))) int host_open(const char *path);
#endif

EDGEK_EXPORT(edgek_abi_version) int32_t abi_version(void) {
#ifdef HOSTILE_ABI
  return 2;
#else
  return EDGEK_ABI_VERSION;
#endif
}
EDGEK_EXPORT(edgek_manifest_ptr) int32_t manifest_ptr(void) {
#ifdef HOSTILE_IMPORT
  host_open("/etc/passwd");
#endif
  return (int32_t)(uintptr_t)manifest;
}
EDGEK_EXPORT(edgek_manifest_len) int32_t manifest_len(void) { return (int32_t)sizeof(manifest) - 1; }

typedef struct {
  edgek_op d;
  const float *w, *b;
} kernel;

static kernel kernels[256];
static int nkernels;

EDGEK_EXPORT(edgek_conv2d_prepare) int32_t prepare(const edgek_op *d) {
  if (nkernels == 256) return EDGEK_ENOMEM;
  if (d->sh != 1 || d->sw != 1 || d->dh != 1 || d->dw != 1) return EDGEK_EUNSUPPORTED;
  kernels[nkernels].d = *d;
  kernels[nkernels].w = (const float *)(uintptr_t)d->weights;
  kernels[nkernels].b = (const float *)(uintptr_t)d->bias;
  return ++nkernels;
}

EDGEK_EXPORT(edgek_release) void release(int32_t h) { (void)h; }

volatile int32_t sink;

#ifdef HOSTILE_RECURSE
/* Called through a volatile pointer, so clang can neither inline it nor
 * turn the tail call into a loop: the module has no loop on this path. */
static void recurse(int depth);
static void (*volatile recurse_ptr)(int) = recurse;
static void recurse(int depth) {
  sink++;
  if (depth == 0) return;
  recurse_ptr(depth - 1);
  recurse_ptr(depth - 1);
}
#endif

/* misbehave returns a status to return instead of computing, or 1 to go on. */
static int32_t misbehave(edgek_tile *t) {
  if (t->in_w < TRIGGER) return 1;
#if defined(HOSTILE_LOOP)
  for (;;) sink++;
#elif defined(HOSTILE_RECURSE)
  recurse_ptr(60);
#elif defined(HOSTILE_OOB)
  return (int32_t) * (volatile float *)(uintptr_t)0xfffffff0u;
#elif defined(HOSTILE_MEMBOMB)
  while (__builtin_wasm_memory_grow(0, 64) != (size_t)-1) sink++;
  return EDGEK_ENOMEM;
#endif
  (void)t;
  return 1;
}

EDGEK_EXPORT(edgek_conv2d_run) int32_t run(int32_t h, edgek_tile *t) {
  if (h < 1 || h > nkernels) return EDGEK_EHANDLE;
  const kernel *k = &kernels[h - 1];
  int32_t st = misbehave(t);
  if (st != 1) return st;
  const int cin = k->d.c_in, KH = k->d.kh, KW = k->d.kw;
  const float *in = (const float *)(uintptr_t)t->in;
  float *out = (float *)(uintptr_t)t->out;
  for (int oc = t->oc0; oc < t->oc1; oc++)
    for (int y = 0; y < t->out_h; y++)
      for (int x = 0; x < t->out_w; x++) {
        float s = k->b ? k->b[oc] : 0;
        for (int ic = 0; ic < cin; ic++)
          for (int ky = 0; ky < KH; ky++)
            for (int kx = 0; kx < KW; kx++)
              s += k->w[((oc * cin + ic) * KH + ky) * KW + kx] * in[(ic * t->in_h + y + ky) * t->in_w + x + kx];
        if (k->d.epilogue == EDGEK_EPI_RELU && s < 0) s = 0;
#ifdef HOSTILE_WRONG
        s += 0.25f;
#endif
        out[((oc - t->oc0) * t->out_h + y) * t->out_w + x] = s;
      }
  t->res_c = t->oc1 - t->oc0;
  t->res_h = t->out_h;
  t->res_w = t->out_w;
#ifdef HOSTILE_WRONGSHAPE
  if (t->in_w >= TRIGGER) t->res_h = t->out_h - 1;
#endif
#ifdef HOSTILE_OVERRUN
  if (t->in_w >= TRIGGER) out[(t->oc1 - t->oc0) * t->out_h * t->out_w] = 1;
#endif
  return EDGEK_OK;
}
