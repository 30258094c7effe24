//go:build !noasm

#include "textflag.h"

// The NEON micro-kernels, written by hand (avo generates amd64 only). Go's
// arm64 assembler has no by-element FMLA and no vector FADD, FMAX, FMIN,
// FMUL, FCMGT or BIT, so those are WORD encodings; each carries the
// instruction it encodes as a comment (encodings from GNU as).

// func sgemm8x8(kc int, a, b, c *float32, ldc, mr, flags int, rowBias, colBias, params *float32)
//
// sgemm8x8 computes the 8x8 tile T = sum over k < kc of a[k*8+r] * b[k*8+j]
// and stores its first mr rows to c (row stride ldc elements), adding C
// first when flags bit 0 is set, then the row bias (bit 1), the column bias (bit 2) and the
// activation (flags >> 4): 1 clamp, 2 leaky, 3 hard-swish, with constants
// params[0], params[8], params[16].
//
// Registers: V0..V15 the tile (row r in V2r: columns 0-3, V2r+1: 4-7),
// V16/V17 a k-row of B, V18/V19 a k-column of A; each k-step is two loads
// and sixteen FMLA by element.
TEXT ·sgemm8x8(SB), NOSPLIT, $0-80
	MOVD kc+0(FP), R0
	MOVD a+8(FP), R1
	MOVD b+16(FP), R2
	MOVD c+24(FP), R3
	MOVD ldc+32(FP), R4
	LSL $2, R4, R4
	MOVD mr+40(FP), R8
	MOVD flags+48(FP), R5
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	CBZ R0, epilogue
sgemm_loop:
	VLD1.P 32(R2), [V16.S4, V17.S4]
	VLD1.P 32(R1), [V18.S4, V19.S4]
	WORD $0x4f921200 // fmla v0.4s, v16.4s, v18.s[0]
	WORD $0x4f921221 // fmla v1.4s, v17.4s, v18.s[0]
	WORD $0x4fb21202 // fmla v2.4s, v16.4s, v18.s[1]
	WORD $0x4fb21223 // fmla v3.4s, v17.4s, v18.s[1]
	WORD $0x4f921a04 // fmla v4.4s, v16.4s, v18.s[2]
	WORD $0x4f921a25 // fmla v5.4s, v17.4s, v18.s[2]
	WORD $0x4fb21a06 // fmla v6.4s, v16.4s, v18.s[3]
	WORD $0x4fb21a27 // fmla v7.4s, v17.4s, v18.s[3]
	WORD $0x4f931208 // fmla v8.4s, v16.4s, v19.s[0]
	WORD $0x4f931229 // fmla v9.4s, v17.4s, v19.s[0]
	WORD $0x4fb3120a // fmla v10.4s, v16.4s, v19.s[1]
	WORD $0x4fb3122b // fmla v11.4s, v17.4s, v19.s[1]
	WORD $0x4f931a0c // fmla v12.4s, v16.4s, v19.s[2]
	WORD $0x4f931a2d // fmla v13.4s, v17.4s, v19.s[2]
	WORD $0x4fb31a0e // fmla v14.4s, v16.4s, v19.s[3]
	WORD $0x4fb31a2f // fmla v15.4s, v17.4s, v19.s[3]
	SUBS $1, R0, R0
	BNE sgemm_loop
