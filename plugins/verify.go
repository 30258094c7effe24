package plugins

import (
	"context"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime"
)

// RunFunc runs a graph on one set of inputs; it has the signature of
// runtime/verify.Runner.
type RunFunc = func(ctx context.Context, g *graphir.Graph, inputs map[string]*graphir.Tensor) (map[string]*graphir.Tensor, error)

// Runner returns a RunFunc that runs graphs with p's kernels wherever its
// manifest covers a node and native kernels elsewhere (and wherever the
// plugin fails).
func Runner(p *Plugin) RunFunc {
	return func(ctx context.Context, g *graphir.Graph, inputs map[string]*graphir.Tensor) (map[string]*graphir.Tensor, error) {
		e, err := runtime.NewWithOptions(g, runtime.Options{Extra: Impls(p)})
		if err != nil {
			return nil, err
		}
		return e.Run(ctx, inputs)
	}
}

// VerifyOption opens the plugin at path for `edgectl verify --plugin`: it
// runs the conformance check (refusing a plugin that fails it) and returns
// the runner for verify.Dir and the plugin, which the caller closes after
// the run (Plugin.Stats and Plugin.Unloaded tell what it did).
func VerifyOption(path string, opts Options) (RunFunc, *Plugin, error) {
	p, err := Open(path, "", opts)
	if err != nil {
		return nil, nil, err
	}
	return Runner(p), p, nil
}
