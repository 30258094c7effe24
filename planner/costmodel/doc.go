// Package costmodel is a device class's latency model: how long one node of
// a graph — or the part of it that a tile computes — takes on that class,
// as a linear function of its work (FLOPs, bytes read, written and of
// weights, plus a constant), one function per kind of op, fitted by least
// squares to micro-benchmarks measured on the device itself
// (runtime/profile). The planner predicts with it.
//
// Kinds follow the executor's kernel choice (Classify), because a
// Winograd-eligible 3x3 convolution, a depthwise one and a first layer run
// different kernels at different speeds; the choice is restated here, not
// imported, so that the planner links no kernel (a test in runtime/profile
// checks that the two agree).
//
// It imports graphir and gonum only.
package costmodel
