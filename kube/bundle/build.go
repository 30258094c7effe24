package bundle

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/planner/cluster"
)

// Options say what goes into a bundle.
type Options struct {
	// Model is the ONNX or .edgeir file; InputShapes as for import.
	Model       string
	InputShapes map[string]graphir.Shape
	// Plan and Cluster are the plan and cluster files; every device of
	// the plan must be in the cluster file.
	Plan, Cluster string
	// Plugins are extra plugin files; the plugins of the cluster file's
	// classes are always included.
	Plugins []string
	// Name of the application (default: the plan's model name, else the
	// model file's base name), a DNS label.
	Name string
	// Manifests renders the Kubernetes objects of the bundle from its
	// metadata (kube/manifest; nil: none).
	Manifests func(*Meta, *cluster.Cluster) ([]byte, error)
	// Progress receives a line per step (nil: none).
	Progress io.Writer
}

// Result is what Build wrote.
type Result struct {
	Digest v1.Hash // of the index: the bundle's identity
	Size   int64   // of the archive
	Meta   *Meta
}

// Build writes the bundle described by o as an OCI archive at out.
func Build(ctx context.Context, o Options, out string) (*Result, error) {
	say := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, format+"\n", args...)
		}
	}
	planData, err := os.ReadFile(o.Plan)
	if err != nil {
		return nil, err
	}
	plan, err := graphir.DecodePlanFile(o.Plan, planData)
	if err != nil {
		return nil, err
	}
	cl, err := cluster.Load(o.Cluster)
	if err != nil {
		return nil, err
	}
	name, err := appName(o, plan)
	if err != nil {
		return nil, err
	}
	say("importing %s", o.Model)
	g, err := importer.LoadFile(o.Model, importer.Options{InputShapes: o.InputShapes})
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(filepath.Dir(out), ".bundle-build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	say("splitting the weights by stage")
	parts, err := splitModel(g, plan, dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.Plan, err)
	}
	g = nil // the weights are on disk now
	meta := &Meta{APIVersion: APIVersion, Kind: Kind, Name: name, Model: parts.model, Weights: parts.weights, Devices: parts.devices}
	for i := range meta.Devices {
		c, ok := cl.ClassOf(meta.Devices[i].Name)
		if !ok {
			return nil, fmt.Errorf("%s: plan device %q is not in the cluster file %s (devices: %s)", o.Plan,
				meta.Devices[i].Name, o.Cluster, strings.Join(deviceNames(cl), ", "))
		}
		meta.Devices[i].Class = c.Name
	}
	type input struct{ path, role, src, class string }
	ins := []input{{PlanPath, RolePlan, o.Plan, ""}, {ClusterPath, RoleCluster, o.Cluster, ""},
		{GraphPath, RoleGraph, parts.files[GraphPath], ""}}
	for _, w := range meta.Weights {
		ins = append(ins, input{w.Path, RoleWeights, parts.files[w.Path], ""})
	}
	plugins, err := pluginFiles(cl, o.Plugins)
	if err != nil {
		return nil, err
	}
	for _, p := range plugins {
		ins = append(ins, input{"plugins/" + filepath.Base(p.src), RolePlugin, p.src, p.class})
	}
	layerDir := filepath.Join(dir, "layers")
	if err := os.Mkdir(layerDir, 0o755); err != nil {
		return nil, err
	}
	var layers []*layer
	for _, in := range ins {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l, err := makeLayer(layerDir, in.path, in.role, in.src)
		if err != nil {
			return nil, err
		}
		layers = append(layers, l)
		meta.Files = append(meta.Files, File{Path: in.path, Role: in.role, SHA256: l.sum, Size: l.size, Class: in.class})
		if in.role == RoleWeights || in.role == RoleGraph {
			os.Remove(in.src)
		}
	}
	if o.Manifests != nil {
		data, err := o.Manifests(meta, cl)
		if err != nil {
			return nil, fmt.Errorf("rendering the manifests: %w", err)
		}
		l, err := memLayer(dir, layerDir, ManifestsPath, RoleManifests, data)
		if err != nil {
			return nil, err
		}
		layers = append(layers, l)
		meta.Files = append(meta.Files, File{Path: ManifestsPath, Role: RoleManifests, SHA256: l.sum, Size: l.size})
	}
	if err := meta.check(); err != nil {
		return nil, err
	}
	metaJSON, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return nil, err
	}
	ml, err := memLayer(dir, layerDir, MetaPath, RoleMeta, metaJSON)
	if err != nil {
		return nil, err
	}
	layers = append([]*layer{ml}, layers...)
	say("writing %s", out)
	idx, small, err := images(name, layers)
	if err != nil {
		return nil, err
	}
	top := idx.desc
	top.Annotations = map[string]string{"org.opencontainers.image.ref.name": "latest", NameAnnotation: name}
	srcs := []source{memSource(idx, "index")}
	for _, b := range small {
		srcs = append(srcs, memSource(b, string(b.desc.MediaType)))
	}
	for _, l := range layers {
		srcs = append(srcs, fileSource(l))
	}
	if err := writeArchive(out, []v1.Descriptor{top}, srcs); err != nil {
		return nil, err
	}
	st, err := os.Stat(out)
	if err != nil {
		return nil, err
	}
	return &Result{Digest: idx.desc.Digest, Size: st.Size(), Meta: meta}, nil
}

// memLayer makes a layer of data.
func memLayer(dir, layerDir, path, role string, data []byte) (*layer, error) {
	f := filepath.Join(dir, filepath.Base(path))
	if err := os.WriteFile(f, data, 0o644); err != nil {
		return nil, err
	}
	return makeLayer(layerDir, path, role, f)
}
