package graphir

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const planTestJSON = `{
  "apiVersion": "edgectl.dev/v1alpha1",
  "kind": "Plan",
  "stages": [
    {"name": "block", "kind": "fused", "from": "x", "to": "Add_out",
     "split": {"rows": [0, 3, 8], "cols": [0, 8], "devices": ["a", "b"]}},
    {"name": "pool", "kind": "layerwise", "nodes": ["MaxPool"],
     "split": {"channels": [0, 1, 2], "devices": ["a", "b"]}}
  ]
}`

func TestDecodePlan(t *testing.T) {
	p, err := DecodePlan([]byte(planTestJSON))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Stages) != 2 || p.Stages[0].Split.Parts() != 2 || p.Stages[1].Nodes[0] != "MaxPool" {
		t.Fatalf("decoded %+v", p)
	}
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	q, err := DecodePlan(b)
	if err != nil || !reflect.DeepEqual(p, q) {
		t.Fatalf("round trip: %v\n%s", err, b)
	}
	bound, err := p.Bind(regionChain(t))
	if err != nil {
		t.Fatal(err)
	}
	if bound[0].Hi != 3 || len(bound[1].Nodes) != 1 || !reflect.DeepEqual(bound[1].Channels, []int{0, 1, 2}) {
		t.Errorf("bound %+v", bound)
	}
}

