package planner

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/internal/testenv"
	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime/tilerun"
	"github.com/edgectl/edgectl/runtime/verify"
)

// Every plan the search makes for the reference models runs and gives the
// whole-model output, on clusters that lead it to different choices: a
// fast network (splits), a slow one (one device, or fused blocks), mixed
// speeds (uneven tiles), and devices too small for the weights.
func TestPlan_ReferenceModelsRunExactly(t *testing.T) {
	root := testenv.SharedPath(t, "models")
	dirs, err := filepath.Glob(filepath.Join(root, "*", "model.onnx"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no models under %s: %v", root, err)
	}
	for _, path := range dirs {
		dir := filepath.Dir(path)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			g, err := importer.LoadFile(path, importer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			in, err := refInput(dir, g)
			if err != nil {
				t.Fatal(err)
			}
			want, err := verify.Local(context.Background(), g, in)
			if err != nil {
				t.Fatal(err)
			}
			weights := 0.0
			for _, n := range g.Nodes {
				weights += costmodel.NodeWork(n).WeightBytes
			}
			small := testCluster([]float64{1, 1, 1, 1}, 1000, 1e-4)
			for i := range small.Devices {
				small.Devices[i].Memory = int64(weights*0.7) + 64<<20
			}
			for _, c := range []struct {
				name string
				cl   *Cluster
				obj  Objective
			}{
				{"fast net", testCluster([]float64{1, 1, 1, 1}, 10000, 1e-5), Latency},
				{"slow net", testCluster([]float64{1, 1, 1}, 5, 2e-3), Latency},
				{"mixed", testCluster([]float64{2, 1, 0.5}, 300, 1e-4), Latency},
				{"streamed", testCluster([]float64{1, 1, 1, 1}, 1000, 1e-4), Throughput},
				{"small memory", small, Latency},
			} {
				r, err := Plan(g, c.cl, Options{Objective: c.obj})
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				got, err := tilerun.RunLocal(context.Background(), g, r.Plan, in)
				if err != nil {
					y, _ := r.Plan.EncodeYAML()
					t.Fatalf("%s: %v\n%s", c.name, err, y)
				}
				for _, v := range g.Outputs {
					if o := verify.Compare(v.Name, got[v.Name], want[v.Name]); !o.OK {
						t.Errorf("%s: output %s differs by %g", c.name, v.Name, o.MaxRel)
					}
				}
			}
		})
	}
}

// refInput reads a reference model's first test input.
func refInput(dir string, g *graphir.Graph) (map[string]*graphir.Tensor, error) {
	in := map[string]*graphir.Tensor{}
	for i, v := range g.Inputs {
		p := filepath.Join(dir, "test_data_set_0", "input_"+string(rune('0'+i))+".pb")
		if _, err := os.Stat(p); err != nil {
			return nil, err
		}
		t, _, err := importer.ReadTensorFile(p)
		if err != nil {
			return nil, err
		}
		in[v.Name] = t
	}
	return in, nil
}
