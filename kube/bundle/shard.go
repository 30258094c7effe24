package bundle

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/runtime/partition"
)

// Weights are split per stage, and per device where devices need
// different parts: in a fused, row-split or single stage every device of
// the stage needs all of its weights, so they are one blob, stored once;
// in a layer split by output channels each device needs only its slice
// of the layer's weights (partition.PartialConsts), so each device's
// slices are a blob of its own. A device reads the blobs of its stages
// and of its slices.

// edgeirValue is the part of an .edgeir header value (docs/edgeir.md)
// that splitting needs.
type edgeirValue struct {
	Name   string `json:"name"`
	DType  string `json:"dtype"`
	Shape  []int  `json:"shape"`
	Offset int64  `json:"offset"`
	Bytes  int64  `json:"bytes"`
	Const  bool   `json:"const"`
}

// modelParts is a model written as graph.edgeir and weight blobs in dir.
type modelParts struct {
	model   Model
	weights []Weights // common first, then one per stage that owns constants
	devices []Device
	files   map[string]string // bundle path -> file in dir
}

const align = 64

// splitModel writes g as .edgeir into dir and cuts it into the header
// (graph.edgeir), the common weights and one blob per stage.
func splitModel(g *graphir.Graph, plan *graphir.Plan, dir string) (*modelParts, error) {
	prog, err := partition.Compile(g, plan)
	if err != nil {
		return nil, fmt.Errorf("plan does not fit the model: %w", err)
	}
	full := filepath.Join(dir, "model.edgeir")
	sum, size, err := writeEdgeIR(full, g)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(full)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	start, values, err := readHeader(f)
	if err != nil {
		return nil, err
	}
	p := &modelParts{model: Model{Name: g.Name, SHA256: sum, Size: size, WeightsStart: start}, files: map[string]string{}}
	if err := p.copyTo(f, GraphPath, filepath.Join(dir, "graph.edgeir"), []section{{0, start}}); err != nil {
		return nil, err
	}
	owner, uses := owners(prog, values)
	names, sliced := channelSlices(prog, values, owner, uses)
	byOwner := map[int][]Const{}
	for _, v := range values {
		if v.Const && sliced[v.Name] == nil {
			byOwner[owner[v.Name]] = append(byOwner[owner[v.Name]], Const{Name: v.Name, Offset: v.Offset, Bytes: v.Bytes})
		}
	}
	blobOf := map[int]string{-1: CommonWeights}
	sliceBlob := map[[2]string]string{} // {constant, device} -> blob
	for i := -1; i < len(prog.Stages); i++ {
		if cs := byOwner[i]; i < 0 || len(cs) > 0 {
			w := Weights{Path: CommonWeights, Consts: cs}
			if i >= 0 {
				w.Path, w.Stage = fmt.Sprintf("model/weights/%03d.bin", i), prog.Stages[i].Name
				blobOf[i] = w.Path
			}
			if err := p.addWeights(f, dir, start, w); err != nil {
				return nil, err
			}
		}
		if i < 0 {
			continue
		}
		// The slices of the stage's constants, one blob per device.
		for k, d := range names {
			w := Weights{Path: fmt.Sprintf("model/weights/%03d-%02d.bin", i, k), Stage: prog.Stages[i].Name, Device: d}
			for _, v := range values {
				if runs := sliced[v.Name][d]; runs != nil && owner[v.Name] == i {
					w.Consts = append(w.Consts, Const{Name: v.Name, Offset: v.Offset, Bytes: v.Bytes, Runs: runs})
					sliceBlob[[2]string{v.Name, d}] = w.Path
				}
			}
			if len(w.Consts) == 0 {
				continue
			}
			if err := p.addWeights(f, dir, start, w); err != nil {
				return nil, err
			}
		}
	}
	p.devices = devices(prog, uses, owner, blobOf, sliceBlob)
	return p, nil
}

// addWeights writes blob w: its constants, or their runs, each padded to
// 64 bytes.
func (p *modelParts) addWeights(f *os.File, dir string, start int64, w Weights) error {
	var secs []section
	for _, c := range w.Consts {
		if c.Runs == nil {
			secs = append(secs, section{start + c.Offset, c.Bytes})
		}
		for _, r := range c.Runs {
			secs = append(secs, section{start + c.Offset + r[0], r[1] - r[0]})
		}
	}
	if err := p.copyTo(f, w.Path, filepath.Join(dir, filepath.Base(w.Path)), secs); err != nil {
		return err
	}
	if w.Consts == nil {
		w.Consts = []Const{}
	}
	p.weights = append(p.weights, w)
	return nil
}

// owners assigns every constant to the first stage whose nodes read it,
// or to the common blob (-1) when every reader of the model reads it
// anyway (importer.SmallConst, int64) or no node reads it. uses lists the
// constants each stage reads.
func owners(prog *partition.Program, values []edgeirValue) (map[string]int, [][]string) {
	always := map[string]bool{}
	for _, v := range values {
		n := 1
		for _, d := range v.Shape {
			n *= d
		}
		if v.Const && (v.DType != "float32" || n <= importer.SmallConst) {
			always[v.Name] = true
		}
	}
	owner := map[string]int{}
	uses := make([][]string, len(prog.Stages))
	for _, st := range prog.Stages {
		seen := map[string]bool{}
		for _, n := range st.Nodes {
			for _, in := range n.Inputs {
				if in == nil || !in.IsConst() || seen[in.Name] {
					continue
				}
				seen[in.Name] = true
				uses[st.Index] = append(uses[st.Index], in.Name)
				if _, ok := owner[in.Name]; !ok && !always[in.Name] {
					owner[in.Name] = st.Index
				}
			}
		}
	}
	for _, v := range values {
		if _, ok := owner[v.Name]; v.Const && !ok {
			owner[v.Name] = -1
		}
	}
	return owner, uses
}

// devices lists each plan device with its stages and weight blobs (of a
// sliced constant, the blob of the device's slice).
func devices(prog *partition.Program, uses [][]string, owner map[string]int, blobOf map[int]string, sliceBlob map[[2]string]string) []Device {
	var out []Device
	index := map[string]int{}
	for _, st := range prog.Stages {
		for _, t := range st.Tiles {
			i, ok := index[t.Device]
			if !ok {
				i, index[t.Device] = len(out), len(out)
				out = append(out, Device{Name: t.Device, Weights: []string{CommonWeights}})
			}
			d := &out[i]
			if len(d.Stages) > 0 && d.Stages[len(d.Stages)-1] == st.Name {
				continue
			}
			d.Stages = append(d.Stages, st.Name)
			for _, c := range uses[st.Index] {
				b, ok := sliceBlob[[2]string{c, t.Device}]
				if !ok {
					b = blobOf[owner[c]]
				}
				if !contains(d.Weights, b) {
					d.Weights = append(d.Weights, b)
				}
			}
		}
	}
	return out
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}
