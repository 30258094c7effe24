package image

import (
	"fmt"
	"io"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The image's fixed layout.
const (
	// UID and GID of the non-root user "edgectl" the worker runs as (the
	// number distroless and ko use for "nonroot").
	UID = 65532
	GID = 65532
	// UserName is its name in /etc/passwd and /etc/group.
	UserName = "edgectl"
	// BinaryPath is where the edgectl binary lives; it is the entrypoint.
	BinaryPath = "/usr/local/bin/edgectl"
	// DataDir is the worker's data directory, owned by the user; mount a
	// volume here to keep uploaded models across restarts.
	DataDir = "/var/lib/edgectl"
	// Port is the worker's gRPC port (exposed, and listened on by default).
	Port = 7070
)

// DefaultArgs are the image's default arguments to the entrypoint: a
// worker on every interface of the container, with DataDir. The token
// comes from $EDGECTL_TOKEN or from arguments such as --token-file.
var DefaultArgs = []string{"worker", "--listen", fmt.Sprintf("0.0.0.0:%d", Port), "--data-dir", DataDir}

// DefaultPlatforms are the platforms built when none are given.
var DefaultPlatforms = []string{"linux/amd64", "linux/arm64"}

// Options say what to build. Platforms without a prebuilt binary are
// compiled from the edgectl source in ModuleDir.
type Options struct {
	// Platforms to build, e.g. linux/amd64, linux/arm64, linux/arm/v7
	// (default DefaultPlatforms). Only linux.
	Platforms []string
	// Binaries maps a platform to a prebuilt static edgectl binary for it.
	Binaries map[string]string
	// ModuleDir is the root of the edgectl module that `go build` runs in;
	// Main is the package built there (default "./cli/edgectl").
	ModuleDir string
	Main      string
	// Go is the go command (default: "go" on $PATH, then $GOROOT/bin/go).
	Go string
	// Version, Revision and Source become the OCI labels
	// org.opencontainers.image.version, .revision and .source; Version is
	// also edgectl's own version (`edgectl --version`) in compiled
	// binaries. Created is the image's creation time, used for every
	// timestamp in it (the same inputs give the same digest).
	Version, Revision, Source string
	Created                   time.Time
	// Progress receives a line per step (nil: none).
	Progress io.Writer
}

// BuildTags are the image binary's build tags. nokube leaves out the
// commands that talk to a Kubernetes API server (deploy, status,
// undeploy: they run on the operator's machine, not in a pod or on a
// board) and with them client-go, whose package initialisers alone kept
// 42 MB of an idle worker resident where the nokube binary keeps 24 MB
// (VmHWM of an idle worker, stripped linux/amd64: 50 MB and 30 MB). A
// device's memory is what the planner fits weights into.
const BuildTags = "nokube"

// VersionVar is the variable that `go build -ldflags -X` sets to
// Options.Version.
const VersionVar = "github.com/edgectl/edgectl/cli/app.Version"

// DefaultSource is the org.opencontainers.image.source label when
// Options.Source is empty.
const DefaultSource = "https://" + ModulePath

// ParsePlatform parses os/arch[/variant]; only linux platforms are
// accepted, since the image holds a Linux binary.
func ParsePlatform(s string) (v1.Platform, error) {
	p, err := v1.ParsePlatform(strings.TrimSpace(s))
	if err != nil || p.Architecture == "" || strings.Contains(p.OS, ":") {
		return v1.Platform{}, fmt.Errorf("platform %q: want os/arch[/variant], e.g. linux/arm64", s)
	}
	if p.OS != "linux" {
		return v1.Platform{}, fmt.Errorf("platform %q: only linux images can be built", s)
	}
	return *p, nil
}

// ParsePlatforms parses o.Platforms (or the defaults), refusing duplicates
// and prebuilt binaries for platforms that are not built.
func (o *Options) ParsePlatforms() ([]v1.Platform, error) {
	specs := o.Platforms
	if len(specs) == 0 {
		specs = DefaultPlatforms
	}
	var out []v1.Platform
	seen := map[string]bool{}
	for _, s := range specs {
		p, err := ParsePlatform(s)
		if err != nil {
			return nil, err
		}
		if seen[p.String()] {
			return nil, fmt.Errorf("platform %s given twice", p)
		}
		seen[p.String()] = true
		out = append(out, p)
	}
	for s := range o.Binaries {
		p, err := ParsePlatform(s)
		if err != nil {
			return nil, fmt.Errorf("binary for %w", err)
		}
		if !seen[p.String()] {
			return nil, fmt.Errorf("binary for %s given, but %s is not among the platforms built (%s)", p, p, strings.Join(specs, ", "))
		}
	}
	return out, nil
}

// binaryFor returns the prebuilt binary given for p, if any.
func (o *Options) binaryFor(p v1.Platform) string {
	for s, path := range o.Binaries {
		if q, err := ParsePlatform(s); err == nil && q.String() == p.String() {
			return path
		}
	}
	return ""
}

// NeedsSource reports whether some platform has no prebuilt binary and so
// must be compiled from ModuleDir.
func (o *Options) NeedsSource() bool {
	specs := o.Platforms
	if len(specs) == 0 {
		specs = DefaultPlatforms
	}
	for _, s := range specs {
		p, err := ParsePlatform(s)
		if err != nil || o.binaryFor(p) == "" {
			return true
		}
	}
	return false
}

func (o *Options) logf(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", args...)
	}
}
