package deploy

import (
	"context"
	"fmt"
	"io"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/edgectl/edgectl/kube/manifest"
)

// Undeploy deletes every object of app that deploy makes (Kinds, found by
// the app's labels, nothing else); their replica sets and pods go with
// them. With wait > 0 it waits until no pod of app is left.
func Undeploy(ctx context.Context, c Client, ns, app string, wait time.Duration, progress io.Writer) ([]Ref, error) {
	refs, err := c.List(ctx, ns, manifest.Selector(app), Kinds)
	if err != nil {
		return nil, explain("list the objects of "+app, err)
	}
	var done []Ref
	for _, r := range refs {
		if err := c.Delete(ctx, r); err != nil && !apierrors.IsNotFound(err) {
			return done, explain("delete "+r.String(), err)
		}
		if progress != nil {
			fmt.Fprintf(progress, "deleted %s\n", r)
		}
		done = append(done, r)
	}
	if wait <= 0 {
		return done, nil
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		pods, err := c.Pods(ctx, ns, manifest.Selector(app))
		if err == nil && len(pods) == 0 {
			return done, nil
		}
		select {
		case <-ctx.Done():
			return done, fmt.Errorf("%w after %v: %d pods of %s are still there", ErrTimeout, wait, len(pods), app)
		case <-time.After(PollInterval):
		}
	}
}
