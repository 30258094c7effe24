package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/edgectl/edgectl/kube/manifest"
)

// PollInterval is how often Wait looks.
var PollInterval = time.Second

// Wait waits until every Deployment of app has rolled out (its newest
// pods ready and available, no old pods left) or timeout passes,
// printing a line to progress whenever the count of ready ones changes.
// On timeout the error names each Deployment not ready and why its pods
// are not (unschedulable, waiting reasons).
func Wait(ctx context.Context, c Client, ns, app string, timeout time.Duration, progress io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last := ""
	for {
		deps, err := c.Deployments(ctx, ns, manifest.Selector(app))
		if err != nil && ctx.Err() == nil {
			return explain("list Deployments of "+app, err)
		}
		var waiting []string
		for _, d := range deps {
			if why := notReady(&d); why != "" {
				waiting = append(waiting, d.Name+" ("+why+")")
			}
		}
		if err == nil && len(deps) > 0 {
			line := fmt.Sprintf("ready %d/%d", len(deps)-len(waiting), len(deps))
			if len(waiting) > 0 {
				line += ", waiting for " + strings.Join(waiting, ", ")
			}
			if line != last && progress != nil {
				fmt.Fprintln(progress, line)
			}
			last = line
			if len(waiting) == 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("%w after %v waiting for %s%s", ErrTimeout, timeout, strings.Join(waiting, ", "), podReasons(c, ns, app))
			}
			return ctx.Err()
		case <-time.After(PollInterval):
		}
	}
}

// notReady says why a Deployment has not rolled out ("" once it has).
func notReady(d *appsv1.Deployment) string {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	s := d.Status
	switch {
	case s.ObservedGeneration < d.Generation:
		return "not yet seen by its controller"
	case s.UpdatedReplicas < want:
		return fmt.Sprintf("%d/%d updated", s.UpdatedReplicas, want)
	case s.Replicas > s.UpdatedReplicas:
		return fmt.Sprintf("%d old pods terminating", s.Replicas-s.UpdatedReplicas)
	case s.ReadyReplicas < want || s.AvailableReplicas < want:
		return fmt.Sprintf("%d/%d ready", s.ReadyReplicas, want)
	}
	return ""
}

// podReasons says why pods of app are not ready, as "; pod P: reason".
func podReasons(c Client, ns, app string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pods, err := c.Pods(ctx, ns, manifest.Selector(app))
	if err != nil {
		return ""
	}
	var out []string
	for _, p := range pods {
		if why := podReason(&p); why != "" {
			out = append(out, "pod "+p.Name+": "+why)
		}
	}
	slices.Sort(out)
	if len(out) == 0 {
		return ""
	}
	return "; " + strings.Join(out, "; ")
}

func podReason(p *corev1.Pod) string {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			return "not scheduled: " + c.Message
		}
	}
	for _, cs := range append(p.Status.InitContainerStatuses, p.Status.ContainerStatuses...) {
		if w := cs.State.Waiting; w != nil && w.Reason != "" {
			return cs.Name + " " + w.Reason + ": " + w.Message
		}
	}
	if !podReady(p) && p.Status.Phase != "" {
		return string(p.Status.Phase) + ", not ready"
	}
	return ""
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
