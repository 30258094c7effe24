package cluster

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseBandwidth(t *testing.T) {
	for in, want := range map[string]Bandwidth{
		"100mbit": 100e6, "1gbit": 1e9, "800kbit": 800e3, "10Mbit": 10e6, "2.5GBit": 2.5e9,
		"1mibit": 1 << 20, "1kibit": 1024, "64000": 64000, "1e6bit": 1e6, "0.5mbit": 5e5, "12 mbit": 12e6,
	} {
		got, err := ParseBandwidth(in)
		if err != nil || got != want {
			t.Errorf("ParseBandwidth(%q) = %v, %v; want %v", in, float64(got), err, float64(want))
		}
	}
	for in, want := range map[string]string{
		"100mbps": "100mbit for megabits or 800mbit for bytes", "fast": "not a bandwidth", "10 parsecs": `unknown unit "parsecs"`,
		"-5mbit": "not a bandwidth", "": "not a bandwidth",
	} {
		if _, err := ParseBandwidth(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseBandwidth(%q): %v, want an error with %q", in, err, want)
		}
	}
}

func TestBandwidth_String(t *testing.T) {
	for b, want := range map[Bandwidth]string{100e6: "100mbit", 19683456: "19.68mbit", 1e9: "1gbit", 800e3: "800kbit", 512: "512bit", 1.5e12: "1.5tbit"} {
		if got := b.String(); got != want {
			t.Errorf("%v.String() = %q, want %q", float64(b), got, want)
		}
		if back, err := ParseBandwidth(want); err != nil || back != Bandwidth(round4(float64(b))) {
			t.Errorf("%q parses to %v, %v", want, float64(back), err)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]Bytes{"512Mi": 512 << 20, "1Gi": 1 << 30, "2G": 2e9, "100k": 1e5, "4096": 4096, "1.5Gi": 3 << 29} {
		got, err := ParseBytes(in)
		if err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, want := range map[string]string{"1GB": `unknown unit "GB"`, "1.3": "whole number", "lots": "not a size", "1m": `unknown unit "m"`, "99999E": "too large"} {
		if _, err := ParseBytes(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseBytes(%q): %v, want an error with %q", in, err, want)
		}
	}
	for b, want := range map[Bytes]string{1 << 30: "1Gi", 512 << 20: "512Mi", 2e9: "2G", 1536: "1536", 3072: "3Ki", 1e6: "1M", 0: "0"} {
		if got := b.String(); got != want {
			t.Errorf("Bytes(%d).String() = %q, want %q", b, got, want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]Duration{"2ms": Duration(2 * time.Millisecond), "150us": Duration(150 * time.Microsecond), "1.5s": Duration(1500 * time.Millisecond)} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, want := range map[string]string{"2": "has no unit", "-1ms": "negative", "soon": "not a duration"} {
		if _, err := ParseDuration(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDuration(%q): %v, want an error with %q", in, err, want)
		}
	}
}

// The unit types read strings and numbers as JSON, and write strings.
func TestUnits_JSON(t *testing.T) {
	var v struct {
		B Bandwidth `json:"b"`
		N Bytes     `json:"n"`
		D Duration  `json:"d"`
	}
	if err := json.Unmarshal([]byte(`{"b": 1000000, "n": "1Gi", "d": "2ms"}`), &v); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(v)
	if string(out) != `{"b":"1mbit","n":"1Gi","d":"2ms"}` {
		t.Errorf("round trip: %s", out)
	}
	if err := json.Unmarshal([]byte(`{"b": true}`), &v); err == nil {
		t.Error("a bool bandwidth decoded")
	}
}