epilogue:
	TBZ $0, R5, rowbias
	MOVD R3, R6
	VLD1 (R6), [V16.S4, V17.S4]
	WORD $0x4e30d400 // fadd v0.4s, v0.4s, v16.4s
	WORD $0x4e31d421 // fadd v1.4s, v1.4s, v17.4s
	ADD R4, R6, R6
	CMP $1, R8
	BLE rowbias
	VLD1 (R6), [V16.S4, V17.S4]
	WORD $0x4e30d442 // fadd v2.4s, v2.4s, v16.4s
	WORD $0x4e31d463 // fadd v3.4s, v3.4s, v17.4s
	ADD R4, R6, R6
	CMP $2, R8
	BLE rowbias
	VLD1 (R6), [V16.S4, V17.S4]
	WORD $0x4e30d484 // fadd v4.4s, v4.4s, v16.4s
	WORD $0x4e31d4a5 // fadd v5.4s, v5.4s, v17.4s
	ADD R4, R6, R6
	CMP $3, R8
	BLE rowbias
	VLD1 (R6), [V16.S4, V17.S4]
	WORD $0x4e30d4c6 // fadd v6.4s, v6.4s, v16.4s
	WORD $0x4e31d4e7 // fadd v7.4s, v7.4s, v17.4s
	ADD R4, R6, R6
	CMP $4, R8
	BLE rowbias
	VLD1 (R6), [V16.S4, V17.S4]
	WORD $0x4e30d508 // fadd v8.4s, v8.4s, v16.4s
	WORD $0x4e31d529 // fadd v9.4s, v9.4s, v17.4s
	ADD R4, R6, R6
	CMP $5, R8
	BLE rowbias
	VLD1 (R6), [V16.S4, V17.S4]
	WORD $0x4e30d54a // fadd v10.4s, v10.4s, v16.4s
	WORD $0x4e31d56b // fadd v11.4s, v11.4s, v17.4s
	ADD R4, R6, R6
	CMP $6, R8
	BLE rowbias
	VLD1 (R6), [V16.S4, V17.S4]
	WORD $0x4e30d58c // fadd v12.4s, v12.4s, v16.4s
	WORD $0x4e31d5ad // fadd v13.4s, v13.4s, v17.4s
	ADD R4, R6, R6
	CMP $7, R8
	BLE rowbias
	VLD1 (R6), [V16.S4, V17.S4]
	WORD $0x4e30d5ce // fadd v14.4s, v14.4s, v16.4s
	WORD $0x4e31d5ef // fadd v15.4s, v15.4s, v17.4s
	ADD R4, R6, R6
rowbias:
	TBZ $1, R5, colbias
	MOVD rowBias+56(FP), R6
	VLD1R.P 4(R6), [V16.S4]
	WORD $0x4e30d400 // fadd v0.4s, v0.4s, v16.4s
	WORD $0x4e30d421 // fadd v1.4s, v1.4s, v16.4s
	CMP $1, R8
	BLE colbias
	VLD1R.P 4(R6), [V16.S4]
	WORD $0x4e30d442 // fadd v2.4s, v2.4s, v16.4s
	WORD $0x4e30d463 // fadd v3.4s, v3.4s, v16.4s
	CMP $2, R8
	BLE colbias
	VLD1R.P 4(R6), [V16.S4]
	WORD $0x4e30d484 // fadd v4.4s, v4.4s, v16.4s
	WORD $0x4e30d4a5 // fadd v5.4s, v5.4s, v16.4s
	CMP $3, R8
	BLE colbias
	VLD1R.P 4(R6), [V16.S4]
	WORD $0x4e30d4c6 // fadd v6.4s, v6.4s, v16.4s
	WORD $0x4e30d4e7 // fadd v7.4s, v7.4s, v16.4s
	CMP $4, R8
	BLE colbias
	VLD1R.P 4(R6), [V16.S4]
	WORD $0x4e30d508 // fadd v8.4s, v8.4s, v16.4s
	WORD $0x4e30d529 // fadd v9.4s, v9.4s, v16.4s
	CMP $5, R8
	BLE colbias
	VLD1R.P 4(R6), [V16.S4]
	WORD $0x4e30d54a // fadd v10.4s, v10.4s, v16.4s
	WORD $0x4e30d56b // fadd v11.4s, v11.4s, v16.4s
	CMP $6, R8
	BLE colbias
	VLD1R.P 4(R6), [V16.S4]
	WORD $0x4e30d58c // fadd v12.4s, v12.4s, v16.4s
	WORD $0x4e30d5ad // fadd v13.4s, v13.4s, v16.4s
	CMP $7, R8
	BLE colbias
	VLD1R.P 4(R6), [V16.S4]
	WORD $0x4e30d5ce // fadd v14.4s, v14.4s, v16.4s
	WORD $0x4e30d5ef // fadd v15.4s, v15.4s, v16.4s
