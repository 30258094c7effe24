package manifest

import (
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/edgectl/edgectl/kube/bundle"
)

func (r *renderer) workerLabels(d bundle.Device) map[string]string {
	return map[string]string{DeviceLabel: bundle.DNSLabel(d.Name, 63), ClassLabel: bundle.DNSLabel(d.Class, 63)}
}

func (r *renderer) workerService(d bundle.Device) *corev1.Service {
	app := r.in.Meta.Name
	sel := componentLabels(app, "worker", r.workerLabels(d))
	delete(sel, ClassLabel)
	return &corev1.Service{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: r.meta(WorkerName(app, d.Name), "worker", r.workerLabels(d)),
		Spec: corev1.ServiceSpec{Selector: sel, Ports: []corev1.ServicePort{
			{Name: "grpc", Port: WorkerPort, TargetPort: intstr.FromString("grpc"), AppProtocol: ptr.To("grpc")},
			{Name: "metrics", Port: MetricsPort, TargetPort: intstr.FromString("metrics")}}}}
}

// worker is the Deployment of device d's worker.
func (r *renderer) worker(d bundle.Device) *appsv1.Deployment {
	app := r.in.Meta.Name
	class, _ := r.in.Cluster.Class(d.Class)
	threads := class.ThreadsOf()
	args := []string{"worker", "--listen", "0.0.0.0:" + strconv.Itoa(WorkerPort), "--data-dir", DataDir,
		"--metrics-listen", "0.0.0.0:" + strconv.Itoa(MetricsPort), "--threads", strconv.Itoa(threads),
		"--bundle", BundleDir, "--device", d.Name, "--drain", WorkerDrain.String()}
	res := corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: *resource.NewQuantity(int64(threads), resource.DecimalSI)}}
	if class.Memory > 0 {
		q := *resource.NewQuantity(int64(class.Memory), resource.BinarySI)
		res.Requests[corev1.ResourceMemory] = q
		res.Limits = corev1.ResourceList{corev1.ResourceMemory: q}
	}
	grpcProbe := corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: WorkerPort}}
	// Alive while draining too, when readiness already says no.
	liveProbe := corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: WorkerPort, Service: ptr.To(LivenessService)}}
	c := corev1.Container{Name: "worker", Args: args, Env: tokenEnv(app), Resources: res,
		Ports: []corev1.ContainerPort{{Name: "grpc", ContainerPort: WorkerPort}, {Name: "metrics", ContainerPort: MetricsPort}},
		// The worker serves once its shard is in place.
		ReadinessProbe: &corev1.Probe{ProbeHandler: grpcProbe, PeriodSeconds: 5, FailureThreshold: 3},
		LivenessProbe:  &corev1.Probe{ProbeHandler: liveProbe, InitialDelaySeconds: 10, PeriodSeconds: 10, FailureThreshold: 6},
		StartupProbe:   &corev1.Probe{ProbeHandler: grpcProbe, PeriodSeconds: 5, FailureThreshold: 60},
	}
	labels := componentLabels(app, "worker", r.workerLabels(d))
	sel := componentLabels(app, "worker", r.workerLabels(d))
	delete(sel, ClassLabel)
	spec := podSpec(r, d.Name, c)
	spec.NodeSelector = r.nodeSelector(d)
	spec.TerminationGracePeriodSeconds = ptr.To(int64((WorkerDrain + 15*time.Second) / time.Second))
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec}
	if r.in.Digest != "" {
		tmpl.Annotations = map[string]string{BundleAnnotation: r.in.Digest}
	}
	return &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: r.meta(WorkerName(app, d.Name), "worker", r.workerLabels(d)),
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1), Selector: &metav1.LabelSelector{MatchLabels: sel},
			Strategy: rollingUpdate(), Template: tmpl, RevisionHistoryLimit: ptr.To[int32](3)}}
}

// rollingUpdate starts a new pod before the old one stops.
func rollingUpdate() appsv1.DeploymentStrategy {
	zero, one := intstr.FromInt32(0), intstr.FromInt32(1)
	return appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &zero, MaxSurge: &one}}
}
