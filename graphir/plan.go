package graphir

import (
	"errors"
	"fmt"
)

// A Plan says how one inference of a graph is split across devices: stages
// in graph order, each a contiguous run of the graph's nodes, each split
// into partitions that run on named devices (worker ids). Planners produce
// it, runtimes consume it; users may keep it in a file, so it is versioned
// and decoded strictly.
//
//	{"apiVersion": "edgectl.dev/v1alpha1", "kind": "Plan", "model": "vgg16",
//	 "stages": [
//	  {"name": "s0", "kind": "fused", "to": "/features/features.9/MaxPool_output_0",
//	   "split": {"rows": [0, 30, 56], "cols": [0, 56], "devices": ["pi-1", "jetson"]}},
//	  {"name": "s1", "kind": "layerwise", "nodes": ["/classifier/classifier.0/Gemm"],
//	   "split": {"channels": [0, 128, 256], "devices": ["pi-1", "jetson"]}},
//	  {"name": "s2", "kind": "single", "to": "70", "split": {"devices": ["jetson"]}}]}
type Plan struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Model names the graph the plan was made for (informative).
	Model  string  `json:"model,omitempty"`
	Stages []Stage `json:"stages"`
}

// Plan format identifiers.
const (
	PlanAPIVersion = "edgectl.dev/v1alpha1"
	PlanKind       = "Plan"
)

// DeviceID names worker i in generated plans.
func DeviceID(i int) string { return fmt.Sprintf("worker-%d", i) }

// StageKind is how a stage is split.
type StageKind string

const (
	// StageFused: a block of spatially local nodes whose output (all
	// outputs share height and width) is cut into a grid of tiles, each
	// traced back through the block.
	StageFused StageKind = "fused"
	// StageLayerwise: one layer (and trailing element-wise ops) whose
	// output is split by rows or by output channels; each part needs its
	// region of the input, gathered from the previous stage.
	StageLayerwise StageKind = "layerwise"
	// StageSingle: the nodes run on one device.
	StageSingle StageKind = "single"
)

// Stage is one step of a plan.
type Stage struct {
	Name string    `json:"name"`
	Kind StageKind `json:"kind"`
	// Nodes lists the stage's nodes by name, a contiguous run of the
	// graph's node order starting where the previous stage ended. Instead
	// of Nodes, To names the value whose producer is the stage's last node
	// (normally a cut value); From optionally names the value the stage
	// starts after (a graph input for the first stage) and is checked.
	Nodes []string `json:"nodes,omitempty"`
	From  string   `json:"from,omitempty"`
	To    string   `json:"to,omitempty"`
	Split Split    `json:"split"`
}

// Split is how a stage's output is partitioned, and where each part runs.
type Split struct {
	// Rows and Cols are the grid boundaries along the output's height and
	// width: 0 = b0 < b1 < ... < bk = size; absent means one part spanning
	// the axis. Channels are boundaries along the output channel axis
	// (axis 1), for layer-wise channel splits.
	Rows     []int `json:"rows,omitempty"`
	Cols     []int `json:"cols,omitempty"`
	Channels []int `json:"channels,omitempty"`
	// Devices holds the worker id of each part: row-major over the grid
	// (index r*columns + c), or in channel order.
	Devices []string `json:"devices"`
}

// Parts is the number of partitions the split describes.
func (s Split) Parts() int {
	if len(s.Channels) > 0 {
		return len(s.Channels) - 1
	}
	return max(1, len(s.Rows)-1) * max(1, len(s.Cols)-1)
}

// DecodePlan reads a plan (YAML or JSON) strictly (DecodeStrict: unknown,
// mis-cased and repeated fields are errors, each with its line), checks its
// apiVersion and kind and validates it (Validate).
func DecodePlan(data []byte) (*Plan, error) {
	return DecodePlanFile("", data)
}

