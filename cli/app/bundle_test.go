package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The bundle and Kubernetes commands reject bad invocations with one line
// that says what to give.
func TestBundleCommands_Usage(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.tar")
	notTar := filepath.Join(dir, "x.tar")
	os.WriteFile(notTar, []byte("not an archive"), 0o644)
	kc := filepath.Join(dir, "kubeconfig")
	os.WriteFile(kc, []byte("apiVersion: v1\nkind: Config\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bundle", "m.onnx"}, "give --plan FILE, --cluster FILE and -o APP.tar"},
		{[]string{"bundle", "inspect", missing}, "no such file"},
		{[]string{"bundle", "verify", notTar}, "not an OCI archive"},
		{[]string{"bundle", "verify", notTar, "--require-signature"}, "--require-signature needs --pubkey FILE"},
		{[]string{"bundle", "pull", "r.example/x"}, "give -o APP.tar or --extract DIR"},
		{[]string{"bundle", "pull", "r.example/x", "-o", "a.tar", "--device", "d"}, "--device goes with --extract"},
		{[]string{"bundle", "push", notTar}, "want APP.tar REF"},
		{[]string{"manifests", notTar}, "not an OCI archive"},
		{[]string{"run", "--bundle", notTar, "-i", "x.pb", "--plan", "p.yaml"}, "--bundle brings the plan"},
		{[]string{"worker", "--device", "d"}, "go with --bundle"},
		{[]string{"undeploy", "Not_A_Name"}, "neither a bundle nor an app name"},
		{[]string{"status", "app", "--kubeconfig", kc}, "kubeconfig"},
	} {
		code, _, stderr := run(t, c.args...)
		if code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("edgectl %s: exit %d, want 1 and %q in:\n%s", strings.Join(c.args, " "), code, c.want, stderr)
		}
	}
}
