package bundle

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// RemoteOptions reach a registry: the default keychain (docker and podman
// login files); plain HTTP for localhost, loopback and private addresses
// (go-containerregistry's rule) or for any registry with Insecure.
type RemoteOptions struct {
	Insecure  bool
	Transport http.RoundTripper // nil: the default
	// Progress receives a line per file pulled and per tenth of the bytes
	// pushed (nil: none).
	Progress io.Writer
}

func (o RemoteOptions) say(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", args...)
	}
}

func (o RemoteOptions) parse(ref string) (name.Reference, error) {
	var opts []name.Option
	if o.Insecure {
		opts = append(opts, name.Insecure)
	}
	r, err := name.ParseReference(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("reference %q: %w", ref, err)
	}
	return r, nil
}

func (o RemoteOptions) remote(ctx context.Context) []remote.Option {
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
	if o.Transport != nil {
		opts = append(opts, remote.WithTransport(o.Transport))
	}
	return opts
}

// Push uploads the bundle archive and its signatures to ref (a repository
// with a tag, e.g. registry.local/apps/vgg16:v1); every blob is checked as
// it is read. It returns the bundle's reference by digest, which is what
// manifests should name.
func Push(ctx context.Context, b *Bundle, ref string, o RemoteOptions) (name.Digest, error) {
	if b.dir {
		return name.Digest{}, fmt.Errorf("bundle %s is a folder: push the archive", b.Path)
	}
	r, err := o.parse(ref)
	if err != nil {
		return name.Digest{}, err
	}
	opts := o.remote(ctx)
	if o.Progress != nil {
		updates := make(chan v1.Update, 16)
		done := make(chan struct{})
		go func() {
			defer close(done)
			step := int64(-1)
			for u := range updates {
				if u.Total > 0 && u.Complete*10/u.Total > step {
					step = u.Complete * 10 / u.Total
					o.say("pushed %d of %d bytes", u.Complete, u.Total)
				}
			}
		}()
		defer func() { <-done }()
		opts = append(opts, remote.WithProgress(updates))
	}
	if err := remote.WriteIndex(r, archiveIndex{b}, opts...); err != nil {
		return name.Digest{}, fmt.Errorf("push %s: %w", r, err)
	}
	for _, d := range b.sigs {
		img, err := b.signatureImage(d)
		if err != nil {
			return name.Digest{}, err
		}
		tag := r.Context().Tag(SignatureTag(b.index.Digest))
		if err := remote.Write(tag, img, o.remote(ctx)...); err != nil {
			return name.Digest{}, fmt.Errorf("push signature %s: %w", tag, err)
		}
	}
	return r.Context().Digest(b.index.Digest.String()), nil
}

// PullOptions say what Pull and Extract check.
type PullOptions struct {
	RemoteOptions
	// PublicKey, when set, must have signed the bundle; otherwise a
	// signature found is carried along unchecked.
	PublicKey ed25519.PublicKey
}

// fetchIndex gets the bundle's index and its signature, if any.
func fetchIndex(ctx context.Context, ref string, o PullOptions) (name.Reference, v1.ImageIndex, v1.Image, error) {
	r, err := o.parse(ref)
	if err != nil {
		return nil, nil, nil, err
	}
	idx, err := remote.Index(r, o.remote(ctx)...)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("pull %s: %w", r, err)
	}
	d, err := idx.Digest()
	if err != nil {
		return nil, nil, nil, err
	}
	sig, err := remote.Image(r.Context().Tag(SignatureTag(d)), o.remote(ctx)...)
	var terr *transport.Error
	switch {
	case errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound:
		sig = nil
	case err != nil:
		return nil, nil, nil, fmt.Errorf("pull %s: signature: %w", r, err)
	}
	if o.PublicKey != nil {
		if sig == nil {
			return nil, nil, nil, fmt.Errorf("pull %s: %w", r, ErrNotSigned)
		}
		if err := checkRemoteSignature(sig, d, o.PublicKey); err != nil {
			return nil, nil, nil, fmt.Errorf("pull %s: %w", r, err)
		}
	}
	return r, idx, sig, nil
}

// Ensure makes sure the bundle is in the repository of ref (REGISTRY/PATH,
// or any reference in it): it asks the registry for the bundle's digest
// (and its signature's tag, when the bundle is signed) and pushes the
// archive, tagged tag, only when something is missing. It returns the
// bundle's reference by digest and whether it pushed.
func Ensure(ctx context.Context, b *Bundle, ref, tag string, o RemoteOptions) (name.Digest, bool, error) {
	r, err := o.parse(ref)
	if err != nil {
		return name.Digest{}, false, err
	}
	repo := r.Context()
	at := repo.Digest(b.index.Digest.String())
	there, err := o.exists(ctx, at)
	if there && err == nil && len(b.sigs) > 0 {
		there, err = o.exists(ctx, repo.Tag(SignatureTag(b.index.Digest)))
	}
	if err != nil {
		return name.Digest{}, false, fmt.Errorf("looking for bundle %s: %w", at, err)
	}
	if there {
		return at, false, nil
	}
	o.say("pushing bundle %s to %s", short(b.index.Digest), repo)
	d, err := Push(ctx, b, repo.Tag(tag).String(), o)
	return d, err == nil, err
}

// exists says whether the registry has r (false for "not found").
func (o RemoteOptions) exists(ctx context.Context, r name.Reference) (bool, error) {
	_, err := remote.Head(r, o.remote(ctx)...)
	var terr *transport.Error
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound:
		return false, nil
	}
	return false, err
}
