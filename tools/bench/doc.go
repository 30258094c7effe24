// Package bench times a model in edgectl's runtime and, optionally, in
// another inference engine (ONNX Runtime) side by side in one process: warm-up
// rounds, then alternating timed runs (ours, theirs, ours, theirs, ...), the
// median and minimum of each, GFLOP/s from graphir's FLOP counts, and the
// fraction of this CPU's measured FMA peak.
//
// The sides must not disturb each other: ONNX Runtime's worker threads spin
// for about 50 ms after a run and would take a core from ours, and an idle
// pause lets a virtual machine's vCPUs sleep. So every turn starts with a
// busy settle (Plan.Settle), then one untimed run of the side (Plan.Lead),
// then the timed run; each side then measures as it does alone, back to
// back (Alternate).
//
// It is pure Go. Engines that need cgo (tools/ortbench, built with -tags ort
// into bin/edgectl-ort) register themselves with RegisterEngine from their
// init; the plain edgectl binary has none, and asking for one says how to get
// it. The FMA peak comes from a PeakKernel: a portable Go loop by default
// (scalar, so it underestimates a SIMD CPU's peak), replaceable with
// SetPeakKernel by an assembly one.
//
// What is measured (see Run):
//   - the whole model, or with ConvsOnly the "conv stack": the model cut right
//     after its last Conv (and the activation that follows it), so that for
//     VGG-16 it is the 13 Conv+Relu layers and the 4 MaxPools between them,
//     without the classifier;
//   - with Layers, each Conv alone as a one-node graph built with graphir.
//
// Sub-graphs are handed to other engines as ONNX written by ExportONNX.
// Plugin times a WebAssembly kernel plugin's convolution on VGG-16's conv
// layers against the native kernels (`edgectl plugin bench`).
//
// It imports graphir, importer, runtime, runtime/profile (the per-node
// profile of --profile), runtime/verify, plugins, runtime/kernels/shapes
// and tools/zoo (zoo names as models). Nothing in runtime/ imports it.
package bench
