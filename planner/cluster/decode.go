package cluster

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	yaml3 "go.yaml.in/yaml/v3"

	"github.com/edgectl/edgectl/graphir"
)

// Load reads and decodes a cluster file (Decode); File is path and Dir
// its folder.
func Load(path string) (*Cluster, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Decode(path, data)
	if err != nil {
		return nil, err
	}
	c.File, c.Dir = path, filepath.Dir(path)
	return c, nil
}

// Decode reads a cluster file (YAML or JSON) strictly
// (graphir.DecodeStrictLines) and validates it: every unknown or repeated
// field, bad value (a bandwidth, size or duration that does not parse)
// and inconsistency (see Validate) is reported at once, each with its
// line, after "name:" (the file's name, for errors). File and Dir are
// left empty.
func Decode(name string, data []byte) (*Cluster, error) {
	var f fileCluster
	lines, err := graphir.DecodeStrictLines(name, data, &f)
	if err != nil {
		var n yaml3.Node
		if yaml3.Unmarshal(data, &n) != nil {
			return nil, err // a syntax error: nothing else can be checked
		}
	}
	p := &problems{name: name, lines: lines}
	if err != nil {
		p.addDecodeError(err)
	}
	c := f.cluster(p)
	c.check(p)
	if err := p.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// raw is a unit field (bandwidth, size, duration) as written: the file is
// decoded with raw in their place so that a value that does not parse is
// one problem among the others, with its line, instead of stopping the
// decoder.
type raw struct {
	text string
	bad  string // the JSON of a value that is neither a string nor a number
	set  bool
}

func (r *raw) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	r.set = true
	if s, err := scalar(data); err == nil {
		r.text = s
	} else {
		r.bad = string(data)
	}
	return nil
}

// The file's form of Cluster: fields of the embedded types are shadowed by
// raw ones of the same JSON name (encoding/json takes the least nested).
type (
	fileCluster struct {
		Cluster
		Classes []fileClass `json:"classes"`
		Network fileNetwork `json:"network"`
	}
	fileClass struct {
		Class
		Memory raw `json:"memory,omitempty"`
	}
	fileNetwork struct {
		Network
		Bandwidth  raw        `json:"bandwidth"`
		RTT        raw        `json:"rtt,omitempty"`
		PerMessage raw        `json:"perMessage,omitempty"`
		Links      []fileLink `json:"links,omitempty"`
	}
	fileLink struct {
		Link
		Bandwidth  raw `json:"bandwidth,omitempty"`
		RTT        raw `json:"rtt,omitempty"`
		PerMessage raw `json:"perMessage,omitempty"`
	}
)

var _ json.Unmarshaler = (*raw)(nil)

// cluster converts the file's form, parsing the unit fields.
func (f *fileCluster) cluster(p *problems) *Cluster {
	c := f.Cluster
	c.Classes = nil
	for i, fc := range f.Classes {
		cl := fc.Class
		cl.Memory = parseUnit(p, fmt.Sprintf("classes[%d].memory", i), fc.Memory, ParseBytes)
		c.Classes = append(c.Classes, cl)
	}
	c.Network = f.Network.Network
	c.Network.Bandwidth = parseUnit(p, "network.bandwidth", f.Network.Bandwidth, ParseBandwidth)
	c.Network.RTT = parseUnit(p, "network.rtt", f.Network.RTT, ParseDuration)
	c.Network.PerMessage = parseUnit(p, "network.perMessage", f.Network.PerMessage, ParseDuration)
	c.Network.Links = nil
	for i, fl := range f.Network.Links {
		l := fl.Link
		at := "network.links[" + strconv.Itoa(i) + "]."
		l.Bandwidth = parseUnit(p, at+"bandwidth", fl.Bandwidth, ParseBandwidth)
		l.RTT = parseUnit(p, at+"rtt", fl.RTT, ParseDuration)
		l.PerMessage = parseUnit(p, at+"perMessage", fl.PerMessage, ParseDuration)
		c.Network.Links = append(c.Network.Links, l)
	}
	return &c
}

func parseUnit[T any](p *problems, path string, r raw, parse func(string) (T, error)) T {
	var zero T
	switch {
	case !r.set:
		return zero
	case r.bad != "":
		p.badValue(path, "%s: %s is not a string or a number", path, r.bad)
		return zero
	}
	v, err := parse(r.text)
	if err != nil {
		p.badValue(path, "%s: %v", path, err)
	}
	return v
}
