package cluster

import (
	"fmt"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"
)

// SetNetwork writes n's bandwidth, RTT, per-message cost and links into a
// cluster file's network section, keeping everything else of the file and
// its comments (it edits the YAML nodes): values change in place, a link
// override that stays keeps its comments, and missing keys are added.
// note, when set, becomes the line comment of the bandwidth (replacing a
// previous note only). name is the file's name, for errors; the result
// is decoded to check it (Decode).
func SetNetwork(name string, data []byte, n Network, note string) ([]byte, error) {
	var doc yaml3.Node
	if err := yaml3.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if doc.Kind != yaml3.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml3.MappingNode {
		return nil, fmt.Errorf("%s: not a mapping", name)
	}
	net := mapping(doc.Content[0], "network")
	bw := setScalar(net, "bandwidth", n.Bandwidth.String())
	if note != "" && (bw.LineComment == "" || isNote(bw.LineComment)) {
		bw.LineComment = "# " + note
	}
	setScalar(net, "rtt", n.RTT.String())
	setScalar(net, "perMessage", n.PerMessage.String())
	setLinks(net, n.Links)
	out, err := encodeYAML(&doc)
	if err != nil {
		return nil, err
	}
	out = keepBlankLines(data, out)
	if _, err := Decode(name, out); err != nil {
		return nil, err
	}
	return out, nil
}

// NotePrefix starts the notes SetNetwork writes, so that the next note
// replaces them and a user's comment is kept.
const NotePrefix = "measured by edgectl netprobe"

func isNote(comment string) bool {
	return strings.HasPrefix(comment, "# "+NotePrefix)
}

// value returns the value node of key in mapping m, or nil.
func value(m *yaml3.Node, key string) *yaml3.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// mapping returns the mapping under key in m, adding or replacing it when
// it is missing or not a mapping.
func mapping(m *yaml3.Node, key string) *yaml3.Node {
	if v := value(m, key); v != nil {
		if v.Kind != yaml3.MappingNode {
			*v = yaml3.Node{Kind: yaml3.MappingNode, HeadComment: v.HeadComment}
		}
		return v
	}
	v := &yaml3.Node{Kind: yaml3.MappingNode}
	m.Content = append(m.Content, &yaml3.Node{Kind: yaml3.ScalarNode, Value: key}, v)
	return v
}

// setScalar sets key of m to the string s, keeping the node (and its
// comments) when there is one.
func setScalar(m *yaml3.Node, key, s string) *yaml3.Node {
	v := value(m, key)
	if v == nil {
		v = &yaml3.Node{}
		m.Content = append(m.Content, &yaml3.Node{Kind: yaml3.ScalarNode, Value: key}, v)
	}
	v.Kind, v.Tag, v.Value, v.Style, v.Content = yaml3.ScalarNode, "!!str", s, 0, nil
	return v
}

func removeKey(m *yaml3.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

// setLinks makes net's links the list ls, reusing the node of a link
// already there (by its ends, either direction).
func setLinks(net *yaml3.Node, ls []Link) {
	if len(ls) == 0 {
		removeKey(net, "links")
		return
	}
	old := map[[2]string]*yaml3.Node{}
	if seq := value(net, "links"); seq != nil && seq.Kind == yaml3.SequenceNode {
		for _, item := range seq.Content {
			if item.Kind == yaml3.MappingNode {
				from, to := value(item, "from"), value(item, "to")
				if from != nil && to != nil {
					old[pairKey(from.Value, to.Value)] = item
				}
			}
		}
	}
	seq := &yaml3.Node{Kind: yaml3.SequenceNode}
	if v := value(net, "links"); v != nil {
		*v = yaml3.Node{Kind: yaml3.SequenceNode, HeadComment: v.HeadComment, LineComment: v.LineComment}
		seq = v
	} else {
		net.Content = append(net.Content, &yaml3.Node{Kind: yaml3.ScalarNode, Value: "links"}, seq)
	}
	for _, l := range ls {
		item := old[pairKey(l.From, l.To)]
		if item == nil {
			item = &yaml3.Node{Kind: yaml3.MappingNode}
			setScalar(item, "from", l.From)
			setScalar(item, "to", l.To)
		}
		for _, f := range []struct {
			key, val string
			zero     bool
		}{{"bandwidth", l.Bandwidth.String(), l.Bandwidth == 0}, {"rtt", l.RTT.String(), l.RTT == 0}, {"perMessage", l.PerMessage.String(), l.PerMessage == 0}} {
			if f.zero {
				removeKey(item, f.key)
			} else {
				setScalar(item, f.key, f.val)
			}
		}
		seq.Content = append(seq.Content, item)
	}
}
