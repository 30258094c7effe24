package cluster

import (
	"strings"
	"testing"
)

// What Example writes decodes to the classes, devices and network asked
// for, and carries comments.
func TestExample_RoundTrip(t *testing.T) {
	b, err := Example(ExampleOptions{Classes: []ExampleClass{{"pi4", 2, 0.5}, {"jetson", 1, 1.5}}, Bandwidth: 20e6, Medium: Switched})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Decode("example.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Classes) != 2 || c.Classes[0].Speed != 0.5 || c.Classes[1].Name != "jetson" || c.Classes[1].Speed != 1.5 {
		t.Errorf("classes %+v", c.Classes)
	}
	wantDev := []Device{{Name: "dev-0", Class: "pi4", Address: "127.0.0.1:7070"}, {Name: "dev-1", Class: "pi4", Address: "127.0.0.1:7071"},
		{Name: "dev-2", Class: "jetson", Address: "127.0.0.1:7072"}}
	for i, d := range wantDev {
		if i >= len(c.Devices) || c.Devices[i].Name != d.Name || c.Devices[i].Class != d.Class || c.Devices[i].Address != d.Address {
			t.Errorf("device %d: %+v, want %+v", i, c.Devices, d)
		}
	}
	if c.Network.Bandwidth != 20e6 || c.Network.Medium != Switched || c.Auth.TokenFile != "token" {
		t.Errorf("network %+v auth %+v", c.Network, c.Auth)
	}
	for _, w := range []string{"# The addresses are placeholders: edit them", "edgectl netprobe", "# links:"} {
		if !strings.Contains(string(b), w) {
			t.Errorf("example lacks the comment %q", w)
		}
	}
	// Defaults: one class of speed 1, 100mbit, shared.
	b, err = Example(ExampleOptions{Devices: 4})
	if err != nil {
		t.Fatal(err)
	}
	if c, err = Decode("default.yaml", b); err != nil || len(c.Devices) != 4 || c.Classes[0].Name != "cpu" || c.Network.Bandwidth != 100e6 || c.Network.Medium != Shared {
		t.Errorf("default example: %v %+v", err, c)
	}
}

func TestExample_Errors(t *testing.T) {
	for _, tc := range []struct {
		o    ExampleOptions
		want string
	}{
		{ExampleOptions{}, "want at least 1 device"},
		{ExampleOptions{Devices: 3, Classes: []ExampleClass{{"a", 2, 1}}}, "the classes have 2 devices, not 3"},
		{ExampleOptions{Classes: []ExampleClass{{"a", 0, 1}}}, `class "a": want at least 1 device`},
		{ExampleOptions{Classes: []ExampleClass{{"a", 1, 0}}}, "speed 0"},
		{ExampleOptions{Classes: []ExampleClass{{"Pi_4", 1, 1}}}, `class name "Pi_4"`},
		{ExampleOptions{Devices: 1, Medium: "wifi"}, `network.medium "wifi"`},
	} {
		if _, err := Example(tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Example(%+v): %v, want %q", tc.o, err, tc.want)
		}
	}
}

// Encode writes what Decode reads back.
func TestCluster_Encode(t *testing.T) {
	c, err := Decode("c.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	c.Devices[0].Name = "123" // a name YAML would read as a number
	c.Network.Links[1].To = "123"
	b, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode("encoded.yaml", b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	b2, _ := back.Encode()
	if string(b) != string(b2) {
		t.Errorf("encode, decode, encode differs:\n%s\n%s", b, b2)
	}
	if !strings.HasPrefix(string(b), "apiVersion: edgectl.dev/v1alpha1\nkind: Cluster\nclasses:\n") || !strings.Contains(string(b), "bandwidth: 1gbit") {
		t.Errorf("encoded:\n%s", b)
	}
}
