package coord

import (
	"fmt"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
	"github.com/edgectl/edgectl/runtime/worker/internal/wire"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// collector stitches a frame's graph outputs from the parts jobs return.
type collector struct {
	mu   sync.Mutex
	outs map[string]*graphir.Tensor
	vals map[string]*graphir.Value // computed outputs
	want map[string]int            // elements still to come, per computed output
}

func newCollector(g *graphir.Graph, in map[string]*graphir.Tensor) *collector {
	c := &collector{outs: map[string]*graphir.Tensor{}, vals: map[string]*graphir.Value{}, want: map[string]int{}}
	for _, v := range g.Outputs {
		switch {
		case v.IsConst():
			c.outs[v.Name] = v.Const
		case in[v.Name] != nil:
			c.outs[v.Name] = in[v.Name]
		default:
			c.vals[v.Name] = v
			c.want[v.Name] = v.Shape.Size()
		}
	}
	return c
}

// check vets the header of a returned part.
func (c *collector) check(h *wirepb.PartHeader, b partition.Box, dt graphir.DType) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.vals[h.Value]
	if !ok {
		return status.Errorf(codes.Internal, "returned part %q is not a computed graph output", h.Value)
	}
	if dt != v.DType || len(b.Lo) != len(v.Shape) || !partition.FullBox(v.Shape).Contains(b) {
		return status.Errorf(codes.Internal, "returned part %q %s %v does not fit the output %s %v", h.Value, dt, b, v.DType, v.Shape)
	}
	return nil
}

// put stitches a part into its output; a part that is the whole output is
// taken as it is.
func (c *collector) put(p *wire.Part) {
	c.mu.Lock()
	defer c.mu.Unlock()
	name := p.Header.Value
	v := c.vals[name]
	full := partition.FullBox(v.Shape)
	if c.outs[name] == nil {
		if p.Box.Equal(full) {
			c.outs[name] = p.Tensor
			c.want[name] -= p.Box.Size()
			return
		}
		c.outs[name] = graphir.NewTensor(v.DType, v.Shape)
	}
	partition.Paste(c.outs[name], full, p.Tensor, p.Box)
	c.want[name] -= p.Box.Size()
}

// finish returns the outputs once every element of each arrived.
func (c *collector) finish() (map[string]*graphir.Tensor, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for v, n := range c.want {
		if n != 0 || c.outs[v] == nil {
			return nil, status.Error(codes.Internal, fmt.Sprintf("output %q: %d elements missing", v, n))
		}
	}
	return c.outs, nil
}
