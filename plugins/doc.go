// Package plugins runs vendor kernels shipped as WebAssembly modules
// ("kernel plugins") inside the worker, sandboxed by wazero.
//
// The ABI is plugins/ABI.md. A plugin is loaded with Open, which checks its
// digest, imports, exports, ABI version and manifest, then runs a
// conformance check against the reference kernels (runtime/ref) and refuses
// a plugin whose results differ. Impls exposes a loaded plugin's kernels as
// kernelapi.Impl values (priority kernelapi.PriorityPlugin) for
// runtime.Options.Extra; each such kernel falls back to the best native
// kernel when the plugin traps, overruns its deadline, exhausts its memory
// or returns a wrong shape, and the plugin is then unloaded.
//
// Untrusted plugins run guarded: wazero's WithCloseOnContextDone checks at
// every loop header (and, by a rewrite of the module, every function
// entry) and each call has a deadline. Trusted plugins (pinned digest,
// Options.Trusted) skip both. RATIONALE is in ABI.md, "Deadlines".
//
// Files: abi.go (constants, descriptors), manifest.go, plugin.go (Open,
// the instance pool, unload), engine.go (compile, import and export checks),
// instance.go (calls and memory), spec.go (nodes onto
// the ABI, tiling), run.go (tiles), impl.go (kernelapi.Impl and fallback),
// conformance.go, wasi.go (the minimal WASI subset),
// instrument.go (function-entry guards). Examples are in examples/, hostile
// test plugins in testdata/hostile; `make plugins` builds both.
//
// It imports graphir, runtime/kernelapi (the kernel interface and the
// registry its fallback reads) and runtime/ref (the conformance check and
// the last-resort fallback); it does not link the executor or the fast
// kernels, and runtime must never import it. Timing a plugin against the
// native kernels is tools/bench's job (`edgectl plugin bench`).
package plugins
