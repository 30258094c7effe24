// Package importer turns an ONNX model (or an .edgeir file written by
// WriteEdgeIR) into a checked, static graphir.Graph: it decodes the protobuf
// with the generated types in onnxpb, converts tensors (float16 and external
// data included) and attributes, infers every shape, folds constant
// sub-graphs and batch-norm, and drops Identity and inference-mode Dropout.
//
// It imports graphir, onnxpb and the reference kernels (runtime/ref) that
// evaluate constant sub-graphs.
package importer
