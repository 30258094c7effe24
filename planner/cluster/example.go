package cluster

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"text/template"
)

// ExampleOptions shape the file Example writes.
type ExampleOptions struct {
	// Classes of the devices, in order; nil: one class "cpu" of Devices
	// devices of speed 1.
	Classes []ExampleClass
	// Devices is the number of devices; with Classes it must be their
	// count's sum, or 0.
	Devices int
	// Bandwidth of the network (0: 100mbit) and its Medium ("": shared).
	Bandwidth Bandwidth
	Medium    string
}

// ExampleClass is a class of Count devices, each Speed times as fast as one
// core of this machine.
type ExampleClass struct {
	Name  string
	Count int
	Speed float64
}

// Example writes a valid, commented cluster file to start from: the
// classes, devices named dev-0, dev-1, ... at placeholder addresses
// 127.0.0.1:7070+i (a comment says to edit them), the network with the
// given bandwidth and medium, and a token file. It decodes what it wrote
// (Decode), so a bad name or value is an error.
func Example(o ExampleOptions) ([]byte, error) {
	if len(o.Classes) == 0 {
		if o.Devices < 1 {
			return nil, fmt.Errorf("want at least 1 device, have %d", o.Devices)
		}
		o.Classes = []ExampleClass{{Name: "cpu", Count: o.Devices, Speed: 1}}
	}
	sum := 0
	for _, c := range o.Classes {
		if c.Count < 1 {
			return nil, fmt.Errorf("class %q: want at least 1 device, have %d", c.Name, c.Count)
		}
		if !(c.Speed > 0) {
			return nil, fmt.Errorf("class %q: speed %v: want a positive fraction of one core", c.Name, c.Speed)
		}
		sum += c.Count
	}
	if o.Devices != 0 && o.Devices != sum {
		return nil, fmt.Errorf("the classes have %d devices, not %d", sum, o.Devices)
	}
	if o.Bandwidth == 0 {
		o.Bandwidth = 100e6
	}
	if o.Medium == "" {
		o.Medium = Shared
	}
	type dev struct{ Name, Class, Address string }
	var devs []dev
	for _, c := range o.Classes {
		for range c.Count {
			i := len(devs)
			devs = append(devs, dev{fmt.Sprintf("dev-%d", i), c.Name, "127.0.0.1:" + strconv.Itoa(7070+i)})
		}
	}
	var buf bytes.Buffer
	err := exampleTemplate.Execute(&buf, map[string]any{
		"Classes": o.Classes, "Devices": devs, "Bandwidth": o.Bandwidth, "Medium": o.Medium,
	})
	if err != nil {
		return nil, err
	}
	if _, err := Decode("example", buf.Bytes()); err != nil {
		return nil, errors.Join(errors.New("the example does not validate"), err)
	}
	return buf.Bytes(), nil
}

var exampleTemplate = template.Must(template.New("cluster").Funcs(template.FuncMap{
	"speed": func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) },
}).Parse(exampleText))

const exampleText = `# An edgectl cluster file: the devices that one inference runs on and the
# network between them. Written by edgectl cluster example; edit it, then
#   edgectl netprobe --cluster THIS-FILE --write   measures the network into it
#   edgectl run MODEL --plan PLAN --cluster THIS-FILE --input x.pb
# Units: bandwidth in tc's units, bits per second (800kbit, 100mbit, 1gbit);
# sizes as 512Mi, 1Gi, 2G; durations as 2ms, 150us. Relative paths are
# relative to this file.
apiVersion: edgectl.dev/v1alpha1
kind: Cluster

# Device classes: devices of one kind (a board model, a container with a CPU
# quota) that share a latency profile.
#   threads  intra-op threads of each worker of the class (edgectl worker --threads)
#   speed    one device's speed relative to one core of the machine that plans:
#            that machine's profile scaled by it stands in until the class has
#            a profile of its own. Measure one on a device of the class with
#              edgectl profile --worker ADDR -o CLASS.profile.yaml
#            and replace speed with   profile: CLASS.profile.yaml
#   memory   of one device, e.g. 2Gi (absent: unlimited)
#   kernels  native, unless a WebAssembly plugin is named with its digest:
#              kernels: {plugin: plugins/vendor.wasm, sha256: HEX-OF-sha256sum}
#   jobOverhead  what a device adds to every job beyond its kernels (taking
#            the call, scheduling, a CPU quota's stalls), e.g. 5ms; the
#            planner charges it to every tile of every stage (absent: 0)
classes:
{{- range .Classes}}
  - name: {{.Name}}
    threads: 1
    speed: {{speed .Speed}}
{{- end}}

# The devices. address is where the device's worker listens (edgectl worker
# --listen HOST:PORT); a device deployed by Kubernetes gives nodeSelector
# (the labels of its node) instead.
devices:
  # The addresses are placeholders: edit them to your workers' host:port.
{{- range .Devices}}
  - name: {{.Name}}
    class: {{.Class}}
    address: {{.Address}}
{{- end}}

network:
  # shared: one channel that all transfers take turns on (WiFi through one
  # access point); switched: every device has a link of its own (a switch).
  medium: {{.Medium}}
  # A message of B bytes costs perMessage + 8*B/bandwidth; rtt is the round
  # trip of an empty call. Guesses until edgectl netprobe measures them.
  bandwidth: {{.Bandwidth}}
  rtt: 2ms
  perMessage: 3ms
  # Links that differ from the above (both directions; "coordinator" is the
  # machine running edgectl run), e.g.
  # links:
  #   - from: dev-0
  #     to: coordinator
  #     bandwidth: 20mbit

# How edgectl reaches the workers: a file holding the workers' shared token
# (create it with: openssl rand -hex 16 > token; start the workers with
# --token-file token) ...
auth:
  tokenFile: token
  # ... and/or mutual TLS: a client certificate and key, and the CA of the
  # workers' certificates.
  # tls:
  #   cert: client.crt
  #   key: client.key
  #   ca: ca.crt

# Where edgectl deploy puts a bundle for the pods to pull (by digest; it
# pushes the bundle there unless it is there already). insecure allows
# plain HTTP to a registry that is not on localhost or a private address.
# registry:
#   repository: registry.lan:5000/edgectl
#   insecure: false
`
