//go:build kube

package deploy_test

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/edgectl/edgectl/kube/bundle"
	"github.com/edgectl/edgectl/kube/bundle/bundletest"
	"github.com/edgectl/edgectl/kube/deploy"
	"github.com/edgectl/edgectl/kube/manifest"
	"github.com/edgectl/edgectl/planner/cluster"
)

// registryHost serves the OCI distribution protocol in-process, on
// loopback, for the test only.
func registryHost(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}

// TestKube_DeployRollUndeploy runs against a real API server, controller
// manager and scheduler with kwok nodes (`make test-kube`): a 4-device
// bundle is deployed by an account holding only the Role of `manifests
// --rbac`, every object is checked, each pod lands on a node of its class
// and becomes ready; a 3-device plan rolls over it while the coordinator
// stays available and the fourth worker is pruned; undeploy leaves nothing
// of the app behind. Pod addresses are fake: nothing here dials a pod.
func TestKube_DeployRollUndeploy(t *testing.T) {
	cs, cfg := admin(t)
	ctx := context.Background()
	id := suffix()
	ns := "edgectl-it-" + id
	namespace(t, cs, ns)
	nodeNames := nodes(t, cs, "edgectl-it-"+id, "small", "big", "small", "big")

	// Two bundles of one app: a 4-device pipeline and a 3-device one,
	// whose cluster files name a registry (served in-process on loopback):
	// deploy pushes each bundle there, and the pods would pull it from it.
	repo := registryHost(t) + "/apps"
	f4 := bundletest.Make(t, "resnet18_tiny", 4)
	f3 := bundletest.Make(t, "resnet18_tiny", 3)
	bundletest.WithRegistry(t, f4, repo, false)
	bundletest.WithRegistry(t, f3, repo, false)
	app4, app3 := filepath.Join(f4.Dir, "app.tar"), filepath.Join(f3.Dir, "app.tar")
	for _, b := range []struct {
		f   bundletest.Files
		out string
	}{{f4, app4}, {f3, app3}} {
		if code, _, _ := edgectl(t, "bundle", b.f.Model, "--plan", b.f.Plan, "--cluster", b.f.Cluster, "-o", b.out); code != 0 {
			t.Fatal("bundle failed")
		}
	}
	b4 := openBundle(t, app4)
	app := b4.Meta.Name
	common := []string{"--namespace", ns, "--image", "registry.invalid/edgectl:test"}

	// The cluster admin applies the deployer's RBAC from `manifests --rbac`.
	rbac := rbacObjects(t, b4, ns)
	adminClient := deploy.FromClientset(cs)
	for _, o := range rbac {
		if err := adminClient.Apply(ctx, o, false); err != nil {
			t.Fatal(err)
		}
	}
	kc := restricted(t, cs, cfg, ns, manifest.DeployerName(app))

	// Deploy as the deployer.
	args := append([]string{"deploy", app4, "--kubeconfig", kc, "--wait", "--timeout", "3m"}, common...)
	code, stdout, stderr := edgectl(t, args...)
	if code != 0 {
		t.Fatalf("deploy: exit %d", code)
	}
	for _, want := range []string{"pushed " + repo + "@" + b4.Digest().String(), "image volume", "may not list nodes", "ready 5/5",
		"coordinator: http://" + app + "-coordinator." + ns + ".svc:8080"} {
		if !strings.Contains(stdout+stderr, want) {
			t.Errorf("deploy output lacks %q", want)
		}
	}
	checkApp(t, cs, ns, app, b4, map[string]string{nodeNames[0]: "small", nodeNames[1]: "big", nodeNames[2]: "small", nodeNames[3]: "big"})
	if code, stdout, _ := edgectl(t, "status", app4, "--kubeconfig", kc, "--namespace", ns, "--no-metrics"); code != 0 ||
		strings.Count(stdout, "Running") != 5 || strings.Count(stdout, " true ") != 5 {
		t.Errorf("status: exit %d", code)
	}

	// Roll to the 3-device plan; sample the coordinator's availability
	// while it happens.
	coordUID := podUIDs(t, cs, ns, app, "coordinator")
	var minAvail atomic.Int32
	minAvail.Store(1 << 30)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			if d, err := cs.AppsV1().Deployments(ns).Get(ctx, manifest.CoordinatorName(app), metav1.GetOptions{}); err == nil && d.Status.AvailableReplicas < minAvail.Load() {
				minAvail.Store(d.Status.AvailableReplicas)
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	args = append([]string{"deploy", app3, "--kubeconfig", kc, "--wait", "--timeout", "3m"}, common...)
	code, stdout, stderr = edgectl(t, args...)
	close(stop)
	wg.Wait()
	if code != 0 {
		t.Fatalf("redeploy: exit %d", code)
	}
	if !strings.Contains(stderr, "pruned Deployment "+ns+"/"+app+"-dev-3") || !strings.Contains(stderr, "pruned Service "+ns+"/"+app+"-dev-3") {
		t.Errorf("redeploy did not prune dev-3")
	}
	if m := minAvail.Load(); m < 1 {
		t.Errorf("the coordinator had %d available pods during the roll", m)
	}
	if podUIDs(t, cs, ns, app, "coordinator") == coordUID {
		t.Error("the coordinator did not roll to the new bundle")
	}
	b3 := openBundle(t, app3)
	checkApp(t, cs, ns, app, b3, map[string]string{nodeNames[0]: "small", nodeNames[1]: "big", nodeNames[2]: "small", nodeNames[3]: "big"})

	// Undeploy as the deployer, then the admin removes the RBAC.
	if code, _, _ := edgectl(t, "undeploy", app, "--kubeconfig", kc, "--namespace", ns, "--wait"); code != 0 {
		t.Fatalf("undeploy: exit %d", code)
	}
	sel := manifest.Selector(app)
	eventually(t, 2*time.Minute, "every object of "+app+" to go", func() bool {
		n := 0
		if l, err := cs.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{LabelSelector: sel}); err == nil {
			n += len(l.Items)
		}
		if l, err := cs.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{LabelSelector: sel}); err == nil {
			n += len(l.Items)
		}
		if l, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel}); err == nil {
			n += len(l.Items)
		}
		if l, err := cs.CoreV1().Services(ns).List(ctx, metav1.ListOptions{LabelSelector: sel}); err == nil {
			n += len(l.Items)
		}
		if l, err := cs.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{LabelSelector: sel}); err == nil {
			n += len(l.Items)
		}
		return n == 0
	})
	// The deployer's account is the admin's and stays until removed.
	if l, _ := cs.RbacV1().Roles(ns).List(ctx, metav1.ListOptions{LabelSelector: sel}); len(l.Items) != 1 {
		t.Errorf("undeploy touched the admin's Role: %d left", len(l.Items))
	}
}

