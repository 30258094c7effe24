package bundle

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// A signature signs the bundle's index digest, which covers every
// manifest, config and layer by their digests. It is a manifest of its
// own (subject: the index) with one layer, sigPayload; an archive lists
// it in index.json beside the bundle, a registry holds it under the tag
// SignatureTag.

type sigPayload struct {
	Digest    string `json:"digest"` // what is signed
	KeyID     string `json:"keyId"`
	Signature string `json:"signature"` // base64 ed25519 over signedMessage
}

// ErrNotSigned: a signature was required and the bundle has none.
var ErrNotSigned = errors.New("bundle is not signed")

func signedMessage(d v1.Hash) []byte { return []byte("edgectl-bundle-v1 " + d.String()) }

// SignatureTag is the registry tag of the signature of digest d (cosign's
// convention).
func SignatureTag(d v1.Hash) string { return d.Algorithm + "-" + d.Hex + ".sig" }

var emptyConfig = blob{desc: v1.Descriptor{MediaType: types.OCIEmptyJSON, Size: 2,
	Digest: v1.Hash{Algorithm: "sha256", Hex: "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}}, data: []byte("{}")}

// signature makes the signature manifest and its layer for subject.
func signature(subject v1.Descriptor, priv ed25519.PrivateKey) (blob, blob, error) {
	pub := priv.Public().(ed25519.PublicKey)
	p := sigPayload{Digest: subject.Digest.String(), KeyID: KeyID(pub),
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(priv, signedMessage(subject.Digest)))}
	layer, err := jsonBlob(SignatureType, p)
	if err != nil {
		return blob{}, blob{}, err
	}
	sub := v1.Descriptor{MediaType: subject.MediaType, Size: subject.Size, Digest: subject.Digest}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: SignatureType,
		Config: emptyConfig.desc, Layers: []v1.Descriptor{layer.desc}, Subject: &sub,
		Annotations: map[string]string{SignatureOfAnnotation: subject.Digest.String()}}
	mb, err := jsonBlob(types.OCIManifestSchema1, m)
	return mb, layer, err
}

// Sign adds (or replaces, for the same key) the signature of key to the
// bundle archive at path, rewriting it; every blob is checked on the way,
// so a tampered bundle is not signed. It returns the key id.
func Sign(path string, priv ed25519.PrivateKey) (string, error) {
	b, err := Open(path)
	if err != nil {
		return "", err
	}
	defer b.Close()
	if b.dir {
		return "", fmt.Errorf("bundle %s is a folder: sign the archive", path)
	}
	mb, lb, err := signature(b.index, priv)
	if err != nil {
		return "", err
	}
	id := KeyID(priv.Public().(ed25519.PublicKey))
	top := []v1.Descriptor{b.index}
	for _, d := range b.sigs {
		if p, err := b.readSignature(d); err == nil && p.KeyID == id {
			continue // replaced
		}
		top = append(top, d)
	}
	desc := mb.desc
	desc.Annotations = map[string]string{SignatureOfAnnotation: b.index.Digest.String()}
	top = append(top, desc)
	srcs := append(b.allBlobs(), memSource(mb, "signature manifest"), memSource(lb, "signature"), memSource(emptyConfig, "empty config"))
	if err := writeArchive(path, top, srcs); err != nil {
		return "", fmt.Errorf("bundle %s: %w", path, err)
	}
	return id, nil
}

// allBlobs lists every blob of the archive as a source.
func (b *Bundle) allBlobs() []source {
	var out []source
	for name, e := range b.entries {
		hexd, ok := strings.CutPrefix(name, "blobs/sha256/")
		if !ok {
			continue
		}
		d := v1.Descriptor{Digest: v1.Hash{Algorithm: "sha256", Hex: hexd}, Size: e.size}
		what := b.nameOf(d.Digest)
		out = append(out, source{desc: d, name: what, open: func() (io.ReadCloser, error) {
			r, err := b.blob(d, what)
			if err != nil {
				return nil, err
			}
			return io.NopCloser(r), nil
		}})
	}
	return out
}

// nameOf says what the blob d is: a file, a manifest or "blob".
func (b *Bundle) nameOf(d v1.Hash) string {
	for p, l := range b.layers {
		if l.Digest == d {
			return p
		}
	}
	if d == b.index.Digest {
		return "index"
	}
	for _, im := range b.images {
		if im.desc.Digest == d {
			return "manifest " + platformString(im.desc.Platform)
		}
		if im.manifest.Config.Digest == d {
			return "config " + platformString(im.desc.Platform)
		}
	}
	return "blob"
}

// readSignature reads the payload of a signature manifest.
func (b *Bundle) readSignature(d v1.Descriptor) (*sigPayload, error) {
	data, err := b.smallBlob(d, "signature manifest")
	if err != nil {
		return nil, err
	}
	var m v1.Manifest
	if err := json.Unmarshal(data, &m); err != nil || len(m.Layers) != 1 {
		return nil, fmt.Errorf("signature manifest %s: not one layer", short(d.Digest))
	}
	data, err = b.smallBlob(m.Layers[0], "signature")
	if err != nil {
		return nil, err
	}
	var p sigPayload
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("signature %s: %w", short(m.Layers[0].Digest), err)
	}
	return &p, nil
}

// VerifySignature checks that the bundle carries a signature of its index
// by pub. Without any signature it returns ErrNotSigned (wrapped).
func (b *Bundle) VerifySignature(pub ed25519.PublicKey) error {
	if b.dir {
		return fmt.Errorf("bundle %s is a folder, which carries no signature: verify the archive or registry copy (edgectl bundle pull --require-signature)", b.Path)
	}
	var keys []string
	for _, d := range b.sigs {
		if d.Annotations[SignatureOfAnnotation] != b.index.Digest.String() {
			continue
		}
		p, err := b.readSignature(d)
		if err != nil {
			return fmt.Errorf("bundle %s: %w", b.Path, err)
		}
		if err := checkPayload(p, b.index.Digest, pub); err != nil {
			if p.KeyID != KeyID(pub) {
				keys = append(keys, p.KeyID)
				continue
			}
			return fmt.Errorf("bundle %s: signature blob %s: %w", b.Path, short(d.Digest), err)
		}
		return nil
	}
	if len(keys) > 0 {
		return fmt.Errorf("bundle %s: signed only by other keys (%s), not by %s", b.Path, strings.Join(keys, ", "), KeyID(pub))
	}
	return fmt.Errorf("bundle %s: %w", b.Path, ErrNotSigned)
}

func checkPayload(p *sigPayload, d v1.Hash, pub ed25519.PublicKey) error {
	if p.Digest != d.String() {
		return fmt.Errorf("signs %s, not this bundle (%s)", p.Digest, d)
	}
	sig, err := base64.StdEncoding.DecodeString(p.Signature)
	if err != nil || !ed25519.Verify(pub, signedMessage(d), sig) {
		return fmt.Errorf("does not verify with key %s", KeyID(pub))
	}
	return nil
}

// Signatures lists the key ids of the bundle's signatures.
func (b *Bundle) Signatures() []string {
	var out []string
	for _, d := range b.sigs {
		if p, err := b.readSignature(d); err == nil {
			out = append(out, p.KeyID)
		}
	}
	return out
}
