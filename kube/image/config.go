package image

import (
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// OCI annotation and label keys (image-spec annotations.md).
const (
	LabelSource      = "org.opencontainers.image.source"
	LabelVersion     = "org.opencontainers.image.version"
	LabelRevision    = "org.opencontainers.image.revision"
	LabelCreated     = "org.opencontainers.image.created"
	LabelTitle       = "org.opencontainers.image.title"
	LabelDescription = "org.opencontainers.image.description"
)

// Description is the image's org.opencontainers.image.description.
const Description = "edgectl worker: serves tiles of CNN inferences partitioned across edge devices over gRPC"

// labels are the OCI labels of the config, also set as annotations on the
// manifests and the index; empty values are left out.
func (o *Options) labels() map[string]string {
	source := o.Source
	if source == "" {
		source = DefaultSource
	}
	l := map[string]string{
		LabelSource:      source,
		LabelCreated:     o.Created.UTC().Format(time.RFC3339),
		LabelTitle:       "edgectl",
		LabelDescription: Description,
	}
	if o.Version != "" {
		l[LabelVersion] = o.Version
	}
	if o.Revision != "" {
		l[LabelRevision] = o.Revision
	}
	return l
}

// config fills the image config of platform p: the non-root user by
// number (so that Kubernetes' runAsNonRoot can check it), the entrypoint
// and the worker's default arguments, the exposed port, the data
// directory as working directory, and the labels.
func (o *Options) config(cf *v1.ConfigFile, p v1.Platform) {
	cf.OS, cf.Architecture, cf.Variant, cf.OSVersion = p.OS, p.Architecture, p.Variant, p.OSVersion
	cf.Created = v1.Time{Time: o.Created}
	cf.Author = "edgectl image build"
	c := &cf.Config
	c.User = fmt.Sprintf("%d:%d", UID, GID)
	c.Entrypoint = []string{BinaryPath}
	c.Cmd = append([]string(nil), DefaultArgs...)
	c.Env = []string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"HOME=" + DataDir,
		"TMPDIR=/tmp",
	}
	c.WorkingDir = DataDir
	c.ExposedPorts = map[string]struct{}{fmt.Sprintf("%d/tcp", Port): {}}
	c.Labels = o.labels()
	c.StopSignal = "SIGTERM"
}