func openBundle(t *testing.T, path string) *bundle.Bundle {
	t.Helper()
	b, err := bundle.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func rbacObjects(t *testing.T, b *bundle.Bundle, ns string) []manifest.Object {
	t.Helper()
	data, err := b.ReadFile(bundle.ClusterPath)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cluster.Decode("cluster.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := manifest.Render(manifest.Input{Meta: b.Meta, Digest: b.Digest().String(), Cluster: c},
		manifest.Options{Namespace: ns, Image: "x", BundleRef: "registry.invalid/x", RBAC: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []manifest.Object
	for _, o := range objs {
		switch o.GetObjectKind().GroupVersionKind().Kind {
		case "ServiceAccount", "Role", "RoleBinding":
			out = append(out, o)
		}
	}
	return out
}

// checkApp checks every object of the deployed bundle b: a Deployment and
// Service per device and the coordinator's, the token Secret, labels and
// the bundle's digest, and each worker pod ready on a node of its class.
func checkApp(t *testing.T, cs *kubernetes.Clientset, ns, app string, b *bundle.Bundle, classOf map[string]string) {
	t.Helper()
	ctx := context.Background()
	sel := manifest.Selector(app)
	deps, err := cs.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		t.Fatal(err)
	}
	svcs, _ := cs.CoreV1().Services(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
	want := map[string]bool{manifest.CoordinatorName(app): true}
	for _, d := range b.Meta.Devices {
		want[manifest.WorkerName(app, d.Name)] = true
	}
	for _, l := range [][]string{objectNames(deps.Items), objectNames(svcs.Items)} {
		if len(l) != len(want) {
			t.Errorf("objects %v, want %d", l, len(want))
		}
		for _, n := range l {
			if !want[n] {
				t.Errorf("unexpected object %s", n)
			}
		}
	}
	for _, d := range deps.Items {
		if d.Annotations[manifest.BundleAnnotation] != b.Digest().String() {
			t.Errorf("Deployment %s is of bundle %s, want %s", d.Name, d.Annotations[manifest.BundleAnnotation], b.Digest())
		}
		// The pods pull the bundle by digest from the cluster file's registry.
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.Image != nil && !strings.HasSuffix(v.Image.Reference, "/apps@"+b.Digest().String()) {
				t.Errorf("Deployment %s mounts bundle %s, want the registry's %s", d.Name, v.Image.Reference, b.Digest())
			}
		}
	}
	if _, err := cs.CoreV1().Secrets(ns).Get(ctx, manifest.TokenSecret(app), metav1.GetOptions{}); err != nil {
		t.Errorf("token Secret: %v", err)
	}
	eventually(t, time.Minute, "old pods of "+app+" to go", func() bool {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
		return err == nil && len(pods.Items) == len(want)
	})
	pods, _ := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
	for _, p := range pods.Items {
		ready := false
		for _, c := range p.Status.Conditions {
			ready = ready || c.Type == "Ready" && c.Status == "True"
		}
		if !ready || p.Annotations[manifest.BundleAnnotation] != b.Digest().String() {
			t.Errorf("pod %s: ready %v, bundle %s", p.Name, ready, p.Annotations[manifest.BundleAnnotation])
		}
		if p.Labels["app.kubernetes.io/component"] != "worker" {
			continue
		}
		dev, _ := b.Meta.Device(p.Labels[manifest.DeviceLabel])
		if got := classOf[p.Spec.NodeName]; got != dev.Class {
			t.Errorf("pod %s of device %s (class %s) is on node %q of class %q", p.Name, dev.Name, dev.Class, p.Spec.NodeName, got)
		}
	}
}

type named interface{ GetName() string }

func objectNames[T any](items []T) []string {
	var out []string
	for i := range items {
		out = append(out, any(&items[i]).(named).GetName())
	}
	return out
}

func podUIDs(t *testing.T, cs *kubernetes.Clientset, ns, app, component string) string {
	t.Helper()
	pods, err := cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{
		LabelSelector: manifest.Selector(app) + ",app.kubernetes.io/component=" + component})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range pods.Items {
		ids = append(ids, string(p.UID))
	}
	return strings.Join(ids, ",")
}
