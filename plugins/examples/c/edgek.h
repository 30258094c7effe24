/*
 * edgek.h: the edgectl kernel-plugin ABI, version 1, for C authors.
 * The normative text is plugins/ABI.md; this header only transcribes it.
 *
 * Build with clang --target=wasm32 -nostdlib (no libc): a plugin imports
 * nothing, exports its linear memory as "memory" and the functions below.
 */
#ifndef EDGEK_H
#define EDGEK_H

#include <stdint.h>
#include <stddef.h>

#define EDGEK_ABI_VERSION 1

/* Status codes: 0 is success, errors are negative. */
#define EDGEK_OK 0
#define EDGEK_EINVAL (-1)       /* malformed descriptor or tile */
#define EDGEK_ENOMEM (-2)       /* out of linear memory */
#define EDGEK_EUNSUPPORTED (-3) /* shape or attribute outside the manifest */
#define EDGEK_EHANDLE (-4)      /* unknown handle */
#define EDGEK_EINTERNAL (-5)    /* anything else */

/* Op kinds (edgek_op.op). */
#define EDGEK_OP_CONV2D 1
#define EDGEK_OP_DWCONV2D 2
#define EDGEK_OP_GEMM 3
#define EDGEK_OP_MAXPOOL2D 4
#define EDGEK_OP_AVGPOOL2D 5

/* Epilogues (edgek_op.epilogue), applied after the bias. */
#define EDGEK_EPI_NONE 0
#define EDGEK_EPI_RELU 1

/* edgek_op describes one node; it is handed to *_prepare once. 64 bytes. */
typedef struct {
  int32_t op;       /* EDGEK_OP_* */
  int32_t c_in;     /* conv2d: input channels; dwconv2d, pools: channels; gemm: K */
  int32_t c_out;    /* conv2d: output channels; dwconv2d, pools: channels; gemm: N */
  int32_t kh, kw;   /* kernel (gemm: 1, 1) */
  int32_t sh, sw;   /* strides (gemm: 1, 1) */
  int32_t dh, dw;   /* dilations (gemm: 1, 1) */
  int32_t epilogue; /* EDGEK_EPI_* */
  int32_t weights;  /* conv2d [c_out][c_in][kh][kw], dwconv2d [c][1][kh][kw],
                       gemm B [K][N] row-major; pools 0. Owned by the plugin
                       from *_prepare on (allocated with edgek_alloc). */
  int32_t bias;     /* [c_out] (gemm [N]) or 0; owned by the plugin likewise */
  int32_t max_in_h; /* largest tile in_h that will be run (gemm: largest M) */
  int32_t max_in_w; /* largest tile in_w (gemm: K) */
  int32_t flags;    /* EDGEK_FLAG_* hints */
  int32_t reserved;
} edgek_op;

/* edgek_op.flags: the host interrupts calls at loop headers (untrusted
 * mode); every loop iteration then costs a check: prefer long loop bodies. */
#define EDGEK_FLAG_LOOP_CHECKS 1

/* edgek_tile is one call's work; the host reuses it for many calls. 64 bytes.
 * Images are NCHW float32 with N = 1 and already padded by the host: the
 * plugin computes a VALID window op with
 *   out_h = (in_h - ((kh-1)*dh + 1)) / sh + 1   (exact), likewise out_w. */
typedef struct {
  int32_t in;           /* conv2d [c_in][in_h][in_w]; dwconv2d, pools
                           [oc1-oc0][in_h][in_w]; gemm A [in_h = M][in_w = K] */
  int32_t in_c;         /* channels in `in` (gemm: 1) */
  int32_t in_h, in_w;
  int32_t out;          /* [oc1-oc0][out_h][out_w]; gemm [M][oc1-oc0] */
  int32_t out_h, out_w; /* gemm: M and oc1-oc0 */
  int32_t oc0, oc1;     /* output channels (gemm: columns) of this tile */
  int32_t res_c, res_h, res_w; /* written by the plugin: the shape it wrote */
  int32_t reserved[4];
} edgek_tile;

#define EDGEK_EXPORT(name) __attribute__((export_name(#name)))

/* Memory helpers every C example links (edgek_mem.c). */
void *edgek_mem_alloc(size_t n);
void edgek_mem_free(void *p);
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

#endif
