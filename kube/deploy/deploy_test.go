package deploy_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	restclient "k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	"github.com/edgectl/edgectl/kube/bundle"
	"github.com/edgectl/edgectl/kube/bundle/bundletest"
	"github.com/edgectl/edgectl/kube/deploy"
	"github.com/edgectl/edgectl/kube/manifest"
	"github.com/edgectl/edgectl/planner/cluster"
)

const ns = "edge"

func node(name, class string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{manifest.ClassLabel: class}}}
}

// objects renders the bundle of an n-device pipeline.
func objects(t *testing.T, n int) (string, []manifest.Object, map[string]map[string]string) {
	t.Helper()
	f := bundletest.Make(t, "resnet18_tiny", n)
	res, err := bundle.Build(context.Background(), bundle.Options{Model: f.Model, Plan: f.Plan, Cluster: f.Cluster}, filepath.Join(f.Dir, "app.tar"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := cluster.Load(f.Cluster)
	if err != nil {
		t.Fatal(err)
	}
	in := manifest.Input{Meta: res.Meta, Digest: res.Digest.String(), Cluster: c}
	objs, err := manifest.Render(in, manifest.Options{Namespace: ns, Image: "edgectl:test", BundleRef: "registry.invalid/apps/x"})
	if err != nil {
		t.Fatal(err)
	}
	return res.Meta.Name, objs, manifest.Devices(in)
}

func names(refs []deploy.Ref) string {
	var s []string
	for _, r := range refs {
		s = append(s, r.Kind+"/"+r.Name)
	}
	return strings.Join(s, " ")
}

func TestDeploy_ApplyPruneUndeploy(t *testing.T) {
	ctx := context.Background()
	other := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "not-ours", Namespace: ns, Labels: map[string]string{"app": "x"}}}
	cs := fake.NewClientset(node("n0", "small"), node("n1", "big"), other)
	c := deploy.FromClientset(cs)
	app, objs, devs := objects(t, 4)
	var log bytes.Buffer
	res, err := deploy.Deploy(ctx, c, app, objs, deploy.Options{Namespace: ns, Devices: devs, Progress: &log})
	if err != nil {
		t.Fatal(err)
	}
	if !res.TokenCreated || len(res.Applied) != 10 || len(res.Pruned) != 0 {
		t.Fatalf("first deploy: token %v, applied %s, pruned %s", res.TokenCreated, names(res.Applied), names(res.Pruned))
	}
	d, err := cs.AppsV1().Deployments(ns).Get(ctx, app+"-dev-3", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Spec.Template.Spec.NodeSelector[manifest.ClassLabel] != "big" {
		t.Errorf("dev-3 node selector %v", d.Spec.Template.Spec.NodeSelector)
	}
	secret, _ := cs.CoreV1().Secrets(ns).Get(ctx, manifest.TokenSecret(app), metav1.GetOptions{})

	// A plan over two devices: the workers of dev-2 and dev-3 go, the
	// token stays.
	_, objs2, devs2 := objects(t, 2)
	res, err = deploy.Deploy(ctx, c, app, objs2, deploy.Options{Namespace: ns, Devices: devs2})
	if err != nil {
		t.Fatal(err)
	}
	if res.TokenCreated || names(res.Pruned) != "Deployment/"+app+"-dev-2 Deployment/"+app+"-dev-3 Service/"+app+"-dev-2 Service/"+app+"-dev-3" {
		t.Errorf("second deploy: token created %v, pruned %s", res.TokenCreated, names(res.Pruned))
	}
	again, _ := cs.CoreV1().Secrets(ns).Get(ctx, manifest.TokenSecret(app), metav1.GetOptions{})
	if again == nil || secret == nil || again.UID != secret.UID {
		t.Error("the token Secret was replaced by a redeploy")
	}

	gone, err := deploy.Undeploy(ctx, c, ns, app, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(gone) != 7 { // 3 deployments, 3 services, the token
		t.Errorf("undeploy deleted %s", names(gone))
	}
	if _, err := cs.CoreV1().Services(ns).Get(ctx, "not-ours", metav1.GetOptions{}); err != nil {
		t.Errorf("undeploy removed an object that is not ours: %v", err)
	}
}

func TestDeploy_MissingNodeClass(t *testing.T) {
	cs := fake.NewClientset(node("n0", "small"))
	app, objs, devs := objects(t, 2)
	_, err := deploy.Deploy(context.Background(), deploy.FromClientset(cs), app, objs, deploy.Options{Namespace: ns, Devices: devs})
	if err == nil || !strings.Contains(err.Error(), `device "dev-1": no node has the labels edgectl.dev/device-class=big`) {
		t.Fatalf("got %v", err)
	}
	if l, _ := cs.AppsV1().Deployments(ns).List(context.Background(), metav1.ListOptions{}); len(l.Items) != 0 {
		t.Error("objects were applied although a device has no node")
	}
}

func TestDeploy_NodesForbiddenSkipsTheCheck(t *testing.T) {
	cs := fake.NewClientset()
	cs.PrependReactor("list", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "nodes"}, "", errors.New("no"))
	})
	app, objs, devs := objects(t, 2)
	var log bytes.Buffer
	if _, err := deploy.Deploy(context.Background(), deploy.FromClientset(cs), app, objs, deploy.Options{Namespace: ns, Devices: devs, Progress: &log}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "may not list nodes") {
		t.Errorf("progress:\n%s", log.String())
	}
}