func TestDecodePlan_Strict(t *testing.T) {
	cases := []struct{ name, json, want string }{
		{"unknown field", strings.Replace(planTestJSON, `"kind": "Plan",`, `"kind": "Plan", "replicas": 2,`, 1), `unknown field "replicas"`},
		{"unknown nested field", strings.Replace(planTestJSON, `"devices": ["a", "b"]}},`, `"devices": ["a", "b"], "weights": [1]}},`, 1), `line 6: stages[0].split: unknown field "weights"`},
		{"trailing data", planTestJSON + `{}`, "unexpected data"},
		{"field name case", strings.Replace(planTestJSON, `"stages"`, `"Stages"`, 1), `line 4: unknown field "Stages"`},
		{"repeated field", strings.Replace(planTestJSON, `"kind": "Plan",`, `"kind": "Plan", "kind": "Plan",`, 1), `line 3: field "kind" is given twice`},
		{"empty boundaries", strings.Replace(planTestJSON, `"cols": [0, 8]`, `"cols": []`, 1), `cols [] needs at least two boundaries`},
		{"wrong version", strings.Replace(planTestJSON, "v1alpha1", "v2", 1), `apiVersion is "edgectl.dev/v2"`},
		{"not yaml", `stages: [`, "line 1"},
		{"wrong type", strings.Replace(planTestJSON, `"rows": [0, 3, 8]`, `"rows": [0, "3", 8]`, 1), `stages.split.rows: string where int is wanted`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodePlan([]byte(c.json))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

// YAML plans decode like their JSON form; every key problem is reported
// at once, with its line.
func TestDecodePlan_YAML(t *testing.T) {
	p, err := DecodePlan([]byte(planTestJSON))
	if err != nil {
		t.Fatal(err)
	}
	y, err := p.EncodeYAML()
	if err != nil {
		t.Fatal(err)
	}
	q, err := DecodePlanFile("plan.yaml", y)
	if err != nil || !reflect.DeepEqual(p, q) {
		t.Fatalf("YAML round trip: %v\n%s", err, y)
	}
	bad := `apiVersion: edgectl.dev/v1alpha1
kind: Plan
replicas: 2
stages:
- name: s
  kind: single
  kind: single
  to: y
  split:
    devices: [a]
    weights: [1]
`
	_, err = DecodePlanFile("plan.yaml", []byte(bad))
	for _, want := range []string{"plan.yaml: 3 problems", `plan.yaml:7: field "kind" is given twice`,
		`plan.yaml:3: unknown field "replicas"`, `plan.yaml:11: stages[0].split: unknown field "weights"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestPlan_ValidateReportsEveryProblem(t *testing.T) {
	p := &Plan{APIVersion: PlanAPIVersion, Kind: "Plan", Stages: []Stage{
		{Name: "a", Kind: "fused", To: "v", Split: Split{Rows: []int{0, 5, 5}, Devices: []string{"d"}}},
		{Name: "a", Kind: "diagonal", Split: Split{Devices: []string{""}}},
		{Name: "", Kind: StageSingle, Nodes: []string{"n", "n"}, To: "w", Split: Split{Channels: []int{1, 2}, Devices: []string{"d"}}},
	}}
	err := p.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`stage 0 "a": rows [0 5 5] are not strictly increasing`,
		`stage 0 "a": 1 devices for 2 parts`,
		`stage 1 "a": name is also used by stage 0`,
		`stage 1 "a": needs nodes or to`,
		`stage 1 "a": kind "diagonal"`,
		`stage 1 "a": device 0 is empty`,
		`stage 2 has no name`,
		`node "n" is listed twice`,
		`gives both nodes and to`,
		`channels [1 2] must start at 0`,
		`a single stage has no rows, cols or channels`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestPlan_BindErrors(t *testing.T) {
	g := regionChain(t) // Conv, Relu, Add, MaxPool; x [1 2 8 8]
	stage := func(name string, kind StageKind, nodes []string, to string, sp Split) Stage {
		return Stage{Name: name, Kind: kind, Nodes: nodes, To: to, Split: sp}
	}
	one := Split{Devices: []string{"d"}}
	cases := []struct {
		name   string
		stages []Stage
		want   []string
	}{
		{"unknown node and value", []Stage{
			stage("s0", StageSingle, []string{"Conv", "Nope"}, "", one),
		}, []string{`stage 0 "s0": node "Nope" is not in the graph`}},
		{"out of order", []Stage{
			stage("s0", StageSingle, []string{"Relu"}, "", one),
			stage("s1", StageSingle, nil, "MaxPool_out", one),
		}, []string{`node "Relu" is at position 1 of the graph, want 0`}},
		{"not covering", []Stage{
			stage("s0", StageSingle, nil, "Relu_out", one),
		}, []string{`stages end at node 2; the graph has 4 nodes (next: "Add")`}},
		{"to before start", []Stage{
			stage("s0", StageSingle, nil, "Relu_out", one),
			stage("s1", StageSingle, nil, "Conv_out", one),
		}, []string{`to value "Conv_out" is produced by node 0, before the stage's start 2`}},
		{"boundaries and from", []Stage{
			{Name: "s0", Kind: StageFused, From: "Relu_out", To: "Add_out", Split: Split{Rows: []int{0, 4, 9}, Devices: []string{"a", "b"}}},
			stage("s1", StageLayerwise, nil, "MaxPool_out", Split{Channels: []int{0, 1, 3}, Devices: []string{"a", "b"}}),
		}, []string{
			`stage 0 "s0": from value "Relu_out" is produced by node 1, but the stage starts at node 0`,
			`stage 0 "s0": rows [0 4 9] must end at 8, the size of output "Add_out" [1 2 8 8]`,
			`stage 1 "s1": channels [0 1 3] must end at 2`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &Plan{APIVersion: PlanAPIVersion, Kind: PlanKind, Stages: c.stages}
			_, err := p.Bind(g)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("missing %q in:\n%v", w, err)
				}
			}
		})
	}
}

func TestPlan_BindNotFusable(t *testing.T) {
	x := &Value{Name: "x", DType: Float32, Shape: Shape{1, 2, 4, 4}}
	gp := &Node{Name: "gap", Op: OpGlobalAveragePool, Inputs: []*Value{x}, Outputs: []*Value{{Name: "g"}}}
	fa := Attrs{}
	fa.SetInt("axis", 1)
	fl := &Node{Name: "flat", Op: OpFlatten, Attrs: fa, Inputs: []*Value{gp.Outputs[0]}, Outputs: []*Value{{Name: "f"}}}
	sm := &Node{Name: "soft", Op: OpSoftmax, Inputs: []*Value{fl.Outputs[0]}, Outputs: []*Value{{Name: "s"}}}
	for _, n := range []*Node{gp, fl, sm} {
		if err := InferNode(n); err != nil {
			t.Fatal(err)
		}
	}
	g := &Graph{Inputs: []*Value{x}, Nodes: []*Node{gp, fl, sm}, Outputs: []*Value{sm.Outputs[0]}}
	p := &Plan{APIVersion: PlanAPIVersion, Kind: PlanKind, Stages: []Stage{
		{Name: "a", Kind: StageFused, To: "g", Split: Split{Devices: []string{"d"}}},
		{Name: "b", Kind: StageLayerwise, To: "s", Split: Split{Channels: []int{0, 1, 2}, Devices: []string{"d", "e"}}},
	}}
	_, err := p.Bind(g)
	for _, w := range []string{
		`stage 0 "a": cannot be split by rows and cols: node "gap": GlobalAveragePool is not spatially local`,
		`stage 1 "b": cannot be split by channels at node "soft": Softmax mixes channels`,
	} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in:\n%v", w, err)
		}
	}
}

func ExampleDecodePlan() {
	_, err := DecodePlan([]byte(`{"apiVersion": "edgectl.dev/v1alpha1", "kind": "Plan", "stages": [
	  {"name": "s0", "kind": "fused", "to": "y", "split": {"rows": [0, 4, 2], "devices": ["a"]}}]}`))
	fmt.Println(err)
	// Output:
	// plan has 2 problem(s)
	// stage 0 "s0": rows [0 4 2] are not strictly increasing
	// stage 0 "s0": 1 devices for 2 parts
}

func TestDecodeStrictLines(t *testing.T) {
	doc := "apiVersion: edgectl.dev/v1alpha1\nkind: Plan\nstages:\n- name: a\n  kind: single\n  to: y\n  split:\n    devices: [w]\n"
	var p Plan
	lines, err := DecodeStrictLines("p.yaml", []byte(doc), &p)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{"kind": 2, "stages[0]": 4, "stages[0].split.devices": 8, "stages[0].split.devices[0]": 8, "nope": 0, "stages[3]": 0} {
		if got := lines(path); got != want {
			t.Errorf("line of %q = %d, want %d", path, got, want)
		}
	}
}
