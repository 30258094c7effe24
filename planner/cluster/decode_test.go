package cluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const good = `apiVersion: edgectl.dev/v1alpha1
kind: Cluster
classes:
  - name: pi4
    threads: 4
    memory: 2Gi
    speed: 0.4
  - name: jetson
    profile: profiles/jetson.yaml
    kernels:
      plugin: plugins/cuda.wasm
      sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
devices:
  - name: pi-a
    class: pi4
    address: 10.0.0.11:7070
  - name: pi-b
    class: pi4
    address: "[fe80::1]:7070"
  - name: jet
    class: jetson
    nodeSelector:
      kubernetes.io/hostname: jetson-1
network:
  medium: switched
  bandwidth: 100mbit
  rtt: 2ms
  perMessage: 3ms
  links:
    - from: jet
      to: coordinator
      bandwidth: 1gbit
    - from: pi-b
      to: pi-a
      rtt: 10ms
auth:
  tokenFile: secrets/token
registry:
  repository: registry.lan:5000/edgectl
`

func TestDecode(t *testing.T) {
	c, err := Decode("c.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Classes) != 2 || c.Classes[0].Memory != 2<<30 || c.Classes[0].Threads != 4 || c.Classes[1].Kernels.Plugin != "plugins/cuda.wasm" {
		t.Errorf("classes: %+v", c.Classes)
	}
	if c.Network.Bandwidth != 100e6 || c.Network.RTT != Duration(2*time.Millisecond) || c.Network.Medium != Switched || len(c.Network.Links) != 2 {
		t.Errorf("network: %+v", c.Network)
	}
	if c.Registry.Repository != "registry.lan:5000/edgectl" || c.Registry.Insecure {
		t.Errorf("registry: %+v", c.Registry)
	}
	if c.Devices[2].NodeSelector["kubernetes.io/hostname"] != "jetson-1" {
		t.Errorf("devices: %+v", c.Devices)
	}
	// JSON is YAML too.
	js := `{"apiVersion": "edgectl.dev/v1alpha1", "kind": "Cluster", "classes": [{"name": "a", "memory": 1073741824}],
	  "devices": [{"name": "d", "class": "a", "address": "h:1"}], "network": {"bandwidth": 20000000}}`
	if c, err := Decode("c.json", []byte(js)); err != nil || c.Network.Bandwidth != 20e6 || c.Classes[0].Memory != 1<<30 {
		t.Errorf("JSON: %v %+v", err, c)
	}
}

// Every problem of a file is reported at once, each at its line.
func TestDecode_EveryProblem(t *testing.T) {
	bad := `apiVersion: edgectl.dev/v1
kind: Cluster
classes:
  - name: pi4
    threads: 0
    memory: 2GB
    speed: 0
  - name: pi4
    profile: p.yaml
    speed: 2
    kernels:
      plugin: x.wasm
    color: red
devices:
  - name: a
    class: pi5
    address: 10.0.0.1
  - name: a
    class: pi4
  - name: coordinator
    class: pi4
    address: h:7070
    class: pi4
  - class: pi4
network:
  medium: wifi
  bandwidth: 100mbps
  rtt: 2
  perMessage: [1]
  links:
    - from: a
      to: nowhere
      bandwidth: 0mbit
    - from: a
      to: a
      rtt: 1ms
    - from: coordinator
      to: a
auth:
  tls:
    cert: c.pem
`
	_, err := Decode("bad.yaml", []byte(bad))
	if err == nil {
		t.Fatal("decoded")
	}
	msg := err.Error()
	want := []string{
		"bad.yaml: 25 problems",
		`bad.yaml:1: apiVersion is "edgectl.dev/v1", want "edgectl.dev/v1alpha1"`,
		`bad.yaml:5: class "pi4": threads 0: want at least 1`,
		`bad.yaml:6: classes[0].memory: "2GB": unknown unit "GB"`,
		`bad.yaml:7: class "pi4": speed 0: want a positive fraction`,
		`bad.yaml:8: class "pi4" is defined twice (also classes[0])`,
		`bad.yaml:10: class "pi4": give a profile or a speed, not both`,
		`bad.yaml:11: class "pi4": kernels: plugin "x.wasm" has no sha256`,
		`bad.yaml:13: classes[1]: unknown field "color"`,
		`bad.yaml:16: device "a": class "pi5" is not defined (classes: pi4)`,
		`bad.yaml:17: device "a": address "10.0.0.1": want host:port`,
		`bad.yaml:18: device "a" is listed twice (also devices[0])`,
		`bad.yaml:18: device "a" has neither an address (host:port of its worker) nor a nodeSelector`,
		`bad.yaml:20: device name "coordinator" is reserved`,
		`bad.yaml:23: field "class" is given twice`,
		`bad.yaml:24: device has no name`,
		`bad.yaml:24: devices[3] has neither an address`,
		`bad.yaml:26: network.medium "wifi": want shared or switched`,
		`bad.yaml:27: network.bandwidth: "100mbps": tc reads mbps as bytes per second`,
		`bad.yaml:28: network.rtt: "2" has no unit`,
		`bad.yaml:29: network.perMessage: [1] is not a string or a number`,
		`bad.yaml:32: link a-nowhere: "nowhere" is not a device (devices: a, coordinator; or coordinator)`,
		`bad.yaml:33: link a-nowhere: bandwidth 0bit: want a positive rate`,
		`bad.yaml:34: link a-a joins a device to itself`,
		`bad.yaml:37: link coordinator-a overrides nothing`,
		`bad.yaml:40: auth.tls: a client certificate needs its key`,
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("error:\n%s", msg)
	}
	// In line order.
	lines := strings.Split(msg, "\n")
	for i := 2; i < len(lines); i++ {
		if lineOf(lines[i]) < lineOf(lines[i-1]) {
			t.Errorf("not in line order: %q after %q", lines[i], lines[i-1])
		}
	}
}

