package worker

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/edgectl/edgectl/runtime/worker/internal/wire"
)

// ListenBanner starts the line `edgectl worker` prints on stdout once it
// serves: "edgectl worker listening on HOST:PORT".
const ListenBanner = wire.ListenBanner

// TokenEnv is the environment variable holding the shared token when no
// flag gives it.
const TokenEnv = "EDGECTL_TOKEN"

// ResolveToken returns the shared token: token if set, else the first line
// of file if set, else $EDGECTL_TOKEN (possibly empty).
func ResolveToken(token, file string) (string, error) {
	if token != "" && file != "" {
		return "", errors.New("give the token either directly or as a file, not both")
	}
	if token != "" {
		return token, nil
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("token file: %w", err)
		}
		tok, _, _ := strings.Cut(string(b), "\n")
		if tok = strings.TrimSpace(tok); tok == "" {
			return "", fmt.Errorf("token file %s is empty", file)
		}
		return tok, nil
	}
	return os.Getenv(TokenEnv), nil
}
