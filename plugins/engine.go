package plugins

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// engine is a wazero runtime with the compiled plugin.
type engine struct {
	rt       wazero.Runtime
	cache    wazero.CompilationCache
	compiled wazero.CompiledModule
	guarded  bool
	hasInit  bool
	once     sync.Once
}

// newEngine compiles wasm for guarded (loop checks, deadlines) or trusted
// use and checks its imports and the ABI's fixed exports.
func newEngine(ctx context.Context, wasm []byte, guarded bool, opts Options, host *wasiHost) (*engine, error) {
	code := wasm
	if guarded {
		var err error
		if code, err = guardFunctionEntries(wasm); err != nil {
			return nil, err
		}
	}
	// The compiler on amd64 and arm64; wazero's interpreter elsewhere (32-bit
	// arm), slow but correct.
	cfg := wazero.NewRuntimeConfig().
		WithCloseOnContextDone(guarded).
		WithMemoryLimitPages(opts.MemoryLimitPages).
		WithDebugInfoEnabled(false).
		WithCoreFeatures(api.CoreFeaturesV2)
	e := &engine{guarded: guarded}
	if !opts.NoDiskCache {
		if err := os.MkdirAll(opts.CacheDir, 0o755); err != nil {
			return nil, fmt.Errorf("compilation cache: %w", err)
		}
		cache, err := wazero.NewCompilationCacheWithDir(opts.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("compilation cache: %w", err)
		}
		e.cache = cache
		cfg = cfg.WithCompilationCache(cache)
	}
	e.rt = wazero.NewRuntimeWithConfig(ctx, cfg)
	if err := instantiateWASI(ctx, e.rt, host); err != nil {
		e.close()
		return nil, err
	}
	compiled, err := e.rt.CompileModule(ctx, code)
	if err != nil {
		e.close()
		return nil, fmt.Errorf("compile: %w", err)
	}
	e.compiled = compiled
	if err := e.checkImportsExports(); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *engine) close() {
	e.once.Do(func() {
		ctx := context.Background()
		e.rt.Close(ctx)
		if e.cache != nil {
			e.cache.Close(ctx)
		}
	})
}

type signature struct{ params, results []api.ValueType }

var (
	sigVoidI32  = signature{nil, []api.ValueType{i32}}
	sigI32I32   = signature{[]api.ValueType{i32}, []api.ValueType{i32}}
	sigI32Void  = signature{[]api.ValueType{i32}, nil}
	sigI32x2I32 = signature{[]api.ValueType{i32, i32}, []api.ValueType{i32}}
	sigVoidVoid = signature{nil, nil}
)

var requiredExports = map[string]signature{
	exportABIVersion:  sigVoidI32,
	exportManifestPtr: sigVoidI32,
	exportManifestLen: sigVoidI32,
	exportAlloc:       sigI32I32,
	exportFree:        sigI32Void,
	exportRelease:     sigI32Void,
}

func sameTypes(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func checkSig(f api.FunctionDefinition, want signature) error {
	if !sameTypes(f.ParamTypes(), want.params) || !sameTypes(f.ResultTypes(), want.results) {
		return fmt.Errorf("export %s has type %s, want %s", f.ExportNames(), sigString(f.ParamTypes(), f.ResultTypes()), sigString(want.params, want.results))
	}
	return nil
}

func sigString(params, results []api.ValueType) string {
	names := func(ts []api.ValueType) string {
		s := make([]string, len(ts))
		for i, t := range ts {
			s[i] = api.ValueTypeName(t)
		}
		return "(" + strings.Join(s, ", ") + ")"
	}
	return names(params) + " -> " + names(results)
}

// checkImportsExports refuses imports other than the WASI subset and
// checks the fixed exports, reporting every problem.
func (e *engine) checkImportsExports() error {
	var errs []error
	for _, f := range e.compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		w, ok := wasiFuncs[name]
		switch {
		case mod != wasiModule || !ok:
			errs = append(errs, fmt.Errorf("imports %s.%s, which the host does not provide (only %s: %s)", mod, name, wasiModule, wasiNames()))
		case !sameTypes(f.ParamTypes(), w.params) || !sameTypes(f.ResultTypes(), w.results):
			errs = append(errs, fmt.Errorf("imports %s.%s with type %s, want %s", mod, name, sigString(f.ParamTypes(), f.ResultTypes()), sigString(w.params, w.results)))
		}
	}
	if len(e.compiled.ImportedMemories()) > 0 {
		errs = append(errs, errors.New("imports a memory; a plugin must define and export its own"))
	}
	if _, ok := e.compiled.ExportedMemories()[exportMemory]; !ok {
		errs = append(errs, errors.New("does not export its linear memory as \"memory\""))
	}
	exports := e.compiled.ExportedFunctions()
	for _, name := range sortedKeys(requiredExports) {
		f, ok := exports[name]
		if !ok {
			errs = append(errs, fmt.Errorf("does not export %s", name))
			continue
		}
		if err := checkSig(f, requiredExports[name]); err != nil {
			errs = append(errs, err)
		}
	}
	if f, ok := exports[exportInitialize]; ok {
		e.hasInit = true
		if err := checkSig(f, sigVoidVoid); err != nil {
			errs = append(errs, err)
		}
	} else if _, ok := exports["_start"]; ok {
		errs = append(errs, errors.New("is a command module (exports _start); build a reactor (Go: -buildmode=c-shared)"))
	}
	return errors.Join(errs...)
}

// checkKernelExports checks the prepare and run entry points of every op
// kind the manifest lists.
func (e *engine) checkKernelExports(m *Manifest) error {
	var errs []error
	exports := e.compiled.ExportedFunctions()
	for _, k := range m.kinds() {
		for _, ep := range []struct {
			name string
			sig  signature
		}{{"edgek_" + k.entry() + "_prepare", sigI32I32}, {"edgek_" + k.entry() + "_run", sigI32x2I32}} {
			f, ok := exports[ep.name]
			if !ok {
				errs = append(errs, fmt.Errorf("manifest lists %s but the plugin does not export %s", k, ep.name))
				continue
			}
			if err := checkSig(f, ep.sig); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func wasiNames() string {
	return strings.Join(sortedKeys(wasiFuncs), ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
