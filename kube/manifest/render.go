package manifest

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/edgectl/edgectl/kube/bundle"
	"github.com/edgectl/edgectl/planner/cluster"
)

// Object is a Kubernetes object with metadata (what client-go's
// controller-runtime calls client.Object).
type Object interface {
	metav1.Object
	runtime.Object
}

// Input is what the objects are rendered from.
type Input struct {
	Meta *bundle.Meta
	// Digest is the bundle's index digest; empty renders a template
	// whose image and bundle reference are Options.Image and
	// Options.BundleRef verbatim (the copy inside the bundle itself,
	// which cannot name its own digest).
	Digest  string
	Cluster *cluster.Cluster
}

type renderer struct {
	in        Input
	o         Options
	bundleRef string
}

// Render makes the objects of the bundle, in the order to apply them
// (Secret and RBAC first, then Services, then Deployments). Every problem
// of the input is reported at once, naming the device.
func Render(in Input, o Options) ([]Object, error) {
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if o.Source == "" {
		o.Source = SourceImage
	}
	var errs []string
	if o.Source != SourceImage && o.Source != SourceInit {
		errs = append(errs, fmt.Sprintf("bundle source %q: want %s or %s", o.Source, SourceImage, SourceInit))
	}
	if o.Image == "" {
		errs = append(errs, "no image: give the edgectl image (edgectl image build --push REF)")
	}
	r := &renderer{in: in, o: o}
	ref, err := bundleRef(o.BundleRef, in.Digest)
	if err != nil {
		errs = append(errs, err.Error())
	}
	r.bundleRef = ref
	names := map[string]string{}
	for _, d := range in.Meta.Devices {
		n := WorkerName(in.Meta.Name, d.Name)
		if other, ok := names[n]; ok {
			errs = append(errs, fmt.Sprintf("devices %q and %q both make the name %s", other, d.Name, n))
		}
		names[n] = d.Name
		if _, ok := in.Cluster.Device(d.Name); !ok {
			errs = append(errs, fmt.Sprintf("device %q is not in the bundle's cluster file", d.Name))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("manifests of %s: %s", in.Meta.Name, strings.Join(errs, "; "))
	}
	var objs []Object
	if o.Token != "" {
		objs = append(objs, r.secret())
	}
	if o.RBAC {
		objs = append(objs, r.rbac()...)
	}
	for _, d := range in.Meta.Devices {
		objs = append(objs, r.workerService(d))
	}
	objs = append(objs, r.coordinatorService())
	for _, d := range in.Meta.Devices {
		objs = append(objs, r.worker(d))
	}
	objs = append(objs, r.coordinator())
	return objs, nil
}

// bundleRef is the reference pods pull the bundle by: ref pinned to
// digest (ref may already name it).
func bundleRef(ref, digest string) (string, error) {
	if digest == "" {
		if ref == "" {
			return "${EDGECTL_BUNDLE}", nil
		}
		return ref, nil
	}
	if ref == "" {
		return "", fmt.Errorf("no bundle reference: give the registry repository the pods pull the bundle from")
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", fmt.Errorf("bundle reference %q: %v", ref, err)
	}
	if d, ok := r.(name.Digest); ok && d.DigestStr() != digest {
		return "", fmt.Errorf("bundle reference %q names digest %s, the bundle is %s", ref, d.DigestStr(), digest)
	}
	return r.Context().Digest(digest).String(), nil
}

func (r *renderer) meta(name, component string, extra map[string]string) metav1.ObjectMeta {
	m := metav1.ObjectMeta{Name: name, Namespace: r.o.Namespace, Labels: componentLabels(r.in.Meta.Name, component, extra)}
	if r.in.Digest != "" {
		m.Annotations = map[string]string{BundleAnnotation: r.in.Digest}
	}
	return m
}

func (r *renderer) secret() *corev1.Secret {
	return &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: r.meta(TokenSecret(r.in.Meta.Name), "token", nil),
		Type:       corev1.SecretTypeOpaque, StringData: map[string]string{"token": r.o.Token}}
}

// nodeSelector pins device to its class: the cluster file's nodeSelector,
// else the class label.
func (r *renderer) nodeSelector(d bundle.Device) map[string]string {
	if cd, ok := r.in.Cluster.Device(d.Name); ok && len(cd.NodeSelector) > 0 {
		return maps.Clone(cd.NodeSelector)
	}
	return map[string]string{ClassLabel: d.Class}
}

// Devices lists the devices and node selectors of the objects, sorted,
// for checks against the cluster's nodes.
func Devices(in Input) map[string]map[string]string {
	r := &renderer{in: in}
	out := map[string]map[string]string{}
	for _, d := range in.Meta.Devices {
		out[d.Name] = r.nodeSelector(d)
	}
	return out
}

// SortedKeys is a map's keys in order.
func SortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
