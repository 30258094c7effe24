// Package graphir is edgectl's vocabulary: tensors, shapes, the op enum, typed
// attributes, the graph of nodes and values, and per-op shape inference and cost.
//
// It imports nothing else of edgectl; every other package imports it. The
// importer builds a Graph, calls InferNode once per node in topological order
// (which also normalises attributes, e.g. auto_pad into explicit pads and
// constant axes inputs into attributes), and kernels then trust the checked IR.
package graphir
