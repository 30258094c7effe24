package deploy

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/edgectl/edgectl/kube/manifest"
)

// Ref names an object of one of the kinds deploy makes.
type Ref struct {
	Kind      string // Deployment, Service, Secret, ServiceAccount, Role, RoleBinding
	Namespace string
	Name      string
}

func (r Ref) String() string { return r.Kind + " " + r.Namespace + "/" + r.Name }

// RefOf names o.
func RefOf(o manifest.Object) Ref {
	return Ref{Kind: o.GetObjectKind().GroupVersionKind().Kind, Namespace: o.GetNamespace(), Name: o.GetName()}
}

// Client is everything deploy, status and undeploy ask of a cluster.
type Client interface {
	// ServerVersion is the API server's Kubernetes version.
	ServerVersion(ctx context.Context) (major, minor int, err error)
	// Apply server-side applies o with manifest.FieldManager; force takes
	// over fields another manager owns.
	Apply(ctx context.Context, o manifest.Object, force bool) error
	// List names the objects of kinds in ns whose labels match selector.
	List(ctx context.Context, ns, selector string, kinds []string) ([]Ref, error)
	// Delete deletes r (its pods and replica sets go with it).
	Delete(ctx context.Context, r Ref) error
	// Secret reports whether the Secret ns/name exists; Create makes it.
	SecretExists(ctx context.Context, ns, name string) (bool, error)
	CreateSecret(ctx context.Context, s *corev1.Secret) error
	Deployments(ctx context.Context, ns, selector string) ([]appsv1.Deployment, error)
	Pods(ctx context.Context, ns, selector string) ([]corev1.Pod, error)
	// Nodes counts the nodes whose labels include selector.
	Nodes(ctx context.Context, selector map[string]string) (int, error)
	// ProxyGet reads path on port of a pod through the API server.
	ProxyGet(ctx context.Context, ns, pod string, port int, path string) ([]byte, error)
}

// FromClientset makes a Client of a client-go clientset.
func FromClientset(cs kubernetes.Interface) Client { return &kube{cs: cs} }

type kube struct{ cs kubernetes.Interface }

func (k *kube) ServerVersion(ctx context.Context) (int, int, error) {
	v, err := k.cs.Discovery().ServerVersion()
	if err != nil {
		return 0, 0, err
	}
	return parseVersion(v.GitVersion)
}

func (k *kube) Apply(ctx context.Context, o manifest.Object, force bool) error {
	data, err := manifest.JSON(o)
	if err != nil {
		return err
	}
	opts := metav1.PatchOptions{FieldManager: manifest.FieldManager, Force: ptr.To(force)}
	ns, name, pt := o.GetNamespace(), o.GetName(), types.ApplyPatchType
	switch kind := o.GetObjectKind().GroupVersionKind().Kind; kind {
	case "Deployment":
		_, err = k.cs.AppsV1().Deployments(ns).Patch(ctx, name, pt, data, opts)
	case "Service":
		_, err = k.cs.CoreV1().Services(ns).Patch(ctx, name, pt, data, opts)
	case "Secret":
		_, err = k.cs.CoreV1().Secrets(ns).Patch(ctx, name, pt, data, opts)
	case "ServiceAccount":
		_, err = k.cs.CoreV1().ServiceAccounts(ns).Patch(ctx, name, pt, data, opts)
	case "Role":
		_, err = k.cs.RbacV1().Roles(ns).Patch(ctx, name, pt, data, opts)
	case "RoleBinding":
		_, err = k.cs.RbacV1().RoleBindings(ns).Patch(ctx, name, pt, data, opts)
	default:
		return fmt.Errorf("apply %s %s: kind not supported", kind, name)
	}
	return err
}

func (k *kube) List(ctx context.Context, ns, selector string, kinds []string) ([]Ref, error) {
	opts := metav1.ListOptions{LabelSelector: selector}
	var out []Ref
	add := func(kind string, names []string) {
		for _, n := range names {
			out = append(out, Ref{Kind: kind, Namespace: ns, Name: n})
		}
	}
	for _, kind := range kinds {
		var names []string
		switch kind {
		case "Deployment":
			l, err := k.cs.AppsV1().Deployments(ns).List(ctx, opts)
			if err != nil {
				return nil, err
			}
			for _, o := range l.Items {
				names = append(names, o.Name)
			}
		case "Service":
			l, err := k.cs.CoreV1().Services(ns).List(ctx, opts)
			if err != nil {
				return nil, err
			}
			for _, o := range l.Items {
				names = append(names, o.Name)
			}
		case "Secret":
			l, err := k.cs.CoreV1().Secrets(ns).List(ctx, opts)
			if err != nil {
				return nil, err
			}
			for _, o := range l.Items {
				names = append(names, o.Name)
			}
		default:
			return nil, fmt.Errorf("list %s: kind not supported", kind)
		}
		add(kind, names)
	}
	return out, nil
}

func (k *kube) Delete(ctx context.Context, r Ref) error {
	opts := metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)}
	switch r.Kind {
	case "Deployment":
		return k.cs.AppsV1().Deployments(r.Namespace).Delete(ctx, r.Name, opts)
	case "Service":
		return k.cs.CoreV1().Services(r.Namespace).Delete(ctx, r.Name, opts)
	case "Secret":
		return k.cs.CoreV1().Secrets(r.Namespace).Delete(ctx, r.Name, opts)
	}
	return fmt.Errorf("delete %s: kind not supported", r)
}

func (k *kube) SecretExists(ctx context.Context, ns, name string) (bool, error) {
	_, err := k.cs.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if isNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

func (k *kube) CreateSecret(ctx context.Context, s *corev1.Secret) error {
	_, err := k.cs.CoreV1().Secrets(s.Namespace).Create(ctx, s, metav1.CreateOptions{FieldManager: manifest.FieldManager})
	return err
}

func (k *kube) Deployments(ctx context.Context, ns, selector string) ([]appsv1.Deployment, error) {
	l, err := k.cs.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}

func (k *kube) Pods(ctx context.Context, ns, selector string) ([]corev1.Pod, error) {
	l, err := k.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}

func (k *kube) Nodes(ctx context.Context, selector map[string]string) (int, error) {
	l, err := k.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(selector).String()})
	if err != nil {
		return 0, err
	}
	return len(l.Items), nil
}

func (k *kube) ProxyGet(ctx context.Context, ns, pod string, port int, path string) ([]byte, error) {
	return k.cs.CoreV1().Pods(ns).ProxyGet("http", pod, fmt.Sprint(port), path, nil).DoRaw(ctx)
}
