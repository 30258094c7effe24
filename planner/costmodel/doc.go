// Package costmodel is a device class's latency model: how long one node of
// a graph — or the part of it that a tile computes — takes on that class,
// as a linear function of its work, one function per kind of node, fitted
// by least squares to micro-benchmarks measured on the device itself
// (runtime/profile). The planner predicts with it.
//
// Kinds follow the executor's kernel choice (Classify), because a
// Winograd-eligible 3x3 convolution, a depthwise one and a first layer run
// different kernels at different speeds, and the choice depends on the
// architecture and the kernel tier (Winograd only on amd64, and from 256
// channels with AVX2 but 64 with AVX-512; no direct first-layer
// convolution on NEON). The choice is restated here, not imported, so that
// the planner links no kernel; a test in runtime/profile checks that the
// two agree for a node of every kind. Parts of nodes are classified on the
// geometry of the clone their tile runs (ClassifySpatial,
// ClassifyChannels): a tile with a halo has other pads, a channel slice
// fewer output channels.
//
// Work has five features — FLOPs, bytes of inputs read, of outputs
// written, of weights, and of the im2col matrix a convolution packs
// (PackBytes) — and a fit adds a constant: the terms of a GEMM C = A B,
// per MNK, MN, MK, KN and per call. PackBytes is what makes a channel
// slice of a convolution cost more than its share: every slice packs the
// whole image. A Winograd-shaped convolution also has its 16 GEMMs'
// tile FLOPs and its transforms' tiles and rows, which only conv-winograd
// fits. Fits are non-negative least squares weighted by 1/time
// (relative errors), so no work predicts a negative time (RATIONALE.md).
// Two more features are the memory-bound kernels' own: the vector-routine
// calls of kernels that make several per output row or plane (Calls:
// pools off the 2x2 fast path, BatchNormalization, broadcasting binary
// ops), and the output bytes passed over again in place (InPlaceBytes: a
// unary activation copies and then applies, BatchNormalization
// multiplies and then adds).
// Two terms are derived from Work rather than stored in it: the output
// elements a 2x2 max pool's vector loop leaves to Go (max pools only) and
// the weight bytes of nodes whose weights come from memory (ColdWeights).
// Where cross-validation says it helps, a fit keeps its samples' errors
// (Corrections) and multiplies a prediction by the geometric mean of the
// three nearest in log-work space (Neighbours; InPlaceBytes is one of its
// coordinates, so an activation's neighbours are activations): what the linear terms miss
// about a shape, the measured sizes next to it show.
//
// Changes from the first sketch: Classify takes the tier; Work has
// PackBytes and Fit PerPackByte and HeldOut; the kinds ref (reference
// arithmetic such as BatchNormalization), ref-math (Sigmoid, Softmax, ...)
// and resize were added; Profile has KindOf, KindSeconds, SpatialSeconds,
// ChannelSeconds and Validate.
//
// It imports graphir and gonum (and sigs.k8s.io/yaml to write profiles),
// never the runtime or the kernels.
package costmodel
