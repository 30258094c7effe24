//go:build kube

package deploy_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	"github.com/edgectl/edgectl/cli/app"
	"github.com/edgectl/edgectl/internal/testenv"
	"github.com/edgectl/edgectl/kube/manifest"
)

// admin connects with $EDGECTL_KUBECONFIG (the test cluster's admin, which
// `make test-kube` starts).
func admin(t *testing.T) (*kubernetes.Clientset, *rest.Config) {
	t.Helper()
	path := os.Getenv("EDGECTL_KUBECONFIG")
	if path == "" {
		testenv.Missing(t, "no test cluster: run make test-kube (it starts one and sets EDGECTL_KUBECONFIG)")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Discovery().ServerVersion(); err != nil {
		t.Fatalf("the test cluster at %s does not answer: %v", cfg.Host, err)
	}
	return cs, cfg
}

// suffix names what one test run makes.
func suffix() string { return strings.ToLower(rand.Text()[:6]) }

// namespace makes a namespace, deleted at the end.
func namespace(t *testing.T, cs *kubernetes.Clientset, name string) {
	t.Helper()
	ctx := context.Background()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name,
		Labels: map[string]string{"edgectl.dev/test": "kube"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	// The ServiceAccount admission wants the namespace's "default"
	// account, which the controller manager makes; wait for it.
	eventually(t, time.Minute, "the default ServiceAccount of "+name, func() bool {
		_, err := cs.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
		return err == nil
	})
}

// nodes makes fake nodes (kwok plays their kubelet) with the class label,
// deleted at the end.
func nodes(t *testing.T, cs *kubernetes.Clientset, prefix string, classes ...string) []string {
	t.Helper()
	var names []string
	for i, c := range classes {
		n := fmt.Sprintf("%s-n%d", prefix, i)
		res := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("8"), corev1.ResourceMemory: resource.MustParse("16Gi"),
			corev1.ResourcePods: resource.MustParse("110")}
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n, Labels: map[string]string{manifest.ClassLabel: c, "edgectl.dev/test": "kube"},
			Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"}},
			Status: corev1.NodeStatus{Allocatable: res, Capacity: res}}
		if _, err := cs.CoreV1().Nodes().Create(context.Background(), node, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cs.CoreV1().Nodes().Delete(context.Background(), n, metav1.DeleteOptions{}) })
		names = append(names, n)
	}
	return names
}

// restricted writes a kubeconfig for a token of ServiceAccount ns/sa.
func restricted(t *testing.T, cs *kubernetes.Clientset, cfg *rest.Config, ns, sa string) string {
	t.Helper()
	tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(context.Background(), sa, &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	data := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: %q, insecure-skip-tls-verify: true}}]
users: [{name: deployer, user: {token: %q}}]
contexts: [{name: test, context: {cluster: test, user: deployer, namespace: %q}}]
current-context: test
`, cfg.Host, tr.Status.Token, ns)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// eventually polls cond until it holds, failing the test after limit.
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting for %s", limit, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// edgectl runs the CLI in process.
func edgectl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var o, e syncBuffer
	code := app.Run(ctx, append([]string{"edgectl"}, args...), &o, &e)
	t.Logf("edgectl %s: exit %d\n%s%s", strings.Join(args, " "), code, o.String(), e.String())
	return code, o.String(), e.String()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
