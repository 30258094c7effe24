//go:build kube

package deploy_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/edgectl/edgectl/kube/bundle/bundletest"
)

var resources = map[string]schema.GroupVersionResource{
	"Secret":         {Version: "v1", Resource: "secrets"},
	"ServiceAccount": {Version: "v1", Resource: "serviceaccounts"},
	"Service":        {Version: "v1", Resource: "services"},
	"Role":           {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"},
	"RoleBinding":    {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"},
	"Deployment":     {Group: "apps", Version: "v1", Resource: "deployments"},
}

// The YAML of `edgectl manifests` (every kind, both bundle sources) is what
// the API server accepts: each document is created with a server-side dry
// run, which validates it fully and stores nothing.
func TestKube_ManifestsYAMLAccepted(t *testing.T) {
	_, cfg := admin(t)
	cs, _ := admin(t)
	ns := "edgectl-it-" + suffix()
	namespace(t, cs, ns)
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f := bundletest.Make(t, "resnet18_tiny", 2)
	app := filepath.Join(f.Dir, "app.tar")
	if code, _, _ := edgectl(t, "bundle", f.Model, "--plan", f.Plan, "--cluster", f.Cluster, "-o", app); code != 0 {
		t.Fatal("bundle failed")
	}
	token := filepath.Join(f.Dir, "token")
	os.WriteFile(token, []byte("0123456789abcdef0123456789abcdef\n"), 0o600)
	for _, source := range []string{"image", "init"} {
		code, stdout, _ := edgectl(t, "manifests", app, "--namespace", ns, "--bundle-ref", "registry.invalid/apps/x",
			"--image", "registry.invalid/edgectl:test", "--source", source, "--rbac", "--rbac-user", "alice", "--token-file", token, "--pull-secret", "regcred")
		if code != 0 {
			t.Fatal("manifests failed")
		}
		kinds := map[string]int{}
		for _, doc := range bytes.Split([]byte(stdout), []byte("\n---\n")) {
			var u unstructured.Unstructured
			if err := yaml.Unmarshal(doc, &u.Object); err != nil {
				t.Fatal(err)
			}
			if len(u.Object) == 0 {
				continue
			}
			gvr, ok := resources[u.GetKind()]
			if !ok {
				t.Fatalf("unexpected kind %q", u.GetKind())
			}
			kinds[u.GetKind()]++
			if _, err := dyn.Resource(gvr).Namespace(ns).Create(context.Background(), &u, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
				t.Errorf("--source %s: %s %s refused: %v", source, u.GetKind(), u.GetName(), err)
			}
		}
		if kinds["Deployment"] != 3 || kinds["Service"] != 3 || kinds["Secret"] != 1 || kinds["Role"] != 1 {
			t.Errorf("--source %s: kinds %v", source, kinds)
		}
	}
}
