package bundle

import (
	"fmt"
	"slices"
)

// Format identifiers of bundle.json. Bundles are written as APIVersion;
// v1alpha2 added per-device weight blobs (Weights.Device, Const.Runs),
// which an edgectl of v1alpha1 would read as whole constants, so it must
// refuse them by the version. A v1alpha1 bundle has neither and reads
// the same now.
const (
	APIVersion   = "edgectl.dev/v1alpha2"
	APIVersionV1 = "edgectl.dev/v1alpha1"
	Kind         = "Bundle"
)

// Paths of the files in a bundle (and in the folder an image volume or
// `edgectl bundle pull --extract` makes of it).
const (
	MetaPath      = "bundle.json"
	PlanPath      = "plan.yaml"
	ClusterPath   = "cluster.yaml"
	GraphPath     = "model/graph.edgeir"
	CommonWeights = "model/weights/common.bin"
	ManifestsPath = "manifests/app.yaml"
)

// Roles of the files (File.Role, and the layer annotation RoleAnnotation).
const (
	RoleMeta      = "meta"
	RolePlan      = "plan"
	RoleCluster   = "cluster"
	RoleGraph     = "graph"
	RoleWeights   = "weights"
	RolePlugin    = "plugin"
	RoleManifests = "manifests"
)

// Annotations on the layers, the images and the index.
const (
	TitleAnnotation = "org.opencontainers.image.title" // a layer's file path
	RoleAnnotation  = "dev.edgectl.bundle.role"
	NameAnnotation  = "dev.edgectl.bundle.name"
	// SignatureOfAnnotation marks a signature manifest in an archive's
	// index.json with the digest it signs.
	SignatureOfAnnotation = "dev.edgectl.bundle.signature-of"
)

// Meta is bundle.json: what the bundle holds.
type Meta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Name is the application's name (Kubernetes object names derive
	// from it).
	Name  string `json:"name"`
	Model Model  `json:"model"`
	// Files lists every file but bundle.json, with its own digest, so
	// that a folder of extracted files can be checked file by file.
	Files   []File    `json:"files"`
	Weights []Weights `json:"weights"`
	Devices []Device  `json:"devices"`
}

// Model describes the .edgeir file that graph.edgeir and the weight blobs
// make up together.
type Model struct {
	Name string `json:"name"`
	// SHA256 and Size are those of the whole .edgeir file; a worker stores
	// its shard under that digest (runtime/worker's models/SHA256).
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// WeightsStart is where the constant data begin in the .edgeir file
	// (graph.edgeir is that long); Const offsets count from there.
	WeightsStart int64 `json:"weightsStart"`
}

// File is one file of the bundle.
type File struct {
	Path   string `json:"path"`
	Role   string `json:"role"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Class is the device class a plugin serves.
	Class string `json:"class,omitempty"`
}

// Weights is one weight blob: the constants it holds (of a constant with
// Runs, those runs), back to back, each padded to 64 bytes, in this order.
type Weights struct {
	Path string `json:"path"`
	// Stage is the plan stage whose nodes first use these constants
	// (empty for the common blob).
	Stage string `json:"stage,omitempty"`
	// Device, when set, is the one device that reads this blob: it holds
	// that device's slices of a layer split by output channels.
	Device string  `json:"device,omitempty"`
	Consts []Const `json:"consts"`
}

// Const is one constant: its name and where its data go in the .edgeir
// file (Model.WeightsStart + Offset, Bytes long).
type Const struct {
	Name   string `json:"name"`
	Offset int64  `json:"offset"`
	Bytes  int64  `json:"bytes"`
	// Runs, when set, are the byte ranges [lo, hi) of the constant's data
	// that the blob holds (a device's slice), in order; the rest is
	// another device's.
	Runs [][2]int64 `json:"runs,omitempty"`
}

// Device is one plan device: its class (from the cluster file), the stages
// it has tiles in and the weight blobs it reads (the common one first).
type Device struct {
	Name    string   `json:"name"`
	Class   string   `json:"class"`
	Stages  []string `json:"stages"`
	Weights []string `json:"weights"`
}

// Device returns the device called name.
func (m *Meta) Device(name string) (Device, bool) {
	for _, d := range m.Devices {
		if d.Name == name {
			return d, true
		}
	}
	return Device{}, false
}

// File returns the file at path.
func (m *Meta) File(path string) (File, bool) {
	for _, f := range m.Files {
		if f.Path == path {
			return f, true
		}
	}
	return File{}, false
}

// DeviceNames lists the devices in plan order.
func (m *Meta) DeviceNames() []string {
	var out []string
	for _, d := range m.Devices {
		out = append(out, d.Name)
	}
	return out
}

// Plugin is the plugin file of class, if the class has one.
func (m *Meta) Plugin(class string) (File, bool) {
	for _, f := range m.Files {
		if f.Role == RolePlugin && f.Class == class {
			return f, true
		}
	}
	return File{}, false
}

// check reports what makes m unusable, naming the field.
func (m *Meta) check() error {
	if (m.APIVersion != APIVersion && m.APIVersion != APIVersionV1) || m.Kind != Kind {
		return fmt.Errorf("%s: apiVersion %q kind %q, want %q %q", MetaPath, m.APIVersion, m.Kind, APIVersion, Kind)
	}
	for _, p := range []string{PlanPath, ClusterPath, GraphPath, CommonWeights} {
		if _, ok := m.File(p); !ok {
			return fmt.Errorf("%s: lists no file %s", MetaPath, p)
		}
	}
	weights := map[string]bool{}
	for _, w := range m.Weights {
		if _, ok := m.File(w.Path); !ok {
			return fmt.Errorf("%s: weights %s are not among its files", MetaPath, w.Path)
		}
		weights[w.Path] = true
	}
	for _, d := range m.Devices {
		for _, w := range d.Weights {
			if !weights[w] {
				return fmt.Errorf("%s: device %q reads weights %s, which are not listed", MetaPath, d.Name, w)
			}
		}
	}
	if len(m.Model.SHA256) != 64 || m.Model.Size <= 0 || m.Model.WeightsStart <= 0 {
		return fmt.Errorf("%s: model: bad sha256, size or weightsStart", MetaPath)
	}
	return nil
}

// weightsOf returns the weight blobs at paths.
func (m *Meta) weightsOf(paths []string) []Weights {
	var out []Weights
	for _, w := range m.Weights {
		if slices.Contains(paths, w.Path) {
			out = append(out, w)
		}
	}
	return out
}

// Media types of edgectl's own content.
const (
	// ArtifactType marks a bundle's index.
	ArtifactType = "application/vnd.edgectl.bundle.v1"
	// SignatureType marks a signature manifest and its one layer.
	SignatureType = "application/vnd.edgectl.bundle.signature.v1+json"
)