colbias:
	TBZ $2, R5, act
	MOVD colBias+64(FP), R6
	VLD1 (R6), [V16.S4, V17.S4]
	WORD $0x4e30d400 // fadd v0.4s, v0.4s, v16.4s
	WORD $0x4e31d421 // fadd v1.4s, v1.4s, v17.4s
	WORD $0x4e30d442 // fadd v2.4s, v2.4s, v16.4s
	WORD $0x4e31d463 // fadd v3.4s, v3.4s, v17.4s
	WORD $0x4e30d484 // fadd v4.4s, v4.4s, v16.4s
	WORD $0x4e31d4a5 // fadd v5.4s, v5.4s, v17.4s
	WORD $0x4e30d4c6 // fadd v6.4s, v6.4s, v16.4s
	WORD $0x4e31d4e7 // fadd v7.4s, v7.4s, v17.4s
	WORD $0x4e30d508 // fadd v8.4s, v8.4s, v16.4s
	WORD $0x4e31d529 // fadd v9.4s, v9.4s, v17.4s
	WORD $0x4e30d54a // fadd v10.4s, v10.4s, v16.4s
	WORD $0x4e31d56b // fadd v11.4s, v11.4s, v17.4s
	WORD $0x4e30d58c // fadd v12.4s, v12.4s, v16.4s
	WORD $0x4e31d5ad // fadd v13.4s, v13.4s, v17.4s
	WORD $0x4e30d5ce // fadd v14.4s, v14.4s, v16.4s
	WORD $0x4e31d5ef // fadd v15.4s, v15.4s, v17.4s
act:
	MOVD params+72(FP), R6
	LSR $4, R5, R7
	AND $15, R7, R7
	CMP $1, R7
	BEQ clamp
	CMP $2, R7
	BEQ leaky
	CMP $3, R7
	BEQ hswish
	B store
clamp:
	VLD1R (R6), [V16.S4]
	ADD $32, R6, R7
	VLD1R (R7), [V17.S4]
	WORD $0x4e30f400 // fmax v0.4s, v0.4s, v16.4s
	WORD $0x4eb1f400 // fmin v0.4s, v0.4s, v17.4s
	WORD $0x4e30f421 // fmax v1.4s, v1.4s, v16.4s
	WORD $0x4eb1f421 // fmin v1.4s, v1.4s, v17.4s
	WORD $0x4e30f442 // fmax v2.4s, v2.4s, v16.4s
	WORD $0x4eb1f442 // fmin v2.4s, v2.4s, v17.4s
	WORD $0x4e30f463 // fmax v3.4s, v3.4s, v16.4s
	WORD $0x4eb1f463 // fmin v3.4s, v3.4s, v17.4s
	WORD $0x4e30f484 // fmax v4.4s, v4.4s, v16.4s
	WORD $0x4eb1f484 // fmin v4.4s, v4.4s, v17.4s
	WORD $0x4e30f4a5 // fmax v5.4s, v5.4s, v16.4s
	WORD $0x4eb1f4a5 // fmin v5.4s, v5.4s, v17.4s
	WORD $0x4e30f4c6 // fmax v6.4s, v6.4s, v16.4s
	WORD $0x4eb1f4c6 // fmin v6.4s, v6.4s, v17.4s
	WORD $0x4e30f4e7 // fmax v7.4s, v7.4s, v16.4s
	WORD $0x4eb1f4e7 // fmin v7.4s, v7.4s, v17.4s
	WORD $0x4e30f508 // fmax v8.4s, v8.4s, v16.4s
	WORD $0x4eb1f508 // fmin v8.4s, v8.4s, v17.4s
	WORD $0x4e30f529 // fmax v9.4s, v9.4s, v16.4s
	WORD $0x4eb1f529 // fmin v9.4s, v9.4s, v17.4s
	WORD $0x4e30f54a // fmax v10.4s, v10.4s, v16.4s
	WORD $0x4eb1f54a // fmin v10.4s, v10.4s, v17.4s
	WORD $0x4e30f56b // fmax v11.4s, v11.4s, v16.4s
	WORD $0x4eb1f56b // fmin v11.4s, v11.4s, v17.4s
	WORD $0x4e30f58c // fmax v12.4s, v12.4s, v16.4s
	WORD $0x4eb1f58c // fmin v12.4s, v12.4s, v17.4s
	WORD $0x4e30f5ad // fmax v13.4s, v13.4s, v16.4s
	WORD $0x4eb1f5ad // fmin v13.4s, v13.4s, v17.4s
	WORD $0x4e30f5ce // fmax v14.4s, v14.4s, v16.4s
	WORD $0x4eb1f5ce // fmin v14.4s, v14.4s, v17.4s
	WORD $0x4e30f5ef // fmax v15.4s, v15.4s, v16.4s
	WORD $0x4eb1f5ef // fmin v15.4s, v15.4s, v17.4s
	B store
