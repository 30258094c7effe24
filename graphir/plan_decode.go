package graphir

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Strict decoding: encoding/json matches field names case-insensitively
// and keeps the last of repeated fields, so DecodePlan first walks the
// document's tokens against the plan's schema.

// planKeys is the set of field names of a JSON object and the schema of
// each field's value (nil: any value); elem is the schema of array
// elements.
type planKeys struct {
	fields map[string]*planKeys
	elem   *planKeys
}

var planSchema = func() *planKeys {
	split := &planKeys{fields: map[string]*planKeys{"rows": nil, "cols": nil, "channels": nil, "devices": nil}}
	stage := &planKeys{fields: map[string]*planKeys{"name": nil, "kind": nil, "nodes": nil, "from": nil, "to": nil, "split": split}}
	return &planKeys{fields: map[string]*planKeys{"apiVersion": nil, "kind": nil, "model": nil, "stages": {elem: stage}}}
}()

// errPlanSyntax stops planCheckKeys at malformed JSON, which the decoder
// then reports.
var errPlanSyntax = errors.New("syntax")

// planCheckKeys walks one JSON value and reports a field that schema does
// not name exactly, or names twice.
func planCheckKeys(dec *json.Decoder, schema *planKeys, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return errPlanSyntax
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return errPlanSyntax
			}
			key, _ := kt.(string)
			var sub *planKeys
			if schema != nil && schema.fields != nil {
				s, known := schema.fields[key]
				if !known {
					return fmt.Errorf("%s: unknown field %q", path, key)
				}
				sub = s
			}
			if seen[key] {
				return fmt.Errorf("%s: field %q is given twice", path, key)
			}
			seen[key] = true
			if err := planCheckKeys(dec, sub, path+"."+key); err != nil {
				return err
			}
		}
	case '[':
		var elem *planKeys
		if schema != nil {
			elem = schema.elem
		}
		for i := 0; dec.More(); i++ {
			if err := planCheckKeys(dec, elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return errPlanSyntax
	}
	return nil
}

// Encode returns the plan as indented JSON.
func (p *Plan) Encode() ([]byte, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
