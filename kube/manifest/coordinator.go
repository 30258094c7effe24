package manifest

import (
	"fmt"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/edgectl/edgectl/planner/cluster"
)

func (r *renderer) coordinatorService() *corev1.Service {
	app := r.in.Meta.Name
	return &corev1.Service{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: r.meta(CoordinatorName(app), "coordinator", nil),
		Spec: corev1.ServiceSpec{Selector: componentLabels(app, "coordinator", nil), Ports: []corev1.ServicePort{
			{Name: "http", Port: CoordinatorPort, TargetPort: intstr.FromString("http")}}}}
}

// WorkerAddress is the address of device's worker inside the cluster: its
// Service's DNS name, which the coordinator dials and gives the workers
// for their pushes.
func WorkerAddress(app, namespace, device string) string {
	return fmt.Sprintf("%s.%s.svc:%d", WorkerName(app, device), namespace, WorkerPort)
}

// coordinator is the Deployment of `edgectl bundle serve`, which opens
// the plan on the workers and serves inferences. Its pod template names
// the bundle, so a new plan rolls it too, and it rolls with a surge: the
// old coordinator serves until the new one is ready, then, stopping,
// reports not ready for CoordinatorDrainDelay while it still serves,
// finishes its requests and closes its session, which lets the old
// workers, draining, stop.
func (r *renderer) coordinator() *appsv1.Deployment {
	app := r.in.Meta.Name
	args := []string{"bundle", "serve", BundleDir, "--listen", "0.0.0.0:" + strconv.Itoa(CoordinatorPort), "--data-dir", DataDir,
		"--drain-delay", CoordinatorDrainDelay.String(), "--patience", CoordinatorPatience.String()}
	for _, d := range r.in.Meta.Devices {
		args = append(args, "--worker", d.Name+"="+WorkerAddress(app, r.o.Namespace, d.Name))
	}
	if r.o.Window > 0 {
		args = append(args, "--window", strconv.Itoa(r.o.Window))
	}
	http := func(path string) corev1.ProbeHandler {
		return corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString("http")}}
	}
	c := corev1.Container{Name: "coordinator", Args: args, Env: tokenEnv(app),
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: CoordinatorPort}},
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("128Mi")}},
		// Ready once the session is open on every worker.
		ReadinessProbe: &corev1.Probe{ProbeHandler: http("/readyz"), PeriodSeconds: 5},
		LivenessProbe:  &corev1.Probe{ProbeHandler: http("/healthz"), InitialDelaySeconds: 10, PeriodSeconds: 10, FailureThreshold: 6},
	}
	labels := componentLabels(app, "coordinator", nil)
	spec := podSpec(r, cluster.Coordinator, c)
	spec.TerminationGracePeriodSeconds = ptr.To(int64((CoordinatorDrainDelay + CoordinatorPatience + 10*time.Second) / time.Second))
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec}
	if r.in.Digest != "" {
		tmpl.Annotations = map[string]string{BundleAnnotation: r.in.Digest}
	}
	return &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: r.meta(CoordinatorName(app), "coordinator", nil),
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Strategy: rollingUpdate(), Template: tmpl, RevisionHistoryLimit: ptr.To[int32](3)}}
}
