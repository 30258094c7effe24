package cluster

import (
	"errors"
	"fmt"
	"os"

	"github.com/edgectl/edgectl/planner/costmodel"
)

// ProfileDecoder decodes a profile file's data; name is the file's path,
// for errors. costmodel.DecodeProfile is one.
type ProfileDecoder func(name string, data []byte) (*costmodel.Profile, error)

// Profiles reads the profile of every class that names one (its path
// resolved against Dir) with decode (nil: costmodel.DecodeProfile), keyed
// by class name. Classes without a profile are not in the map: the caller
// uses its own machine's profile scaled by the class's Speed (Class.Speed,
// 0 meaning 1). Every file that cannot be read or decoded is reported at
// once, naming its class.
func (c *Cluster) Profiles(decode ProfileDecoder) (map[string]*costmodel.Profile, error) {
	if decode == nil {
		decode = costmodel.DecodeProfile
	}
	out := map[string]*costmodel.Profile{}
	var errs []error
	for _, cl := range c.Classes {
		if cl.Profile == "" {
			continue
		}
		path := c.Path(cl.Profile)
		data, err := os.ReadFile(path)
		if err == nil {
			var p *costmodel.Profile
			if p, err = decode(path, data); err == nil {
				out[cl.Name] = p
				continue
			}
		}
		errs = append(errs, fmt.Errorf("%sclass %q: profile: %w", prefix(c.File), cl.Name, err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// SpeedOf is a class's speed relative to one core of this machine: Speed,
// or 1 when it is not set.
func (cl Class) SpeedOf() float64 {
	if cl.Speed > 0 {
		return cl.Speed
	}
	return 1
}

// ThreadsOf is a class's intra-op threads: Threads, or 1 when not set.
func (cl Class) ThreadsOf() int {
	return max(cl.Threads, 1)
}
