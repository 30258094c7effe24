// Package kernelapi is the interface between the executor and the code that
// computes nodes: a Kernel, an implementation of an op (Impl) with its
// priority, what an implementation may use when it prepares a node (Env),
// and the registry of implementations that kernel packages fill from their
// init functions.
//
// Reference kernels (runtime/ref), tuned and assembly kernels
// (runtime/kernels), WebAssembly plugins (plugins) and the executor
// (runtime) import it; it imports graphir only, so a kernel package does not
// link the executor and a plugin does not link the kernels.
package kernelapi
