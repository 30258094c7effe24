package costmodel

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"sigs.k8s.io/yaml"

	"github.com/edgectl/edgectl/graphir"
)

// DecodeProfile reads a profile strictly (graphir.DecodeStrict: unknown,
// mis-cased and repeated fields are errors) and checks it (Validate); name
// is the file's name, for errors. Every problem is reported at once, each
// with its line where it has one.
func DecodeProfile(name string, data []byte) (*Profile, error) {
	var p Profile
	lines, err := graphir.DecodeStrictLines(name, data, &p)
	if err != nil {
		return nil, err
	}
	if err := p.validate(name, lines); err != nil {
		return nil, err
	}
	return &p, nil
}

// Encode writes the profile as YAML (the field names of its JSON form).
func (p *Profile) Encode() ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return yaml.Marshal(p)
}

// Validate reports every problem of p at once: the format identifiers, a
// negative thread count or speed, an unknown kind, a coefficient that is
// negative or not finite, a neighbour count without corrections or a
// correction that is not finite, a sample of an unknown kind or without a
// positive time.
func (p *Profile) Validate() error {
	return p.validate("", func(string) int { return 0 })
}

func (p *Profile) validate(name string, lines graphir.Lines) error {
	var problems []string
	add := func(path, format string, args ...any) {
		where := ""
		if name != "" {
			where = name + ": "
		}
		if l := lines(path); l > 0 {
			where = fmt.Sprintf("%s:%d: ", name, l)
			if name == "" {
				where = fmt.Sprintf("line %d: ", l)
			}
		}
		problems = append(problems, where+path+": "+fmt.Sprintf(format, args...))
	}
	if p.APIVersion != APIVersion {
		add("apiVersion", "%q: want %q", p.APIVersion, APIVersion)
	}
	if p.Kind != ProfileKind {
		add("kind", "%q: want %q", p.Kind, ProfileKind)
	}
	if p.Threads < 0 {
		add("threads", "%d: want 0 or more", p.Threads)
	}
	if p.Speed < 0 || math.IsInf(p.Speed, 0) || math.IsNaN(p.Speed) {
		add("speed", "%v: want a positive number (or none)", p.Speed)
	}
	if len(p.Fits) == 0 {
		add("fits", "no fits")
	}
	kinds := make([]Kind, 0, len(p.Fits))
	for k := range p.Fits {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
	for _, k := range kinds {
		f := p.Fits[k]
		path := "fits." + string(k)
		if !slices.Contains(Kinds(), k) {
			add(path, "unknown kind (kinds: %v)", Kinds())
			continue
		}
		for i, c := range f.coefs() {
			if c < 0 || math.IsInf(c, 0) || math.IsNaN(c) {
				add(path+"."+featureNames[i], "%v: want a finite number >= 0", c)
			}
		}
		if f.SpillAbove < 0 || math.IsInf(f.SpillAbove, 0) || math.IsNaN(f.SpillAbove) {
			add(path+".spillAbove", "%v: want a finite number >= 0", f.SpillAbove)
		}
		if f.Neighbours < 0 || (f.Neighbours > 0 && len(f.Corrections) == 0) {
			add(path+".neighbours", "%d: want 0, or more with corrections", f.Neighbours)
		}
		for i, c := range f.Corrections {
			ok := !math.IsInf(c.LogRatio, 0) && !math.IsNaN(c.LogRatio)
			for _, x := range c.At {
				ok = ok && x >= 0 && !math.IsInf(x, 0) && !math.IsNaN(x)
			}
			if !ok {
				add(fmt.Sprintf("%s.corrections[%d]", path, i), "want finite numbers, coordinates >= 0")
			}
		}
		if f.Samples < 0 || f.HeldOut < 0 {
			add(path, "negative sample count")
		}
	}
	for i, s := range p.Samples {
		path := fmt.Sprintf("samples[%d]", i)
		if !slices.Contains(Kinds(), s.Kind) {
			add(path+".kind", "unknown kind %q", s.Kind)
		}
		if !(s.Seconds > 0) || math.IsInf(s.Seconds, 0) {
			add(path+".seconds", "%v: want a positive time", s.Seconds)
		}
	}
	switch len(problems) {
	case 0:
		return nil
	case 1:
		return errors.New(problems[0])
	}
	errs := []error{fmt.Errorf("%sprofile has %d problems", prefixOf(name), len(problems))}
	for _, pr := range problems {
		errs = append(errs, errors.New(pr))
	}
	return errors.Join(errs...)
}

func prefixOf(name string) string {
	if name == "" {
		return ""
	}
	return name + ": "
}
