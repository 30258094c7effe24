package tilerun

import (
	"context"
	"fmt"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
)

// Run computes the tile: in maps each input value's name (t.In) to a
// tensor holding exactly that Part's box; the result maps each output
// value's name (t.Out) to a tensor holding exactly its box.
func (r *Runner) Run(ctx context.Context, t *partition.Tile, in map[string]*graphir.Tensor) (map[string]*graphir.Tensor, error) {
	e, err := r.executor(t)
	if err != nil {
		return nil, err
	}
	for _, p := range t.In {
		x, ok := in[p.Value]
		if !ok {
			return nil, fmt.Errorf("stage %d tile %d: input %q is missing", t.Stage, t.Index, p.Value)
		}
		if !x.Shape.Equal(p.Box.Shape()) {
			return nil, fmt.Errorf("stage %d tile %d: input %q has shape %v, want box %v of shape %v", t.Stage, t.Index, p.Value, x.Shape, p.Box, p.Box.Shape())
		}
	}
	out, err := e.ex.Run(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("stage %d %q tile %d: %w", t.Stage, t.Of().Name, t.Index, err)
	}
	return out, nil
}

// RunParts is Run with inputs that may hold more than the tile needs:
// each is cut down to the needed box first.
func (r *Runner) RunParts(ctx context.Context, t *partition.Tile, in map[string]partition.Held) (map[string]*graphir.Tensor, error) {
	crops := make(map[string]*graphir.Tensor, len(t.In))
	for _, p := range t.In {
		h, ok := in[p.Value]
		if !ok {
			return nil, fmt.Errorf("stage %d tile %d: input %q is missing", t.Stage, t.Index, p.Value)
		}
		c, err := partition.Cut(h.Tensor, h.Box, p.Box)
		if err != nil {
			return nil, fmt.Errorf("stage %d tile %d: input %q: %w", t.Stage, t.Index, p.Value, err)
		}
		crops[p.Value] = c
	}
	return r.Run(ctx, t, crops)
}

// RunAll executes the program sequentially in this process: each tile gets
// its crops of whole values, and every stage's outputs are assembled
// before the next stage. It returns the graph's outputs by name.
func (r *Runner) RunAll(ctx context.Context, inputs map[string]*graphir.Tensor) (map[string]*graphir.Tensor, error) {
	vals := make(map[string]*graphir.Tensor, len(inputs))
	for _, v := range r.prog.Graph.Inputs {
		x, ok := inputs[v.Name]
		if !ok {
			return nil, fmt.Errorf("input %q is missing", v.Name)
		}
		if x.DType != v.DType || !x.Shape.Equal(v.Shape) {
			return nil, fmt.Errorf("input %q is %s %v, model wants %s %v", v.Name, x.DType, x.Shape, v.DType, v.Shape)
		}
		if err := x.Check(); err != nil {
			return nil, fmt.Errorf("input %q: %w", v.Name, err)
		}
		vals[v.Name] = x
	}
	for _, st := range r.prog.Stages {
		outs := make([]map[string]*graphir.Tensor, len(st.Tiles))
		for i, t := range st.Tiles {
			crops := make(map[string]*graphir.Tensor, len(t.In))
			for _, part := range t.In {
				whole := vals[part.Value]
				if part.Box.Equal(partition.FullBox(whole.Shape)) {
					crops[part.Value] = whole // tiles do not write their inputs
					continue
				}
				c, err := partition.Crop(whole, part.Box)
				if err != nil {
					return nil, fmt.Errorf("stage %d %q tile %d input %q: %w", st.Index, st.Name, i, part.Value, err)
				}
				crops[part.Value] = c
			}
			out, err := r.Run(ctx, t, crops)
			if err != nil {
				return nil, err
			}
			outs[i] = out
		}
		whole, err := st.Assemble(outs)
		if err != nil {
			return nil, err
		}
		for k, v := range whole {
			vals[k] = v
		}
	}
	res := make(map[string]*graphir.Tensor, len(r.prog.Graph.Outputs))
	for _, v := range r.prog.Graph.Outputs {
		switch {
		case v.IsConst():
			res[v.Name] = v.Const
		case vals[v.Name] != nil:
			res[v.Name] = vals[v.Name]
		default:
			return nil, fmt.Errorf("output %q was not computed", v.Name)
		}
	}
	return res, nil
}

// RunLocal compiles plan for g and runs it sequentially in this process
// (Runner.RunAll). It is the reference that distributed runs of the same
// plan must match.
func RunLocal(ctx context.Context, g *graphir.Graph, plan *graphir.Plan, inputs map[string]*graphir.Tensor) (map[string]*graphir.Tensor, error) {
	r, err := Compile(g, plan, Options{})
	if err != nil {
		return nil, err
	}
	return r.RunAll(ctx, inputs)
}

// Warm builds the tile's executor and runs it once on zero inputs, so
// that its first real Run finds the weights prepared (packed, Winograd's
// transformed) and the arena and scratch memory touched: each new page
// costs a fault, about 15 us in a VM, and ResNet-50's first frames on a
// worker paid tens of thousands of them.
func (r *Runner) Warm(ctx context.Context, t *partition.Tile) error {
	e, err := r.executor(t)
	if err != nil {
		return err
	}
	in := make(map[string]*graphir.Tensor, len(e.g.Inputs))
	for _, v := range e.g.Inputs {
		in[v.Name] = graphir.NewTensor(v.DType, v.Shape)
	}
	if _, err := e.ex.Run(ctx, in); err != nil {
		return fmt.Errorf("stage %d %q tile %d: warm-up run: %w", t.Stage, t.Of().Name, t.Index, err)
	}
	return nil
}