// DecodePlanFile is DecodePlan with the name of the file the plan came
// from, which every error names.
func DecodePlanFile(name string, data []byte) (*Plan, error) {
	var p Plan
	if err := DecodeStrict(name, data, &p); err != nil {
		return nil, err
	}
	for i := range p.Stages {
		if len(p.Stages[i].Nodes) == 0 {
			p.Stages[i].Nodes = nil
		}
	}
	if err := p.Validate(); err != nil {
		if name != "" {
			err = fmt.Errorf("%s: %w", name, err)
		}
		return nil, err
	}
	return &p, nil
}

// planErrs collects every problem of a plan.
type planErrs []error

func (e *planErrs) add(format string, args ...any) {
	*e = append(*e, fmt.Errorf(format, args...))
}

func (e planErrs) err() error {
	if len(e) == 0 {
		return nil
	}
	return errors.Join(append([]error{fmt.Errorf("plan has %d problem(s)", len(e))}, e...)...)
}

// Validate checks the plan on its own (without a graph) and reports every
// problem at once, each naming its stage.
func (p *Plan) Validate() error {
	var errs planErrs
	if p.APIVersion != PlanAPIVersion {
		errs.add("apiVersion is %q, want %q", p.APIVersion, PlanAPIVersion)
	}
	if p.Kind != PlanKind {
		errs.add("kind is %q, want %q", p.Kind, PlanKind)
	}
	if len(p.Stages) == 0 {
		errs.add("plan has no stages")
	}
	names := map[string]int{}
	for i := range p.Stages {
		s := &p.Stages[i]
		where := fmt.Sprintf("stage %d %q", i, s.Name)
		if s.Name == "" {
			errs.add("stage %d has no name", i)
		} else if j, dup := names[s.Name]; dup {
			errs.add("%s: name is also used by stage %d", where, j)
		} else {
			names[s.Name] = i
		}
		if len(s.Nodes) == 0 && s.To == "" {
			errs.add("%s: needs nodes or to", where)
		}
		if len(s.Nodes) > 0 && s.To != "" {
			errs.add("%s: gives both nodes and to", where)
		}
		seen := map[string]bool{}
		for _, n := range s.Nodes {
			if n == "" {
				errs.add("%s: empty node name", where)
			} else if seen[n] {
				errs.add("%s: node %q is listed twice", where, n)
			}
			seen[n] = true
		}
		sp := s.Split
		checkBounds(&errs, where, "rows", sp.Rows)
		checkBounds(&errs, where, "cols", sp.Cols)
		checkBounds(&errs, where, "channels", sp.Channels)
		grid := len(sp.Rows) > 0 || len(sp.Cols) > 0
		switch s.Kind {
		case StageFused:
			if len(sp.Channels) > 0 {
				errs.add("%s: a fused stage is split by rows and cols, not channels", where)
			}
		case StageLayerwise:
			if len(sp.Channels) > 0 && grid {
				errs.add("%s: split by rows/cols or by channels, not both", where)
			}
		case StageSingle:
			if grid || len(sp.Channels) > 0 {
				errs.add("%s: a single stage has no rows, cols or channels", where)
			}
		default:
			errs.add("%s: kind %q is not fused, layerwise or single", where, s.Kind)
		}
		if len(sp.Devices) != sp.Parts() {
			errs.add("%s: %d devices for %d parts", where, len(sp.Devices), sp.Parts())
		}
		for j, d := range sp.Devices {
			if d == "" {
				errs.add("%s: device %d is empty", where, j)
			}
		}
	}
	return errs.err()
}

// checkBounds checks boundaries 0 = b0 < b1 < ... (at least two values).
func checkBounds(errs *planErrs, where, what string, b []int) {
	if b == nil {
		return
	}
	if len(b) < 2 {
		errs.add("%s: %s %v needs at least two boundaries", where, what, b)
		return
	}
	if b[0] != 0 {
		errs.add("%s: %s %v must start at 0", where, what, b)
	}
	for i := 1; i < len(b); i++ {
		if b[i] <= b[i-1] {
			errs.add("%s: %s %v are not strictly increasing", where, what, b)
			return
		}
	}
}
