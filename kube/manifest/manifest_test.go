package manifest_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/edgectl/edgectl/kube/bundle"
	"github.com/edgectl/edgectl/kube/bundle/bundletest"
	"github.com/edgectl/edgectl/kube/manifest"
	"github.com/edgectl/edgectl/planner/cluster"
	"github.com/edgectl/edgectl/runtime/worker"
)

func input(t *testing.T, n int) manifest.Input {
	t.Helper()
	f := bundletest.Make(t, "resnet18_tiny", n)
	out := filepath.Join(f.Dir, "app.tar")
	res, err := bundle.Build(context.Background(), bundle.Options{Model: f.Model, Plan: f.Plan, Cluster: f.Cluster}, out)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cluster.Load(f.Cluster)
	if err != nil {
		t.Fatal(err)
	}
	return manifest.Input{Meta: res.Meta, Digest: res.Digest.String(), Cluster: c}
}

func TestRender_Objects(t *testing.T) {
	in := input(t, 4)
	objs, err := manifest.Render(in, manifest.Options{Namespace: "edge", Image: "registry.example/edgectl:v1",
		BundleRef: "registry.example/apps/resnet", Token: "0123456789abcdef0123", RBAC: true})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, o := range objs {
		kinds[o.GetObjectKind().GroupVersionKind().Kind]++
		if o.GetNamespace() != "edge" {
			t.Errorf("%s in namespace %q", o.GetName(), o.GetNamespace())
		}
		if o.GetLabels()["app.kubernetes.io/managed-by"] != "edgectl" || o.GetLabels()["app.kubernetes.io/instance"] != "resnet18-tiny" {
			t.Errorf("%s labels %v", o.GetName(), o.GetLabels())
		}
	}
	want := map[string]int{"Secret": 1, "ServiceAccount": 1, "Role": 1, "RoleBinding": 1, "Service": 5, "Deployment": 5}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%d %s objects, want %d (all: %v)", kinds[k], k, n, kinds)
		}
	}
	var w *appsv1.Deployment
	for _, o := range objs {
		if d, ok := o.(*appsv1.Deployment); ok && d.Name == "resnet18-tiny-dev-1" {
			w = d
		}
	}
	if w == nil {
		t.Fatal("no worker Deployment for dev-1")
	}
	spec := w.Spec.Template.Spec
	if spec.NodeSelector[manifest.ClassLabel] != "big" {
		t.Errorf("dev-1 (class big) node selector %v", spec.NodeSelector)
	}
	c := spec.Containers[0]
	if c.ReadinessProbe.GRPC == nil || c.ReadinessProbe.GRPC.Port != manifest.WorkerPort || c.LivenessProbe.GRPC == nil {
		t.Errorf("worker probes %+v %+v", c.ReadinessProbe, c.LivenessProbe)
	}
	// A roll: the worker drains on SIGTERM within its grace period, and
	// its liveness probe asks the service that stays SERVING meanwhile.
	if lp := c.LivenessProbe.GRPC; lp == nil || lp.Service == nil || *lp.Service != worker.LivenessService {
		t.Errorf("worker liveness probe %+v, want the health service %q", c.LivenessProbe, worker.LivenessService)
	}
	if !strings.Contains(strings.Join(c.Args, " "), "--drain "+manifest.WorkerDrain.String()) ||
		spec.TerminationGracePeriodSeconds == nil || *spec.TerminationGracePeriodSeconds <= int64(manifest.WorkerDrain/time.Second) {
		t.Errorf("worker args %v, grace period %v: want a drain within it", c.Args, spec.TerminationGracePeriodSeconds)
	}
	if w.Spec.Strategy.RollingUpdate.MaxUnavailable.IntValue() != 0 || w.Spec.Strategy.RollingUpdate.MaxSurge.IntValue() != 1 {
		t.Errorf("worker strategy %+v: want the new pod ready before the old one goes", w.Spec.Strategy)
	}
	if c.Resources.Requests.Cpu().Value() != 2 || c.Resources.Limits.Memory().Value() != 512<<20 {
		t.Errorf("dev-1 (2 threads, 512Mi) resources %v", c.Resources)
	}
	if c.Env[0].ValueFrom.SecretKeyRef.Name != "resnet18-tiny-token" {
		t.Errorf("token env %+v", c.Env)
	}
	args := strings.Join(c.Args, " ")
	if !strings.Contains(args, "--bundle /bundle --device dev-1") {
		t.Errorf("worker args %s", args)
	}
	var img *corev1.ImageVolumeSource
	for _, v := range spec.Volumes {
		if v.Image != nil {
			img = v.Image
		}
	}
	if img == nil || img.Reference != "registry.example/apps/resnet@"+in.Digest {
		t.Errorf("bundle image volume %+v", img)
	}
}

func TestRender_InitContainerAndYAML(t *testing.T) {
	in := input(t, 2)
	objs, err := manifest.Render(in, manifest.Options{Image: "edgectl:v1", BundleRef: "localhost:5000/apps/x:v1", Source: manifest.SourceInit, PullSecret: "regcred"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := manifest.YAML(objs)
	if err != nil {
		t.Fatal(err)
	}
	docs := bytes.Split(data, []byte("\n---\n"))
	if len(docs) != 7 { // header+first, 3 services, 3 deployments
		t.Errorf("%d documents", len(docs))
	}
	if bytes.Contains(data, []byte("creationTimestamp")) || bytes.Contains(data, []byte("status:")) || bytes.Contains(data, []byte("null")) {
		t.Errorf("YAML has empty fields:\n%s", data)
	}
	for _, doc := range docs[1:] {
		var d appsv1.Deployment
		if !bytes.Contains(doc, []byte("kind: Deployment")) {
			continue
		}
		if err := yaml.UnmarshalStrict(doc, &d); err != nil {
			t.Fatalf("%v:\n%s", err, doc)
		}
		ic := d.Spec.Template.Spec.InitContainers
		if len(ic) != 1 || ic[0].Args[2] != "localhost:5000/apps/x@"+in.Digest {
			t.Errorf("%s init containers %+v", d.Name, ic)
		}
		if ps := d.Spec.Template.Spec.ImagePullSecrets; len(ps) != 1 || ps[0].Name != "regcred" || ic[0].Env[0].Name != "DOCKER_CONFIG" {
			t.Errorf("%s pull secret %v, init env %v", d.Name, ps, ic[0].Env)
		}
	}
}

func TestRender_Errors(t *testing.T) {
	in := input(t, 2)
	_, err := manifest.Render(in, manifest.Options{Image: "x", BundleRef: "r/x@sha256:" + strings.Repeat("0", 64)})
	if err == nil || !strings.Contains(err.Error(), "names digest") {
		t.Errorf("wrong digest: %v", err)
	}
	in.Cluster.Devices = in.Cluster.Devices[:1]
	_, err = manifest.Render(in, manifest.Options{BundleRef: "r/x"})
	if err == nil || !strings.Contains(err.Error(), `device "dev-1" is not in the bundle's cluster file`) || !strings.Contains(err.Error(), "no image") {
		t.Errorf("missing device and image: %v", err)
	}
}
