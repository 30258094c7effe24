// Package runtime executes an imported graph on one device: it checks the
// inputs, runs each node's kernel in topological order, and frees every
// intermediate tensor after its last reader.
//
// It imports graphir and the kernel packages (runtime/ref today).
package runtime
