// Package ref holds edgectl's reference kernels: plain, readable Go, correct
// before fast. Every faster kernel elsewhere is tested against these.
//
// A kernel receives a node whose shapes and attributes graphir.InferNode has
// already checked and normalised, its input tensors (nil for an omitted
// optional input) and output tensors allocated with the inferred shapes; it
// fills the outputs. It may import graphir only.
package ref