leaky:
	VLD1R (R6), [V16.S4]
	VEOR V17.B16, V17.B16, V17.B16
	WORD $0x6e30dc12 // fmul v18.4s, v0.4s, v16.4s
	WORD $0x6ea0e633 // fcmgt v19.4s, v17.4s, v0.4s
	WORD $0x6eb31e40 // bit v0.16b, v18.16b, v19.16b
	WORD $0x6e30dc32 // fmul v18.4s, v1.4s, v16.4s
	WORD $0x6ea1e633 // fcmgt v19.4s, v17.4s, v1.4s
	WORD $0x6eb31e41 // bit v1.16b, v18.16b, v19.16b
	WORD $0x6e30dc52 // fmul v18.4s, v2.4s, v16.4s
	WORD $0x6ea2e633 // fcmgt v19.4s, v17.4s, v2.4s
	WORD $0x6eb31e42 // bit v2.16b, v18.16b, v19.16b
	WORD $0x6e30dc72 // fmul v18.4s, v3.4s, v16.4s
	WORD $0x6ea3e633 // fcmgt v19.4s, v17.4s, v3.4s
	WORD $0x6eb31e43 // bit v3.16b, v18.16b, v19.16b
	WORD $0x6e30dc92 // fmul v18.4s, v4.4s, v16.4s
	WORD $0x6ea4e633 // fcmgt v19.4s, v17.4s, v4.4s
	WORD $0x6eb31e44 // bit v4.16b, v18.16b, v19.16b
	WORD $0x6e30dcb2 // fmul v18.4s, v5.4s, v16.4s
	WORD $0x6ea5e633 // fcmgt v19.4s, v17.4s, v5.4s
	WORD $0x6eb31e45 // bit v5.16b, v18.16b, v19.16b
	WORD $0x6e30dcd2 // fmul v18.4s, v6.4s, v16.4s
	WORD $0x6ea6e633 // fcmgt v19.4s, v17.4s, v6.4s
	WORD $0x6eb31e46 // bit v6.16b, v18.16b, v19.16b
	WORD $0x6e30dcf2 // fmul v18.4s, v7.4s, v16.4s
	WORD $0x6ea7e633 // fcmgt v19.4s, v17.4s, v7.4s
	WORD $0x6eb31e47 // bit v7.16b, v18.16b, v19.16b
	WORD $0x6e30dd12 // fmul v18.4s, v8.4s, v16.4s
	WORD $0x6ea8e633 // fcmgt v19.4s, v17.4s, v8.4s
	WORD $0x6eb31e48 // bit v8.16b, v18.16b, v19.16b
	WORD $0x6e30dd32 // fmul v18.4s, v9.4s, v16.4s
	WORD $0x6ea9e633 // fcmgt v19.4s, v17.4s, v9.4s
	WORD $0x6eb31e49 // bit v9.16b, v18.16b, v19.16b
	WORD $0x6e30dd52 // fmul v18.4s, v10.4s, v16.4s
	WORD $0x6eaae633 // fcmgt v19.4s, v17.4s, v10.4s
	WORD $0x6eb31e4a // bit v10.16b, v18.16b, v19.16b
	WORD $0x6e30dd72 // fmul v18.4s, v11.4s, v16.4s
	WORD $0x6eabe633 // fcmgt v19.4s, v17.4s, v11.4s
	WORD $0x6eb31e4b // bit v11.16b, v18.16b, v19.16b
	WORD $0x6e30dd92 // fmul v18.4s, v12.4s, v16.4s
	WORD $0x6eace633 // fcmgt v19.4s, v17.4s, v12.4s
	WORD $0x6eb31e4c // bit v12.16b, v18.16b, v19.16b
	WORD $0x6e30ddb2 // fmul v18.4s, v13.4s, v16.4s
	WORD $0x6eade633 // fcmgt v19.4s, v17.4s, v13.4s
	WORD $0x6eb31e4d // bit v13.16b, v18.16b, v19.16b
	WORD $0x6e30ddd2 // fmul v18.4s, v14.4s, v16.4s
	WORD $0x6eaee633 // fcmgt v19.4s, v17.4s, v14.4s
	WORD $0x6eb31e4e // bit v14.16b, v18.16b, v19.16b
	WORD $0x6e30ddf2 // fmul v18.4s, v15.4s, v16.4s
	WORD $0x6eafe633 // fcmgt v19.4s, v17.4s, v15.4s
	WORD $0x6eb31e4f // bit v15.16b, v18.16b, v19.16b
	B store
