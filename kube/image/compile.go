package image

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// ErrNoGo is returned (wrapped) when a platform must be compiled and no Go
// toolchain is found.
var ErrNoGo = errors.New("no Go toolchain found: image build compiles edgectl for each platform; install Go or give a prebuilt binary for every platform")

// FindGo returns the go command: "go" on $PATH, else $GOROOT/bin/go.
func FindGo() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if root := os.Getenv("GOROOT"); root != "" {
		p := filepath.Join(root, "bin", "go")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", ErrNoGo
}

// goEnv is the environment of a static cross-compilation for p.
func goEnv(p v1.Platform) ([]string, error) {
	env := append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Architecture)
	switch {
	case p.Architecture == "arm" && p.Variant != "":
		v := strings.TrimPrefix(p.Variant, "v")
		if v != "5" && v != "6" && v != "7" {
			return nil, fmt.Errorf("platform %s: arm variant %q is not v5, v6 or v7", p, p.Variant)
		}
		env = append(env, "GOARM="+v)
	case p.Architecture == "amd64" && p.Variant != "":
		env = append(env, "GOAMD64="+p.Variant) // v1..v4
	case p.Architecture == "arm64" && p.Variant != "" && p.Variant != "v8":
		return nil, fmt.Errorf("platform %s: arm64 variant %q is not built (only v8)", p, p.Variant)
	}
	return env, nil
}

// compile builds o.Main for p into dir and returns the binary's path.
func (o *Options) compile(ctx context.Context, p v1.Platform, dir string) (string, error) {
	if o.ModuleDir == "" {
		return "", fmt.Errorf("platform %s: no prebuilt binary and no module directory to compile edgectl from", p)
	}
	goCmd := o.Go
	if goCmd == "" {
		var err error
		if goCmd, err = FindGo(); err != nil {
			return "", fmt.Errorf("platform %s: %w", p, err)
		}
	}
	env, err := goEnv(p)
	if err != nil {
		return "", err
	}
	main := o.Main
	if main == "" {
		main = DefaultMain
	}
	out := filepath.Join(dir, "edgectl-"+strings.ReplaceAll(p.String(), "/", "-"))
	// -trimpath and no symbol tables: the binary depends on the source and
	// the toolchain only, and is smaller.
	ldflags := "-s -w"
	if strings.ContainsAny(o.Version, " \t\n'\"") {
		return "", fmt.Errorf("platform %s: version %q: no spaces or quotes (it is passed to go build -ldflags -X)", p, o.Version)
	}
	if o.Version != "" {
		ldflags += " -X " + VersionVar + "=" + o.Version
	}
	args := []string{"build", "-trimpath", "-tags", BuildTags, "-ldflags", ldflags, "-o", out, main}
	o.logf("%s: go build %s (in %s)", p, main, o.ModuleDir)
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir, cmd.Env = o.ModuleDir, env
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("platform %s: %w (%s: %v)", p, ErrNoGo, goCmd, err)
		}
		return "", fmt.Errorf("platform %s: go build %s in %s: %v\n%s", p, main, o.ModuleDir, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// elfMachine is the ELF machine of each architecture the image can hold.
var elfMachine = map[string]elf.Machine{
	"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "arm": elf.EM_ARM,
	"386": elf.EM_386, "riscv64": elf.EM_RISCV, "ppc64le": elf.EM_PPC64, "s390x": elf.EM_S390,
}

// checkBinary checks that data is a static Linux ELF executable for p: a
// scratch image has no dynamic loader and no libc.
func checkBinary(path string, data []byte, p v1.Platform) error {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("binary %s for %s: not an ELF executable: %v", path, p, err)
	}
	defer f.Close()
	want, ok := elfMachine[p.Architecture]
	if !ok {
		return fmt.Errorf("binary %s: platform %s: unknown architecture %q", path, p, p.Architecture)
	}
	if f.Machine != want {
		return fmt.Errorf("binary %s is for %s, not %s (%s)", path, f.Machine, p, want)
	}
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("binary %s for %s is not an executable (ELF type %s)", path, p, f.Type)
	}
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return fmt.Errorf("binary %s for %s is dynamically linked: the image has no libc or loader; build it with CGO_ENABLED=0", path, p)
		}
	}
	return nil
}

// cmdErr adds a command's stderr to its error.
func cmdErr(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return fmt.Errorf("%v: %s", err, strings.TrimSpace(string(ee.Stderr)))
	}
	return err
}
