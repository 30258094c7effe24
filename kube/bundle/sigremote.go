package bundle

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// checkRemoteSignature checks a signature image from a registry.
func checkRemoteSignature(sig v1.Image, d v1.Hash, pub ed25519.PublicKey) error {
	layers, err := sig.Layers()
	if err != nil || len(layers) != 1 {
		return fmt.Errorf("signature: not one layer")
	}
	rc, err := layers[0].Compressed()
	if err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 1<<16))
	if err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	var p sigPayload
	if err := json.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	ld, _ := layers[0].Digest()
	if err := checkPayload(&p, d, pub); err != nil {
		return fmt.Errorf("signature blob %s: %w", short(ld), err)
	}
	return nil
}
