package cluster

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Bandwidth is in bits per second; in files "100mbit", "1gbit", "800kbit",
// "10Mbit" (tc's units, any case: bit, kbit, mbit, gbit, tbit and the
// binary kibit, mibit, gibit, tibit) or a plain number of bits per second.
// tc's "bps" units (bytes per second) are refused: "100mbps" is too often
// meant as megabits.
type Bandwidth float64

// Bytes is a size in bytes; in files "512Mi", "1Gi", "2G" (the suffixes of
// Kubernetes quantities: k, M, G, T, P, E and Ki, Mi, Gi, Ti, Pi, Ei) or a
// number.
type Bytes int64

// Duration is a time.Duration; in files "2ms", "150us", "1.5s".
type Duration time.Duration

var reQuantity = regexp.MustCompile(`^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([-+]?[0-9]+))?\s*([A-Za-z]*)$`)

var bitUnits = map[string]float64{
	"": 1, "bit": 1, "kbit": 1e3, "mbit": 1e6, "gbit": 1e9, "tbit": 1e12,
	"kibit": 1 << 10, "mibit": 1 << 20, "gibit": 1 << 30, "tibit": 1 << 40,
}

// ParseBandwidth reads a rate in tc's units ("100mbit"); see Bandwidth.
func ParseBandwidth(s string) (Bandwidth, error) {
	m := reQuantity.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not a bandwidth: want e.g. 800kbit, 100mbit, 1gbit (bits per second)", s)
	}
	unit := strings.ToLower(m[3])
	mult, ok := bitUnits[unit]
	if !ok {
		if prefix, ok := strings.CutSuffix(unit, "bps"); ok {
			return 0, fmt.Errorf("%q: tc reads %s as bytes per second: write bits per second, %s%sbit for megabits or %s for bytes", s, m[3], m[1], prefix, times8(m[1], prefix))
		}
		return 0, fmt.Errorf("%q: unknown unit %q: want bit, kbit, mbit, gbit or tbit (or kibit, mibit, gibit, tibit)", s, m[3])
	}
	v, err := strconv.ParseFloat(m[1]+expOf(m[2]), 64)
	if err != nil || math.IsInf(v*mult, 0) {
		return 0, fmt.Errorf("%q is not a bandwidth", s)
	}
	return Bandwidth(v * mult), nil
}

// times8 is "N·8 PREFIXbit", the rate in bits of N PREFIXbytes per second.
func times8(n, prefix string) string {
	v, _ := strconv.ParseFloat(n, 64)
	return strconv.FormatFloat(v*8, 'f', -1, 64) + prefix + "bit"
}

func expOf(e string) string {
	if e == "" {
		return ""
	}
	return "e" + e
}

// String writes b in the largest of gbit, mbit, kbit, bit that keeps it at
// least 1, with up to 4 significant digits ("19.68mbit").
func (b Bandwidth) String() string {
	v := float64(b)
	for _, u := range []struct {
		name string
		mult float64
	}{{"tbit", 1e12}, {"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}} {
		if math.Abs(v) >= u.mult {
			return strconv.FormatFloat(round4(v/u.mult), 'f', -1, 64) + u.name
		}
	}
	return strconv.FormatFloat(round4(v), 'f', -1, 64) + "bit"
}

// round4 rounds to 4 significant digits.
func round4(v float64) float64 {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	// Multiplying by a negative power of ten is inexact; dividing by a
	// positive one keeps round numbers round.
	e := 3 - math.Floor(math.Log10(math.Abs(v)))
	if e < 0 {
		q := math.Pow(10, -e)
		return math.Round(v/q) * q
	}
	p := math.Pow(10, e)
	return math.Round(v*p) / p
}

// MarshalJSON writes the bandwidth as a string in tc's units.
func (b Bandwidth) MarshalJSON() ([]byte, error) { return json.Marshal(b.String()) }

// UnmarshalJSON reads a string in tc's units or a number of bits per second.
func (b *Bandwidth) UnmarshalJSON(data []byte) error {
	s, err := scalar(data)
	if err != nil {
		return err
	}
	v, err := ParseBandwidth(s)
	*b = v
	return err
}

var byteUnits = map[string]int64{
	"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
	"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50, "Ei": 1 << 60,
}

// ParseBytes reads a size ("512Mi", "2G"); see Bytes.
func ParseBytes(s string) (Bytes, error) {
	m := reQuantity.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not a size: want e.g. 512Mi, 1Gi, 2G", s)
	}
	mult, ok := byteUnits[m[3]]
	if !ok {
		return 0, fmt.Errorf("%q: unknown unit %q: want Ki, Mi, Gi, Ti (powers of 1024) or k, M, G, T (of 1000)", s, m[3])
	}
	v, err := strconv.ParseFloat(m[1]+expOf(m[2]), 64)
	n := v * float64(mult)
	if err != nil || n >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is not a size (too large)", s)
	}
	if n != math.Trunc(n) {
		return 0, fmt.Errorf("%q is not a whole number of bytes", s)
	}
	return Bytes(n), nil
}

// String writes b in its shortest exact form: with the largest binary
// ("1Gi", "512Mi") or decimal ("2G") suffix that divides it, or as a
// number; binary when both are as short.
func (b Bytes) String() string {
	best := strconv.FormatInt(int64(b), 10)
	for _, family := range [][]string{{"k", "M", "G", "T", "P", "E"}, {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}} {
		for _, u := range family {
			if m := byteUnits[u]; b != 0 && int64(b)%m == 0 {
				if s := strconv.FormatInt(int64(b)/m, 10) + u; len(s) <= len(best) {
					best = s
				}
			}
		}
	}
	return best
}

// MarshalJSON writes the size as a string ("512Mi").
func (b Bytes) MarshalJSON() ([]byte, error) { return json.Marshal(b.String()) }

// UnmarshalJSON reads a size string or a number of bytes.
func (b *Bytes) UnmarshalJSON(data []byte) error {
	s, err := scalar(data)
	if err != nil {
		return err
	}
	v, err := ParseBytes(s)
	*b = v
	return err
}

// ParseDuration reads a duration with its unit ("2ms"), not negative.
func ParseDuration(s string) (Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
			return 0, fmt.Errorf("%q has no unit: write e.g. 2ms, 150us", s)
		}
		return 0, fmt.Errorf("%q is not a duration: want e.g. 2ms, 150us, 1.5s", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return Duration(d), nil
}

// String is time.Duration's form in ASCII ("2ms", "450us").
func (d Duration) String() string {
	return strings.Replace(time.Duration(d).String(), "µs", "us", 1)
}

// MarshalJSON writes the duration as a string ("2ms").
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(data []byte) error {
	s, err := scalar(data)
	if err != nil {
		return err
	}
	v, err := ParseDuration(s)
	*d = v
	return err
}

// scalar is a JSON string's text or a JSON number's literal.
func scalar(data []byte) (string, error) {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	}
	return "", fmt.Errorf("%s is not a string or a number", data)
}
