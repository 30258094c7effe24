// Command avogen generates edgectl's AVX2+FMA kernels (Go assembly for
// amd64) with avo. Its output is committed under
// runtime/kernels/internal/simd; `make generate-kernels` reruns it:
//
//	go run . -out ../../runtime/kernels/internal/simd/simd_amd64.s \
//	         -stubs ../../runtime/kernels/internal/simd/stubs_amd64.go -pkg simd
//
// What it generates:
//   - sgemm6x16: the GEMM micro-kernel, a 6x16 tile of C in 12 YMM
//     accumulators over packed A (6 rows per k) and packed B (16 columns per
//     k) panels, with the fused epilogue (accumulate into C, row or column
//     bias, clamp / leaky / hard-swish activation);
//   - fmaPeak: a register-only FMA loop to measure the core's FMA peak;
//   - element-wise maps, reductions and pooling rows (vec.go);
//   - the depthwise convolution's weighted sum of shifted rows and its
//     stride-2 deinterleave (dw.go);
//   - cpuid and xgetbv to detect AVX2 and FMA at run time.
package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/reg"
)

func main() {
	ConstraintExpr("!noasm")
	genCPU()
	genSgemm()
	genFMAPeak()
	genVec()
	genPack()
	genDepthwise()
	genC8()
	Generate()
}

func genCPU() {
	TEXT("cpuid", NOSPLIT, "func(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)")
	Doc("cpuid executes CPUID with the given leaf and sub-leaf.")
	a := Load(Param("eaxArg"), EAX)
	c := Load(Param("ecxArg"), ECX)
	_, _ = a, c
	CPUID()
	Store(EAX, Return("eax"))
	Store(EBX, Return("ebx"))
	Store(ECX, Return("ecx"))
	Store(EDX, Return("edx"))
	RET()

	TEXT("xgetbv", NOSPLIT, "func() (eax, edx uint32)")
	Doc("xgetbv reads extended control register 0 (the OS-enabled state).")
	XORL(ECX, ECX)
	XGETBV()
	Store(EAX, Return("eax"))
	Store(EDX, Return("edx"))
	RET()
}