hswish:
	VLD1R (R6), [V16.S4]
	ADD $32, R6, R7
	VLD1R (R7), [V17.S4]
	ADD $64, R6, R7
	VLD1R (R7), [V18.S4]
	VEOR V19.B16, V19.B16, V19.B16
	WORD $0x6e30dc14 // fmul v20.4s, v0.4s, v16.4s
	WORD $0x4e31d694 // fadd v20.4s, v20.4s, v17.4s
	WORD $0x4eb2f694 // fmin v20.4s, v20.4s, v18.4s
	WORD $0x4e33f694 // fmax v20.4s, v20.4s, v19.4s
	WORD $0x6e34dc00 // fmul v0.4s, v0.4s, v20.4s
	WORD $0x6e30dc34 // fmul v20.4s, v1.4s, v16.4s
	WORD $0x4e31d694 // fadd v20.4s, v20.4s, v17.4s
	WORD $0x4eb2f694 // fmin v20.4s, v20.4s, v18.4s
	WORD $0x4e33f694 // fmax v20.4s, v20.4s, v19.4s
	WORD $0x6e34dc21 // fmul v1.4s, v1.4s, v20.4s
	WORD $0x6e30dc54 // fmul v20.4s, v2.4s, v16.4s
	WORD $0x4e31d694 // fadd v20.4s, v20.4s, v17.4s
	WORD $0x4eb2f694 // fmin v20.4s, v20.4s, v18.4s
	WORD $0x4e33f694 // fmax v20.4s, v20.4s, v19.4s
	WORD $0x6e34dc42 // fmul v2.4s, v2.4s, v20.4s
	WORD $0x6e30dc74 // fmul v20.4s, v3.4s, v16.4s
	WORD $0x4e31d694 // fadd v20.4s, v20.4s, v17.4s
	WORD $0x4eb2f694 // fmin v20.4s, v20.4s, v18.4s
	WORD $0x4e33f694 // fmax v20.4s, v20.4s, v19.4s
	WORD $0x6e34dc63 // fmul v3.4s, v3.4s, v20.4s
	WORD $0x6e30dc94 // fmul v20.4s, v4.4s, v16.4s
	WORD $0x4e31d694 // fadd v20.4s, v20.4s, v17.4s
	WORD $0x4eb2f694 // fmin v20.4s, v20.4s, v18.4s
	WORD $0x4e33f694 // fmax v20.4s, v20.4s, v19.4s
	WORD $0x6e34dc84 // fmul v4.4s, v4.4s, v20.4s
	WORD $0x6e30dcb4 // fmul v20.4s, v5.4s, v16.4s
	WORD $0x4e31d694 // fadd v20.4s, v20.4s, v17.4s
	WORD $0x4eb2f694 // fmin v20.4s, v20.4s, v18.4s
	WORD $0x4e33f694 // fmax v20.4s, v20.4s, v19.4s
	WORD $0x6e34dca5 // fmul v5.4s, v5.4s, v20.4s
	WORD $0x6e30dcd4 // fmul v20.4s, v6.4s, v16.4s
	WORD $0x4e31d694 // fadd v20.4s, v20.4s, v17.4s
	WORD $0x4eb2f694 // fmin v20.4s, v20.4s, v18.4s
	WORD $0x4e33f694 // fmax v20.4s, v20.4s, v19.4s
	WORD $0x6e34dcc6 // fmul v6.4s, v6.4s, v20.4s
	WORD $0x6e30dcf4 // fmul v20.4s, v7.4s, v16.4s
	WORD $0x4e31d694 // fadd v20.4s, v20.4s, v17.4s
	WORD $0x4eb2f694 // fmin v20.4s, v20.4s, v18.4s
	WORD $0x4e33f694 // fmax v20.4s, v20.4s, v19.4s
	WORD $0x6e34dce7 // fmul v7.4s, v7.4s, v20.4s
	WORD $0x6e30dd14 // fmul v20.4s, v8.4s, v16.4s
	WORD $0x4e31d694 // fadd v20.4s, v20.4s, v17.4s
	WORD $0x4eb2f694 // fmin v20.4s, v20.4s, v18.4s
	WORD $0x4e33f694 // fmax v20.4s, v20.4s, v19.4s
	WORD $0x6e34dd08 // fmul v8.4s, v8.4s, v20.4s
	WORD $0x6e30dd34 // fmul v20.4s, v9.4s, v16.4s
	WORD $0x4e31d694 // fadd v20.4s, v20.4s, v17.4s
	WORD $0x4eb2f694 // fmin v20.4s, v20.4s, v18.4s
	WORD $0x4e33f694 // fmax v20.4s, v20.4s, v19.4s
	WORD $0x6e34dd29 // fmul v9.4s, v9.4s, v20.4s
	WORD $0x6e30dd54 // fmul v20.4s, v10.4s, v16.4s
	WORD $0x4e31d694 // fadd v20.4s, v20.4s, v17.4s
	WORD $0x4eb2f694 // fmin v20.4s, v20.4s, v18.4s
	WORD $0x4e33f694 // fmax v20.4s, v20.4s, v19.4s
	WORD $0x6e34dd4a // fmul v10.4s, v10.4s, v20.4s
	WORD $0x6e30dd74 // fmul v20.4s, v11.4s, v16.4s
	WORD $0x4e31d694 // fadd v20.4s, v20.4s, v17.4s
	WORD $0x4eb2f694 // fmin v20.4s, v20.4s, v18.4s
	WORD $0x4e33f694 // fmax v20.4s, v20.4s, v19.4s
	WORD $0x6e34dd6b // fmul v11.4s, v11.4s, v20.4s
	WORD $0x6e30dd94 // fmul v20.4s, v12.4s, v16.4s
	WORD $0x4e31d694 // fadd v20.4s, v20.4s, v17.4s
	WORD $0x4eb2f694 // fmin v20.4s, v20.4s, v18.4s
	WORD $0x4e33f694 // fmax v20.4s, v20.4s, v19.4s
	WORD $0x6e34dd8c // fmul v12.4s, v12.4s, v20.4s
	WORD $0x6e30ddb4 // fmul v20.4s, v13.4s, v16.4s
	WORD $0x4e31d694 // fadd v20.4s, v20.4s, v17.4s
	WORD $0x4eb2f694 // fmin v20.4s, v20.4s, v18.4s
	WORD $0x4e33f694 // fmax v20.4s, v20.4s, v19.4s
	WORD $0x6e34ddad // fmul v13.4s, v13.4s, v20.4s
	WORD $0x6e30ddd4 // fmul v20.4s, v14.4s, v16.4s
	WORD $0x4e31d694 // fadd v20.4s, v20.4s, v17.4s
	WORD $0x4eb2f694 // fmin v20.4s, v20.4s, v18.4s
	WORD $0x4e33f694 // fmax v20.4s, v20.4s, v19.4s
	WORD $0x6e34ddce // fmul v14.4s, v14.4s, v20.4s
	WORD $0x6e30ddf4 // fmul v20.4s, v15.4s, v16.4s
	WORD $0x4e31d694 // fadd v20.4s, v20.4s, v17.4s
	WORD $0x4eb2f694 // fmin v20.4s, v20.4s, v18.4s
	WORD $0x4e33f694 // fmax v20.4s, v20.4s, v19.4s
	WORD $0x6e34ddef // fmul v15.4s, v15.4s, v20.4s
