package manifest

import (
	"fmt"
	"maps"
	"time"

	"github.com/edgectl/edgectl/kube/bundle"
)

// Ports and paths inside the pods.
const (
	WorkerPort      = 7070
	MetricsPort     = 9090
	CoordinatorPort = 8080
	BundleDir       = "/bundle"
	DataDir         = "/var/lib/edgectl"
	// ClassLabel is the node label that pins a device without a
	// nodeSelector of its own to the nodes of its class.
	ClassLabel = "edgectl.dev/device-class"
	// DeviceLabel names a worker's plan device.
	DeviceLabel = "edgectl.dev/device"
	// BundleAnnotation holds the bundle's digest on every object and pod
	// template: a new bundle changes the templates, so pods roll.
	BundleAnnotation = "edgectl.dev/bundle"
	// FieldManager is the server-side apply field manager of deploy.
	FieldManager = "edgectl"
	// ManagedBy is the value of app.kubernetes.io/managed-by.
	ManagedBy = "edgectl"
	// LivenessService is the worker's health service that stays SERVING
	// while it drains (runtime/worker.LivenessService).
	LivenessService = "edgectl.worker.Liveness"
)

// How pods stop in a roll (see RATIONALE: "Deploy: a roll loses no
// request"): a worker drains for up to WorkerDrain (it serves the
// sessions open on it until their coordinator closes them); a stopping
// coordinator serves on, not ready, for CoordinatorDrainDelay, and a
// request waits and retries for up to CoordinatorPatience. The pods'
// termination grace periods cover these.
const (
	WorkerDrain           = 90 * time.Second
	CoordinatorDrainDelay = 5 * time.Second
	CoordinatorPatience   = 60 * time.Second
)

// Bundle sources (Options.Source).
const (
	SourceImage = "image" // an image volume (Kubernetes 1.35 and later)
	SourceInit  = "init"  // an init container pulling the device's files
)

// Options shape the objects.
type Options struct {
	Namespace string // "" : "default"
	// Image is the edgectl image of every container (`edgectl image
	// build`).
	Image string
	// BundleRef is where pods get the bundle: a repository (the digest is
	// the bundle's) or a full reference by digest.
	BundleRef string
	// Insecure lets the init container pull the bundle over plain HTTP
	// from a registry that is not on loopback or a private address.
	Insecure bool
	// Source is SourceImage or SourceInit ("" : SourceImage).
	Source string
	// Token puts a Secret with this worker token among the objects; empty,
	// the Secret is expected to exist (deploy creates one).
	Token string
	// RBAC adds a ServiceAccount, Role and RoleBinding with what deploy
	// needs; RBACUser also binds the Role to that user.
	RBAC     bool
	RBACUser string
	// Frames in flight at the coordinator (0: its default).
	Window int
	// PullSecret names a Secret of type kubernetes.io/dockerconfigjson for
	// a private registry: the pods' imagePullSecrets (the image and the
	// image volume), and the init container's registry login.
	PullSecret string
}

// Labels of every object of app (the selector deploy and undeploy use).
func Labels(app string) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":       "edgectl",
		"app.kubernetes.io/instance":   app,
		"app.kubernetes.io/managed-by": ManagedBy,
	}
}

// Selector is Labels(app) as a label selector string.
func Selector(app string) string {
	return fmt.Sprintf("app.kubernetes.io/name=edgectl,app.kubernetes.io/instance=%s,app.kubernetes.io/managed-by=%s", app, ManagedBy)
}

func componentLabels(app, component string, extra map[string]string) map[string]string {
	l := Labels(app)
	l["app.kubernetes.io/component"] = component
	maps.Copy(l, extra)
	return l
}

// WorkerName is the Deployment and Service of a device's worker.
func WorkerName(app, device string) string { return app + "-" + bundle.DNSLabel(device, 62-len(app)) }

// CoordinatorName is the coordinator's Deployment and Service.
func CoordinatorName(app string) string { return app + "-coordinator" }

// TokenSecret is the Secret holding the workers' token (key "token").
func TokenSecret(app string) string { return app + "-token" }

// DeployerName names the ServiceAccount, Role and RoleBinding of --rbac.
func DeployerName(app string) string { return app + "-deployer" }