func lineOf(s string) int {
	var n int
	rest, _ := strings.CutPrefix(s, "bad.yaml:")
	for _, r := range rest {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}

func TestDecode_Missing(t *testing.T) {
	_, err := Decode("m.yaml", []byte("apiVersion: edgectl.dev/v1alpha1\nkind: Cluster\n"))
	for _, w := range []string{"no device classes", "no devices", "network.bandwidth is missing"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v lacks %q", err, w)
		}
	}
	if _, err := Decode("s.yaml", []byte("classes: [\n")); err == nil || !strings.HasPrefix(err.Error(), "s.yaml:") {
		t.Errorf("syntax error: %v", err)
	}
	if _, err := Decode("t.yaml", []byte("devices: 3\n")); err == nil || !strings.Contains(err.Error(), "devices") {
		t.Errorf("type error: %v", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(path, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.File != path || c.Dir != dir {
		t.Errorf("File %q, Dir %q", c.File, c.Dir)
	}
	a := c.ResolvedAuth()
	if a.TokenFile != filepath.Join(dir, "secrets", "token") || a.TLS != nil {
		t.Errorf("auth %+v", a)
	}
	if c.Path("/abs") != "/abs" || c.Path("") != "" {
		t.Error("Path changed an absolute or empty path")
	}
	if _, err := Load(filepath.Join(dir, "none.yaml")); err == nil {
		t.Error("loaded a missing file")
	}
}

func TestValidate_Programmatic(t *testing.T) {
	c := &Cluster{APIVersion: APIVersion, Kind: Kind, Classes: []Class{{Name: "a"}},
		Devices: []Device{{Name: "d", Class: "a", Address: "h:1"}}, Network: Network{Bandwidth: 1e6}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.Devices[0].Class = "b"
	if err := c.Validate(); err == nil || err.Error() != `device "d": class "b" is not defined (classes: a)` {
		t.Errorf("got %v", err)
	}
}

// The optional registry: a repository REGISTRY/PATH, checked strictly like
// the rest of the file, each problem at its line.
func TestDecode_Registry(t *testing.T) {
	head := "apiVersion: edgectl.dev/v1alpha1\nkind: Cluster\nclasses: [{name: a}]\ndevices: [{name: d, class: a, address: \"h:1\"}]\nnetwork: {bandwidth: 1mbit}\n"
	for _, c := range []struct {
		name, registry, want string
	}{
		{"repository", "registry:\n  repository: 10.0.0.5:5000/apps/edge-ctl\n  insecure: true\n", ""},
		{"a scheme", "registry:\n  repository: http://registry.lan/apps\n", `c.yaml:7: registry.repository "http://registry.lan/apps": want REGISTRY/PATH`},
		{"a tag", "registry:\n  repository: registry.lan/apps:v1\n", `c.yaml:7: registry.repository "registry.lan/apps:v1": want REGISTRY/PATH`},
		{"no path", "registry:\n  repository: registry.lan:5000\n", `c.yaml:7: registry.repository "registry.lan:5000": want REGISTRY/PATH`},
		{"no repository", "registry:\n  insecure: true\n", "c.yaml:6: registry has no repository"},
		{"an unknown field", "registry:\n  url: registry.lan/apps\n", `c.yaml:7: registry: unknown field "url"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Decode("c.yaml", []byte(head+c.registry))
			switch {
			case c.want == "" && err != nil:
				t.Fatal(err)
			case c.want == "" && (got.Registry.Repository != "10.0.0.5:5000/apps/edge-ctl" || !got.Registry.Insecure):
				t.Errorf("registry %+v", got.Registry)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
}
