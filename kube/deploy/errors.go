package deploy

import (
	"fmt"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func isNotFound(err error) bool { return apierrors.IsNotFound(err) }

// explain wraps a failed call on what with a hint of what to do.
func explain(what string, err error) error {
	switch {
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%s: %w (the account lacks a permission: `edgectl manifests APP --rbac` shows the Role deploy needs)", what, err)
	case apierrors.IsConflict(err):
		return fmt.Errorf("%s: %w (another field manager owns these fields: deploy --force takes them over)", what, err)
	case apierrors.IsInvalid(err):
		return fmt.Errorf("%s: the server refused the object: %w", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// parseVersion reads "v1.37.2" (and "v1.35.0-gke.1") as 1, 37.
func parseVersion(v string) (int, int, error) {
	s := strings.TrimPrefix(v, "v")
	parts := strings.SplitN(s, ".", 3)
	if len(parts) < 2 {
		return 0, 0, fmt.Errorf("server version %q: want vMAJOR.MINOR", v)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("server version %q: want vMAJOR.MINOR", v)
	}
	return major, minor, nil
}
