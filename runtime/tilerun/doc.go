// Package tilerun runs the tiles of a partition.Program exactly: a tile
// runs as a small graph of its own, built from the stage's nodes cloned onto
// the tile's crops and executed by runtime.NewWithOptions (so the fastest
// registered kernels run it). Runner.RunAll and RunLocal execute a whole
// plan sequentially in this process; they are the reference the distributed
// runtime is tested against.
//
// It imports graphir, runtime, runtime/kernelapi, runtime/ref and
// runtime/partition; the worker imports it.
//
// # Exactness
//
// A fused tile runs the graph's own node definitions on crops, in a small
// graph of its own executed by runtime.NewWithOptions (so the fastest
// registered kernels run it): every windowed op (Conv, MaxPool, AveragePool)
// is cloned with explicit pads equal to the part of its padding at the true
// image borders (0 at interior halos, where the crop holds the halo), so
// count_include_pad and MaxPool padding act as on the whole image; a ceil_mode
// window past the padded end keeps ceil_mode on the tile (AveragePool with
// count_include_pad) or gets the extra pad (where pads are not counted). Pad
// and Slice are cloned with their indices shifted by the crop's offset (a Pad
// region that reflects or clamps holds the border row, so reflect and edge
// modes act as on the whole image). Resize, whose coordinate transform is
// global, runs an offset-aware kernel written here on graphir.ResizeTaps (the
// reference arithmetic). SpaceToDepth crops are block-aligned; DepthToSpace
// computes whole blocks, then cuts; a YOLOv2 reorg chain (graphir.ReorgAt)
// runs on its crop with reshape targets of the crop's size. Where consumers need less of a value than
// is computed (branches with different halos), a Slice cuts it. Outputs equal
// the single-device run up to float summation order (the tests demand
// max|a-b| <= 1e-5 * max(1, max|a|)).
//
// Channel tiles clone the layer with its weights and bias sliced (grouped
// convolutions keep whole groups), and per-channel parameters of the
// following ops sliced.
package tilerun
