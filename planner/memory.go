package planner

import (
	"fmt"
	"sort"
	"strings"
)

// Memory: a device holds the weights of every stage it has a tile in
// (whole for spatial and single tiles, its slice for channel splits), with
// the copies its kernels pack (costmodel.HeldWeightBytes), and, while a
// job runs, that tile's inputs and outputs or the largest layer's inside
// it, whichever is more, and the most scratch one of its kernels takes
// beside that (costmodel.ScratchBytes: Winograd's). A plan must fit every
// device's Memory. The search first ignores memory; when its plan does not
// fit, it searches again with a price on the weights each tile puts on a
// device (in seconds per share of the device's memory, a Lagrange
// multiplier), raised until the plan fits.

// memoryUse is, per device, the bytes the plan that reaches s needs.
func (p *search) memoryUse(s *state) []float64 {
	weights := make([]float64, len(p.cl.Devices))
	act := make([]float64, len(p.cl.Devices))
	scratch := make([]float64, len(p.cl.Devices))
	for _, st := range chain(s) {
		for _, x := range st.steps {
			c := x.c
			for t, d := range c.spec.devs {
				weights[d] += c.weights[t]
				act[d] = max(act[d], c.actBytes(t), c.act[t])
				scratch[d] = max(scratch[d], c.scratch[t])
			}
		}
	}
	for d := range weights {
		weights[d] += act[d] + scratch[d]
	}
	return weights
}

// actBytes is what tile t of c reads and writes.
func (c *priced) actBytes(t int) float64 {
	b := 0.0
	for i, need := range c.need[t] {
		b += float64(need.Size()) * float64(c.inputs[i].DType.Size())
	}
	for k, o := range c.outputs {
		b += float64(c.out[k][t].box.Size()) * float64(o.DType.Size())
	}
	return b
}

// memoryShare is the weights option o puts on devices, each as a share of
// the device's memory (0 for devices without a limit).
func (p *search) memoryShare(o *option) float64 {
	share := 0.0
	for _, c := range o.stages {
		for t, d := range c.spec.devs {
			if m := p.cl.Devices[d].Memory; m > 0 {
				share += c.weights[t] / float64(m)
			}
		}
	}
	return share
}

// overMemory lists the devices the plan reaching s does not fit, or "".
func (p *search) overMemory(s *state) string {
	use := p.memoryUse(s)
	var over []string
	for d, u := range use {
		if m := p.cl.Devices[d].Memory; m > 0 && u > float64(m) {
			over = append(over, fmt.Sprintf("%s needs %.0f MB of its %.0f MB", p.cl.Devices[d].Name, u/1e6, float64(m)/1e6))
		}
	}
	sort.Strings(over)
	return strings.Join(over, ", ")
}

// fitting runs search until its plan fits the devices' memory, raising the
// price of memory each time.
func (p *search) fitting(search func() (*state, float64, error)) (*state, error) {
	p.penalty = 0
	best, _, err := search()
	if err != nil {
		return nil, err
	}
	over := p.overMemory(best)
	if over == "" {
		return best, nil
	}
	// Start at a price at which holding a whole device's memory costs a
	// thousandth of the unconstrained plan's time.
	price := max(p.finish(best), 1e-6) * 1e-3
	for i := 0; i < 40 && over != ""; i++ {
		p.penalty = price
		if best, _, err = search(); err != nil {
			return nil, err
		}
		over = p.overMemory(best)
		price *= 2
	}
	p.penalty = 0
	if over != "" {
		return nil, fmt.Errorf("plan: no plan found that fits the devices' memory (%s)", over)
	}
	// Report the plan's own cost, without the price of memory.
	return p.replay(best), nil
}

// replay recomputes the costs of the chain that reaches s.
func (p *search) replay(s *state) *state {
	cur := p.start()
	for _, st := range chain(s) {
		cur = p.apply(cur, st.opt, st.at)
	}
	return cur
}

// memoryReport lists the memory of the devices the plan reaching s uses.
func (p *search) memoryReport(s *state) []MemoryUse {
	var out []MemoryUse
	for d, u := range p.memoryUse(s) {
		if u > 0 {
			out = append(out, MemoryUse{Device: p.cl.Devices[d].Name, Bytes: u, Limit: p.cl.Devices[d].Memory})
		}
	}
	return out
}
