package cluster

import "time"

// Format identifiers.
const (
	APIVersion = "edgectl.dev/v1alpha1"
	Kind       = "Cluster"
)

// Cluster is a cluster file.
type Cluster struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Classes    []Class  `json:"classes"`
	Devices    []Device `json:"devices"`
	Network    Network  `json:"network"`
	Auth       Auth     `json:"auth,omitempty"`

	// Dir is the folder of the file the cluster was loaded from; relative
	// paths in it (profiles, plugins, token and TLS files) are relative to
	// it.
	Dir string `json:"-"`
}

// Class is a device class: devices of one kind (a board model, a container
// with a CPU quota) that share a latency profile.
type Class struct {
	Name    string   `json:"name"`
	Threads int      `json:"threads,omitempty"` // intra-op threads of its workers (default 1)
	Memory  Bytes    `json:"memory,omitempty"`  // per device; 0: unlimited
	Kernels *Kernels `json:"kernels,omitempty"` // nil: native kernels
	// Profile is the class's latency profile file (costmodel.Profile,
	// measured with `edgectl profile --worker`). Without one, the class
	// uses this machine's profile scaled by Speed.
	Profile string  `json:"profile,omitempty"`
	Speed   float64 `json:"speed,omitempty"` // relative to one core of this machine (default 1)
}

// Kernels names a WebAssembly kernel plugin by file and digest.
type Kernels struct {
	Plugin string `json:"plugin"`
	SHA256 string `json:"sha256"`
}

// Device is one device: a worker at Address, or a Kubernetes node chosen by
// NodeSelector.
type Device struct {
	Name         string            `json:"name"`
	Class        string            `json:"class"`
	Address      string            `json:"address,omitempty"`
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
}

// Network is how the devices (and the coordinator) reach each other.
type Network struct {
	// Medium is "shared" (one channel all traffic takes turns on, as WiFi
	// through an access point; the default) or "switched" (each device
	// has a link of its own).
	Medium     string    `json:"medium,omitempty"`
	Bandwidth  Bandwidth `json:"bandwidth"`
	RTT        Duration  `json:"rtt,omitempty"`
	PerMessage Duration  `json:"perMessage,omitempty"` // fixed cost of one message, on top of its bytes
	Links      []Link    `json:"links,omitempty"`
}

// Link overrides the network between two devices (both directions);
// "coordinator" names the coordinator.
type Link struct {
	From       string    `json:"from"`
	To         string    `json:"to"`
	Bandwidth  Bandwidth `json:"bandwidth,omitempty"`
	RTT        Duration  `json:"rtt,omitempty"`
	PerMessage Duration  `json:"perMessage,omitempty"`
}

// Auth is how the coordinator authenticates to the workers.
type Auth struct {
	TokenFile string `json:"tokenFile,omitempty"`
	TLS       *TLS   `json:"tls,omitempty"`
}

// TLS names the coordinator's client certificate and the CA of the
// workers' certificates.
type TLS struct {
	Cert string `json:"cert"`
	Key  string `json:"key"`
	CA   string `json:"ca"`
}

// Bandwidth is in bits per second; in files "100mbit", "1gbit", "800kbit"
// (tc's units) or a plain number of bits per second.
type Bandwidth float64

// Bytes is a size in bytes; in files "512Mi", "1Gi", "2G" or a number.
type Bytes int64

// Duration is a time.Duration; in files "2ms", "150us".
type Duration time.Duration
