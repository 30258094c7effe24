package cluster

// Format identifiers.
const (
	APIVersion = "edgectl.dev/v1alpha1"
	Kind       = "Cluster"
)

// Coordinator names the machine running the coordinator (`edgectl run`)
// in links; no device may take the name.
const Coordinator = "coordinator"

// Media of Network.Medium.
const (
	Shared   = "shared"
	Switched = "switched"
)

// Cluster is a cluster file.
type Cluster struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Classes    []Class  `json:"classes"`
	Devices    []Device `json:"devices"`
	Network    Network  `json:"network"`
	Auth       Auth     `json:"auth,omitzero"`
	// Registry is where `edgectl deploy` puts bundles for the pods to
	// pull (optional).
	Registry Registry `json:"registry,omitzero"`

	// File is the file the cluster was loaded from (for errors), and Dir
	// its folder: relative paths in it (profiles, plugins, token and TLS
	// files) are relative to Dir (Path).
	File string `json:"-"`
	Dir  string `json:"-"`
}

// Class is a device class: devices of one kind (a board model, a container
// with a CPU quota) that share a latency profile.
type Class struct {
	Name    string   `json:"name"`
	Threads int      `json:"threads,omitempty"` // intra-op threads of its workers (0: 1)
	Memory  Bytes    `json:"memory,omitempty"`  // per device; 0: unlimited
	Kernels *Kernels `json:"kernels,omitempty"` // nil: native kernels
	// Profile is the class's latency profile file (costmodel.Profile,
	// measured with `edgectl profile --worker`), relative to Dir. Without
	// one, the class uses this machine's profile scaled by Speed; a class
	// has one or the other, never both.
	Profile string  `json:"profile,omitempty"`
	Speed   float64 `json:"speed,omitempty"` // relative to one core of this machine (0: 1)
	// JobOverhead is the wall time a device of the class adds to every
	// job (a tile of a stage) beyond its kernels' predicted time: taking
	// the call, scheduling, and on an emulated device its CPU quota's
	// stalls. The planner charges it to every tile (0: none).
	JobOverhead Duration `json:"jobOverhead,omitempty"`
}

// Kernels names a WebAssembly kernel plugin by file (relative to Dir) and
// digest (lowercase hex SHA-256).
type Kernels struct {
	Plugin string `json:"plugin"`
	SHA256 string `json:"sha256"`
}

// Device is one device: a worker at Address, or a Kubernetes node chosen by
// NodeSelector (at least one of the two; Address is what `run` and
// `netprobe` use).
type Device struct {
	Name         string            `json:"name"`
	Class        string            `json:"class"`
	Address      string            `json:"address,omitempty"` // host:port of its worker
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
}

// Network is how the devices (and the coordinator) reach each other.
//
// A message of B bytes from one device to another (a tile's part, pushed
// worker to worker) costs PerMessage + 8·B/Bandwidth seconds: PerMessage
// is everything a message costs beyond its bytes, the acknowledgement's
// round trip included, as `edgectl netprobe` measures it (the intercept of
// time against size). RTT is the round trip of an empty call (the
// coordinator starting a job); do not add it to PerMessage.
type Network struct {
	// Medium is Shared (one channel all traffic takes turns on, as WiFi
	// through an access point; the default) or Switched (each device has
	// a link of its own).
	Medium     string    `json:"medium,omitempty"`
	Bandwidth  Bandwidth `json:"bandwidth"`
	RTT        Duration  `json:"rtt,omitempty"`
	PerMessage Duration  `json:"perMessage,omitempty"`
	Links      []Link    `json:"links,omitempty"`
}

// Link overrides the network between two devices (both directions);
// Coordinator names the coordinator. A zero field keeps the global value.
type Link struct {
	From       string    `json:"from"`
	To         string    `json:"to"`
	Bandwidth  Bandwidth `json:"bandwidth,omitempty"`
	RTT        Duration  `json:"rtt,omitempty"`
	PerMessage Duration  `json:"perMessage,omitempty"`
}

// Auth is how the coordinator authenticates to the workers: the shared
// token's file, and/or a client certificate over TLS. Paths are relative
// to Dir.
type Auth struct {
	TokenFile string `json:"tokenFile,omitempty"`
	TLS       *TLS   `json:"tls,omitempty"`
}

// Registry is the OCI repository that `edgectl deploy` pushes a bundle to
// (by digest, when it is not there yet) and the pods pull it from.
type Registry struct {
	// Repository is REGISTRY/PATH, e.g. registry.lan:5000/edgectl: no
	// scheme, tag or digest.
	Repository string `json:"repository"`
	// Insecure allows plain HTTP to a registry that is not on localhost,
	// loopback or a private address (those always may).
	Insecure bool `json:"insecure,omitempty"`
}

// TLS names the coordinator's client certificate and key (mTLS; both or
// neither) and the CA of the workers' certificates (empty: the system
// roots).
type TLS struct {
	Cert string `json:"cert,omitempty"`
	Key  string `json:"key,omitempty"`
	CA   string `json:"ca,omitempty"`
}