store:
	MOVD R3, R6
	VST1 [V0.S4, V1.S4], (R6)
	ADD R4, R6, R6
	CMP $1, R8
	BLE done
	VST1 [V2.S4, V3.S4], (R6)
	ADD R4, R6, R6
	CMP $2, R8
	BLE done
	VST1 [V4.S4, V5.S4], (R6)
	ADD R4, R6, R6
	CMP $3, R8
	BLE done
	VST1 [V6.S4, V7.S4], (R6)
	ADD R4, R6, R6
	CMP $4, R8
	BLE done
	VST1 [V8.S4, V9.S4], (R6)
	ADD R4, R6, R6
	CMP $5, R8
	BLE done
	VST1 [V10.S4, V11.S4], (R6)
	ADD R4, R6, R6
	CMP $6, R8
	BLE done
	VST1 [V12.S4, V13.S4], (R6)
	ADD R4, R6, R6
	CMP $7, R8
	BLE done
	VST1 [V14.S4, V15.S4], (R6)
	ADD R4, R6, R6
done:
	RET

// func fmaPeak(n int)
//
// fmaPeak runs n iterations of 12 independent 4-wide FMLA (96 flops each).
TEXT ·fmaPeak(SB), NOSPLIT, $0-8
	MOVD n+0(FP), R0
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	CBZ R0, peakdone
peakloop:
	VFMLA V12.S4, V13.S4, V0.S4
	VFMLA V12.S4, V13.S4, V1.S4
	VFMLA V12.S4, V13.S4, V2.S4
	VFMLA V12.S4, V13.S4, V3.S4
	VFMLA V12.S4, V13.S4, V4.S4
	VFMLA V12.S4, V13.S4, V5.S4
	VFMLA V12.S4, V13.S4, V6.S4
	VFMLA V12.S4, V13.S4, V7.S4
	VFMLA V12.S4, V13.S4, V8.S4
	VFMLA V12.S4, V13.S4, V9.S4
	VFMLA V12.S4, V13.S4, V10.S4
	VFMLA V12.S4, V13.S4, V11.S4
	SUBS $1, R0, R0
	BNE peakloop
peakdone:
	RET
