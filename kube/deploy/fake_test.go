package deploy_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/edgectl/edgectl/kube/deploy"
	"github.com/edgectl/edgectl/kube/deploy/deployfake"
)

// Wait prints a line whenever the count of rolled-out Deployments changes,
// and returns once all have rolled out (a scripted rollout on the fake).
func TestWait_ProgressOnTheFake(t *testing.T) {
	defer func(d time.Duration) { deploy.PollInterval = d }(deploy.PollInterval)
	deploy.PollInterval = time.Millisecond
	one := int32(1)
	dep := func(name string, ready bool) appsv1.Deployment {
		d := appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Generation: 2}, Spec: appsv1.DeploymentSpec{Replicas: &one},
			Status: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 1, UpdatedReplicas: 1}}
		if ready {
			d.Status.ReadyReplicas, d.Status.AvailableReplicas = 1, 1
		} else {
			d.Status.Replicas = 2 // the old pod still runs
		}
		return d
	}
	c := &deployfake.Client{Deploys: func(n int) []appsv1.Deployment {
		return []appsv1.Deployment{dep("app-dev-0", n >= 1), dep("app-coordinator", n >= 3)}
	}}
	var log bytes.Buffer
	if err := deploy.Wait(context.Background(), c, "ns", "app", time.Minute, &log); err != nil {
		t.Fatal(err)
	}
	want := "ready 0/2, waiting for app-dev-0 (1 old pods terminating), app-coordinator (1 old pods terminating)\n" +
		"ready 1/2, waiting for app-coordinator (1 old pods terminating)\n" +
		"ready 2/2\n"
	if log.String() != want {
		t.Errorf("progress:\n%s\nwant:\n%s", log.String(), want)
	}
}

// Deploy on the fake: objects applied in order, a pruned device, and the
// node check reporting every device without a node at once.
func TestDeploy_OnTheFake(t *testing.T) {
	app, objs, devs := objects(t, 3)
	c := &deployfake.Client{NodeCount: func(sel map[string]string) (int, error) { return 0, nil }}
	_, err := deploy.Deploy(context.Background(), c, app, objs, deploy.Options{Namespace: ns, Devices: devs})
	if err == nil || strings.Count(err.Error(), "no node has the labels") != 3 {
		t.Fatalf("no nodes at all: %v", err)
	}
	c.NodeCount = nil
	res, err := deploy.Deploy(context.Background(), c, app, objs, deploy.Options{Namespace: ns, Devices: devs})
	if err != nil {
		t.Fatal(err)
	}
	if res.Applied[0].Kind != "Service" || res.Applied[len(res.Applied)-1].Name != app+"-coordinator" || !res.TokenCreated {
		t.Errorf("applied %v, token %v", res.Applied, res.TokenCreated)
	}
	_, objs2, devs2 := objects(t, 2)
	res, err = deploy.Deploy(context.Background(), c, app, objs2, deploy.Options{Namespace: ns, Devices: devs2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pruned) != 2 || res.Pruned[0].Name != app+"-dev-2" {
		t.Errorf("pruned %v", res.Pruned)
	}
}
