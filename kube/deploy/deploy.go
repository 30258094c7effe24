package deploy

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/edgectl/edgectl/kube/manifest"
)

// Kinds are the kinds deploy applies, prunes and undeploy removes (the
// RBAC objects of `manifests --rbac` are the cluster admin's to apply and
// remove).
var Kinds = []string{"Deployment", "Service", "Secret"}

// Options of Deploy.
type Options struct {
	Namespace string
	// Devices are the node selectors of the plan's devices
	// (manifest.Devices): every one must match a node.
	Devices map[string]map[string]string
	// Force takes over fields that another field manager owns.
	Force bool
	// Progress receives a line per step (nil: none).
	Progress io.Writer
}

// Result is what Deploy did.
type Result struct {
	Applied      []Ref
	Pruned       []Ref
	TokenCreated bool
}

// Deploy applies the objects of app (manifest.Render) in order with
// server-side apply, creates the workers' token Secret when the objects do
// not carry one and none exists, and then deletes the objects an earlier
// deploy of app made that these no longer include (a device the new plan
// dropped). Before anything is applied it checks that every device's node
// selector matches a node.
func Deploy(ctx context.Context, c Client, app string, objs []manifest.Object, o Options) (*Result, error) {
	say := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, format+"\n", args...)
		}
	}
	if err := checkNodes(ctx, c, o.Devices, say); err != nil {
		return nil, err
	}
	res := &Result{}
	hasSecret := slices.ContainsFunc(objs, func(x manifest.Object) bool {
		return RefOf(x) == Ref{Kind: "Secret", Namespace: o.Namespace, Name: manifest.TokenSecret(app)}
	})
	if !hasSecret {
		created, err := ensureToken(ctx, c, o.Namespace, app)
		if err != nil {
			return nil, err
		}
		if res.TokenCreated = created; created {
			say("created Secret %s/%s with a new worker token", o.Namespace, manifest.TokenSecret(app))
		}
	}
	applied := map[Ref]bool{{Kind: "Secret", Namespace: o.Namespace, Name: manifest.TokenSecret(app)}: true}
	for _, x := range objs {
		r := RefOf(x)
		if err := c.Apply(ctx, x, o.Force); err != nil {
			return res, explain("apply "+r.String(), err)
		}
		say("applied %s", r)
		res.Applied = append(res.Applied, r)
		applied[r] = true
	}
	old, err := c.List(ctx, o.Namespace, manifest.Selector(app), Kinds)
	if err != nil {
		return res, explain("list the objects of "+app, err)
	}
	for _, r := range old {
		if applied[r] {
			continue
		}
		if err := c.Delete(ctx, r); err != nil && !apierrors.IsNotFound(err) {
			return res, explain("prune "+r.String(), err)
		}
		say("pruned %s (not in this deploy)", r)
		res.Pruned = append(res.Pruned, r)
	}
	return res, nil
}

// checkNodes reports every device whose node selector matches no node.
// An account that may not list nodes skips the check, saying so.
func checkNodes(ctx context.Context, c Client, devices map[string]map[string]string, say func(string, ...any)) error {
	var bad []string
	for _, d := range slices.Sorted(maps.Keys(devices)) {
		sel := devices[d]
		n, err := c.Nodes(ctx, sel)
		if apierrors.IsForbidden(err) {
			say("not checking the devices' node classes: this account may not list nodes")
			return nil
		}
		if err != nil {
			return explain("list nodes", err)
		}
		if n == 0 {
			var kv []string
			for _, k := range slices.Sorted(maps.Keys(sel)) {
				kv = append(kv, k+"="+sel[k])
			}
			bad = append(bad, fmt.Sprintf("device %q: no node has the labels %s", d, strings.Join(kv, ",")))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s (label the nodes of each class, e.g. kubectl label node NODE %s=CLASS, or fix the nodeSelector in the cluster file)",
			strings.Join(bad, "; "), manifest.ClassLabel)
	}
	return nil
}

// ensureToken creates the token Secret with a random token when it does
// not exist; an existing one is kept, so that a redeploy does not change
// the token under running pods.
func ensureToken(ctx context.Context, c Client, ns, app string) (bool, error) {
	name := manifest.TokenSecret(app)
	ok, err := c.SecretExists(ctx, ns, name)
	if err != nil {
		return false, explain("read Secret "+ns+"/"+name, err)
	}
	if ok {
		return false, nil
	}
	labels := manifest.Labels(app)
	labels["app.kubernetes.io/component"] = "token"
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Type: corev1.SecretTypeOpaque, StringData: map[string]string{"token": rand.Text() + rand.Text()}}
	err = c.CreateSecret(ctx, s)
	if apierrors.IsAlreadyExists(err) {
		return false, nil
	}
	if err != nil {
		return false, explain("create Secret "+ns+"/"+name, err)
	}
	return true, nil
}

// ErrTimeout is what Wait returns (wrapped) when the deadline passes.
var ErrTimeout = errors.New("timed out")
