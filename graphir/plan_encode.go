package graphir

import (
	"encoding/json"

	"sigs.k8s.io/yaml"
)

// Encode returns the plan as indented JSON.
func (p *Plan) Encode() ([]byte, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// EncodeYAML returns the plan as YAML (the field names of its JSON form).
func (p *Plan) EncodeYAML() ([]byte, error) {
	return yaml.Marshal(p)
}