func TestDeploy_ForbiddenAndConflict(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"forbidden", apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "deployments"}, "x", errors.New("denied")), "--rbac"},
		{"conflict", apierrors.NewConflict(schema.GroupResource{Group: "apps", Resource: "deployments"}, "x", errors.New("field .spec.replicas is managed by kubectl")), "deploy --force"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cs := fake.NewClientset(node("n0", "small"), node("n1", "big"))
			cs.PrependReactor("patch", "deployments", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, c.err })
			app, objs, devs := objects(t, 2)
			_, err := deploy.Deploy(context.Background(), deploy.FromClientset(cs), app, objs, deploy.Options{Namespace: ns, Devices: devs})
			if err == nil || !strings.Contains(err.Error(), "apply Deployment edge/"+app+"-dev-0") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestWait_TimeoutNamesWhatIsNotReady(t *testing.T) {
	defer func(d time.Duration) { deploy.PollInterval = d }(deploy.PollInterval)
	deploy.PollInterval = 10 * time.Millisecond
	labels := manifest.Labels("app")
	one := int32(1)
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "app-dev-0", Namespace: ns, Labels: labels},
		Spec: appsv1.DeploymentSpec{Replicas: &one}, Status: appsv1.DeploymentStatus{Replicas: 1, UpdatedReplicas: 1}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "app-dev-0-abc", Namespace: ns, Labels: labels},
		Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled,
			Status: corev1.ConditionFalse, Message: "0/4 nodes are available"}}}}
	c := deploy.FromClientset(fake.NewClientset(dep, pod))
	var log bytes.Buffer
	err := deploy.Wait(context.Background(), c, ns, "app", 100*time.Millisecond, &log)
	if !errors.Is(err, deploy.ErrTimeout) || !strings.Contains(err.Error(), "app-dev-0 (0/1 ready)") ||
		!strings.Contains(err.Error(), "not scheduled: 0/4 nodes are available") {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(log.String(), "ready 0/1") {
		t.Errorf("progress:\n%s", log.String())
	}
}

func TestStatus_MetricsThroughTheAPIServer(t *testing.T) {
	labels := manifest.Labels("app")
	labels["app.kubernetes.io/component"] = "worker"
	labels[manifest.DeviceLabel] = "dev-0"
	labels[manifest.ClassLabel] = "small"
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "app-dev-0-abc", Namespace: ns, Labels: labels},
		Spec: corev1.PodSpec{NodeName: "n0"},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "worker", RestartCount: 2}}}}
	cs := fake.NewClientset(pod)
	var asked string
	cs.PrependProxyReactor("pods", func(a k8stesting.Action) (bool, restclient.ResponseWrapper, error) {
		p := a.(k8stesting.ProxyGetAction)
		asked = p.GetName() + ":" + p.GetPort() + "/" + p.GetPath()
		return true, fakeResponse("# TYPE edgectl_worker_tiles_total counter\nedgectl_worker_tiles_total{stage=\"0\"} 3\nedgectl_worker_tiles_total{stage=\"1\"} 4\nedgectl_worker_bytes_sent_total 1024\n"), nil
	})
	st, err := deploy.Status(context.Background(), deploy.FromClientset(cs), ns, "app", true)
	if err != nil {
		t.Fatal(err)
	}
	if asked != "app-dev-0-abc:9090/metrics" {
		t.Errorf("proxied %q", asked)
	}
	if len(st) != 1 || st[0].Metrics["edgectl_worker_tiles_total"] != 7 || st[0].Restarts != 2 || st[0].Node != "n0" {
		t.Fatalf("status %+v", st)
	}
	var out bytes.Buffer
	deploy.FormatStatus(&out, st)
	if !strings.Contains(out.String(), "app-dev-0-abc  worker     dev-0   small  n0    Running  true   2         7      0         1024") {
		t.Errorf("table:\n%s", out.String())
	}
}

type fakeResponse string

func (f fakeResponse) DoRaw(context.Context) ([]byte, error) { return []byte(f), nil }
func (f fakeResponse) Stream(context.Context) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader(string(f))), nil
}
