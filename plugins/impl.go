package plugins

import (
	"errors"
	"fmt"
	goruntime "runtime"
	"sync"
	"sync/atomic"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/ref"
)

// opsOf maps the graph ops onto the op kinds that may serve them.
var opsOf = map[graphir.Op][]opKind{
	graphir.OpConv:        {opConv2D, opDWConv2D},
	graphir.OpGemm:        {opGemm},
	graphir.OpMatMul:      {opGemm},
	graphir.OpMaxPool:     {opMaxPool2D},
	graphir.OpAveragePool: {opAvgPool2D},
}

// Impls exposes p's kernels as runtime implementations with priority
// kernelapi.PriorityPlugin, for runtime.Options.Extra, for every op its
// manifest covers. An implementation declines (Prepare returns nil) the
// nodes outside the manifest or ABI 1; the executor then picks a native
// kernel. When the plugin fails at run time it is unloaded and the kernel
// computes the node with the best native implementation instead, so the
// result stays right.
func Impls(p *Plugin) map[graphir.Op][]kernelapi.Impl {
	out := map[graphir.Op][]kernelapi.Impl{}
	for op, kinds := range opsOf {
		for _, k := range kinds {
			if p.manifest.kernels(k) != nil {
				out[op] = []kernelapi.Impl{{
					Name:     "plugin:" + p.manifest.Name,
					Priority: kernelapi.PriorityPlugin,
					Prepare:  func(n *graphir.Node, env kernelapi.Env) (kernelapi.Kernel, error) { return p.prepare(n, env) },
				}}
				break
			}
		}
	}
	return out
}

// prepare is kernelapi.Impl.Prepare for every op.
func (p *Plugin) prepare(n *graphir.Node, env kernelapi.Env) (kernelapi.Kernel, error) {
	if dead, _ := p.Unloaded(); dead {
		return nil, nil
	}
	s, why := newSpec(n, p.manifest, epilogueNone)
	if s == nil {
		p.log.Debug("kernel plugin does not serve node", "plugin", p.manifest.Name, "node", n.String(), "reason", why)
		return nil, nil
	}
	// Every instance holds every served node's weights: keep them within
	// half of an instance's memory, leaving the rest to tiles.
	limit := int64(p.opts.MemoryLimitPages) << 16 / 2
	if p.weightBytes.Add(s.weightBytes()) > limit {
		p.weightBytes.Add(-s.weightBytes())
		p.log.Info("kernel plugin memory is full; node runs natively", "plugin", p.manifest.Name, "node", n.String(),
			"weights_mib", s.weightBytes()>>20, "limit_mib", limit>>20)
		return nil, nil
	}
	s.id = p.nextID.Add(1)
	threads := max(1, env.Threads)
	s.plan(threads, p.opts.TileFLOPs)
	k := &pluginKernel{p: p, s: s, env: env, threads: threads}
	goruntime.AddCleanup(k, func(c cleanupArg) { c.p.forget(c.id, c.bytes) }, cleanupArg{p, s.id, s.weightBytes()})
	return k.run, nil
}

type cleanupArg struct {
	p     *Plugin
	id    uint64
	bytes int64
}

// pluginKernel is one node's kernel: the plugin while it is loaded, the
// native fallback after.
type pluginKernel struct {
	p       *Plugin
	s       *spec
	env     kernelapi.Env
	threads int

	declined atomic.Bool // the plugin answered EUNSUPPORTED for this node

	once     sync.Once
	native   kernelapi.Kernel
	name     string
	errNativ error
}

func (k *pluginKernel) run(n *graphir.Node, in, out []*graphir.Tensor) error {
	if dead, _ := k.p.Unloaded(); !dead && !k.declined.Load() {
		err := k.p.run(k.s, in[0], out[0], k.threads)
		if err == nil {
			return nil
		}
		if errors.Is(err, errDeclined) {
			k.declined.Store(true)
			k.p.log.Info("kernel plugin declined node; it runs natively", "plugin", k.p.manifest.Name, "node", n.String())
		} else {
			k.p.unload(fmt.Sprintf("node %s: %v", n, err))
		}
	}
	return k.fallback(n, in, out)
}

// fallback runs the best native implementation below plugin priority,
// prepared on first use; the reference kernel is the last resort.
func (k *pluginKernel) fallback(n *graphir.Node, in, out []*graphir.Tensor) error {
	k.once.Do(func() {
		for _, impl := range kernelapi.Registered(n.Op) {
			if impl.Priority >= kernelapi.PriorityPlugin {
				continue
			}
			kern, err := impl.Prepare(n, k.env)
			if err == nil && kern != nil {
				k.native, k.name = kern, impl.Name
				break
			}
		}
		if k.native == nil {
			if kern, ok := ref.Lookup(n.Op); ok {
				k.native, k.name = kern, "ref"
			} else {
				k.errNativ = fmt.Errorf("no native kernel for %s to fall back to", n.Op)
			}
		}
		_, reason := k.p.Unloaded()
		k.p.log.Warn("node falls back to a native kernel", "plugin", k.p.manifest.Name, "node", n.String(), "kernel", k.name, "reason", reason)
	})
	if k.errNativ != nil {
		return k.errNativ
	}
	k.p.fallbacks.Add(1)
	return k.native(n, in, out)
}
