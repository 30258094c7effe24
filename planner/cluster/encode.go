package cluster

import (
	"bytes"
	"encoding/json"

	yaml3 "go.yaml.in/yaml/v3"
)

// Encode writes the cluster as YAML, fields in the order of the types
// (units as strings: "100mbit", "512Mi", "2ms"). It carries no comments;
// Example writes a commented file to start from and SetNetwork edits one
// keeping its comments.
func (c *Cluster) Encode() ([]byte, error) {
	js, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	// JSON is YAML: parsed by go.yaml.in/yaml/v3 it keeps the field order,
	// which a map would lose; only its flow style is undone.
	var doc yaml3.Node
	if err := yaml3.Unmarshal(js, &doc); err != nil {
		return nil, err
	}
	blockStyle(&doc)
	return encodeYAML(&doc)
}

// blockStyle writes n in block style, quoting only strings that need it.
func blockStyle(n *yaml3.Node) {
	if n.Kind == yaml3.ScalarNode && n.Tag == "!!str" || n.Kind != yaml3.ScalarNode {
		n.Style = 0
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

func encodeYAML(n *yaml3.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml3.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
