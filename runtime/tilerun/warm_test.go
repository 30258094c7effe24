package tilerun

import (
	"context"
	"testing"

	"github.com/edgectl/edgectl/planner"
)

// Warm builds every tile's executor before its first Run, and a program
// run after warming (zeros through the same executors and arenas) still
// equals the whole-model run.
func TestWarm_BuildsThenRunsRight(t *testing.T) {
	m := loadModel(t, modelNames[0])
	plan, err := planner.SimplePlan(m.g, 4, planner.Grid{Rows: 2, Cols: 2})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compile(m.g, plan, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tiles := 0
	for _, st := range r.Program().Stages {
		for _, tl := range st.Tiles {
			if err := r.Warm(context.Background(), tl); err != nil {
				t.Fatal(err)
			}
			tiles++
		}
	}
	r.mu.Lock()
	built := len(r.tiles)
	r.mu.Unlock()
	if built != tiles {
		t.Fatalf("Warm built %d of %d tiles' executors", built, tiles)
	}
	got, err := r.RunAll(context.Background(), m.inputs)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range m.g.Outputs {
		if e := relErr(got[v.Name], m.vals[v.Name]); e > tolerance {
			t.Errorf("output %q after warming: relative error %g to the whole run", v.Name, e)
		}
	}
	r.mu.Lock()
	after := len(r.tiles)
	r.mu.Unlock()
	if after != built {
		t.Errorf("RunAll after Warm built %d more executors", after-built)
	}
}
