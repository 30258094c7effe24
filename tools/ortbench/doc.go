// Package ortbench runs models in ONNX Runtime for edgectl's bench
// (tools/bench): it registers the engine "ort", so that
// `edgectl bench MODEL --compare ort` times the model in both runtimes.
//
// It is its own Go module, so that edgectl's module needs neither cgo nor
// ONNX Runtime: the files that use them build only with -tags ort. The
// runtime is ONNX Runtime's shared library from the npm package
// onnxruntime-node (installed under .cache/ort by `make bench-deps`),
// loaded at run time through github.com/yalue/onnxruntime_go. cmd/edgectl-ort
// is edgectl's command line with this engine linked in; `make bench-deps`
// builds it as bin/edgectl-ort.
//
// The library is found, in order, at $EDGECTL_ORT_LIB, at LibraryPath (set
// at build time with -ldflags -X), or under .cache/ort beside the binary's
// bin/ folder.
package ortbench
