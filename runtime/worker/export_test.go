package worker

import (
	"context"

	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime/profile"
)

// SetMeasure replaces what s measures profiles with.
func SetMeasure(s *Server, f func(context.Context, profile.Options) (*costmodel.Profile, error)) {
	s.measure = f
}
