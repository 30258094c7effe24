package manifest

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
)

// The image's user (kube/image): numeric, so that runAsNonRoot can check
// it without reading the image.
const uid = 65532

// tokenEnv passes the workers' token from the Secret.
func tokenEnv(app string) []corev1.EnvVar {
	return []corev1.EnvVar{{Name: "EDGECTL_TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: TokenSecret(app)}, Key: "token"}}}}
}

func containerSecurity() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To[int64](uid), RunAsGroup: ptr.To[int64](uid),
		ReadOnlyRootFilesystem: ptr.To(true), AllowPrivilegeEscalation: ptr.To(false),
		Capabilities:   &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// podSpec is what worker and coordinator pods share: the data and /tmp
// folders as emptyDirs, and the bundle at BundleDir, as an image volume
// or filled by an init container that pulls device's files (for the
// coordinator, cluster.Coordinator: the graph and common weights).
func podSpec(r *renderer, device string, c corev1.Container) corev1.PodSpec {
	c.Image = r.o.Image
	c.ImagePullPolicy = corev1.PullIfNotPresent
	c.SecurityContext = containerSecurity()
	c.VolumeMounts = append(c.VolumeMounts,
		corev1.VolumeMount{Name: "data", MountPath: DataDir},
		corev1.VolumeMount{Name: "tmp", MountPath: "/tmp"},
		corev1.VolumeMount{Name: "bundle", MountPath: BundleDir, ReadOnly: true})
	spec := corev1.PodSpec{
		AutomountServiceAccountToken: ptr.To(false),
		SecurityContext:              &corev1.PodSecurityContext{FSGroup: ptr.To[int64](uid)},
		Containers:                   []corev1.Container{c},
		Volumes: []corev1.Volume{
			{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		},
	}
	if r.o.PullSecret != "" {
		spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: r.o.PullSecret}}
	}
	if r.o.Source == SourceInit {
		args := []string{"bundle", "pull", r.bundleRef, "--extract", BundleDir, "--device", device}
		if r.o.Insecure {
			args = append(args, "--insecure")
		}
		mounts := []corev1.VolumeMount{{Name: "bundle", MountPath: BundleDir}, {Name: "tmp", MountPath: "/tmp"}}
		var env []corev1.EnvVar
		if r.o.PullSecret != "" {
			// The registry login of `bundle pull` is $DOCKER_CONFIG/config.json.
			spec.Volumes = append(spec.Volumes, corev1.Volume{Name: "registry-login", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
				SecretName: r.o.PullSecret, Items: []corev1.KeyToPath{{Key: corev1.DockerConfigJsonKey, Path: "config.json"}}}}})
			mounts = append(mounts, corev1.VolumeMount{Name: "registry-login", MountPath: "/var/run/edgectl/registry", ReadOnly: true})
			env = []corev1.EnvVar{{Name: "DOCKER_CONFIG", Value: "/var/run/edgectl/registry"}}
		}
		spec.InitContainers = []corev1.Container{{Name: "bundle", Image: r.o.Image, ImagePullPolicy: corev1.PullIfNotPresent,
			Args: args, SecurityContext: containerSecurity(), Env: env, VolumeMounts: mounts,
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")}}}}
		spec.Volumes = append(spec.Volumes, corev1.Volume{Name: "bundle", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
	} else {
		spec.Volumes = append(spec.Volumes, corev1.Volume{Name: "bundle", VolumeSource: corev1.VolumeSource{
			Image: &corev1.ImageVolumeSource{Reference: r.bundleRef, PullPolicy: corev1.PullIfNotPresent}}})
	}
	return spec
}
