// Package deployfake is an in-memory deploy.Client for tests of code that
// deploys (as helm's pkg/kube/fake beside its interface): it records what
// was applied and deleted, keeps Deployments and pods that tests shape,
// and returns the errors tests set. It imports kube/deploy, kube/manifest,
// k8s.io/api and k8s.io/apimachinery; not client-go.
package deployfake

import (
	"context"
	"slices"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/edgectl/edgectl/kube/deploy"
	"github.com/edgectl/edgectl/kube/manifest"
)

// Client is the fake. The zero value is an empty cluster of version 1.37
// whose nodes match every selector.
type Client struct {
	mu sync.Mutex
	// Major, Minor is the server's version (0: 1.37).
	Major, Minor int
	// Objects holds what was applied or created, by reference.
	Objects map[deploy.Ref]manifest.Object
	// Applied and Deleted record the calls in order.
	Applied, Deleted []deploy.Ref
	// Nodes counts the nodes of a selector (nil: 1 for every selector).
	NodeCount func(sel map[string]string) (int, error)
	// ApplyErr, when set, is called before each apply and its error
	// returned.
	ApplyErr func(deploy.Ref) error
	// Deploys, when set, gives the Deployments a poll sees (the n-th
	// poll, from 0), so that tests can script a rollout.
	Deploys func(n int) []appsv1.Deployment
	polls   int
	// PodList is what Pods returns.
	PodList []corev1.Pod
	// Metrics is what ProxyGet returns.
	Metrics []byte
}

var _ deploy.Client = (*Client)(nil)

func (c *Client) ServerVersion(context.Context) (int, int, error) {
	if c.Major == 0 {
		return 1, 37, nil
	}
	return c.Major, c.Minor, nil
}

func (c *Client) Apply(_ context.Context, o manifest.Object, _ bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := deploy.RefOf(o)
	if c.ApplyErr != nil {
		if err := c.ApplyErr(r); err != nil {
			return err
		}
	}
	c.put(r, o)
	c.Applied = append(c.Applied, r)
	return nil
}

func (c *Client) put(r deploy.Ref, o manifest.Object) {
	if c.Objects == nil {
		c.Objects = map[deploy.Ref]manifest.Object{}
	}
	c.Objects[r] = o
}

func (c *Client) List(_ context.Context, ns, selector string, kinds []string) ([]deploy.Ref, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sel, err := labels.Parse(selector)
	if err != nil {
		return nil, err
	}
	var out []deploy.Ref
	for r, o := range c.Objects {
		if r.Namespace == ns && slices.Contains(kinds, r.Kind) && sel.Matches(labels.Set(o.GetLabels())) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b deploy.Ref) int {
		if a.Kind != b.Kind {
			return compare(a.Kind, b.Kind)
		}
		return compare(a.Name, b.Name)
	})
	return out, nil
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (c *Client) Delete(_ context.Context, r deploy.Ref) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.Objects, r)
	c.Deleted = append(c.Deleted, r)
	return nil
}

func (c *Client) SecretExists(_ context.Context, ns, name string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.Objects[deploy.Ref{Kind: "Secret", Namespace: ns, Name: name}]
	return ok, nil
}

func (c *Client) CreateSecret(_ context.Context, s *corev1.Secret) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.put(deploy.Ref{Kind: "Secret", Namespace: s.Namespace, Name: s.Name}, s)
	return nil
}

func (c *Client) Deployments(context.Context, string, string) ([]appsv1.Deployment, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Deploys == nil {
		return nil, nil
	}
	n := c.polls
	c.polls++
	return c.Deploys(n), nil
}

func (c *Client) Pods(context.Context, string, string) ([]corev1.Pod, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.PodList), nil
}

func (c *Client) Nodes(_ context.Context, sel map[string]string) (int, error) {
	if c.NodeCount == nil {
		return 1, nil
	}
	return c.NodeCount(sel)
}

func (c *Client) ProxyGet(context.Context, string, string, int, string) ([]byte, error) {
	return c.Metrics, nil
}
