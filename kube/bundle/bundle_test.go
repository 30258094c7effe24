package bundle_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/kube/bundle"
	"github.com/edgectl/edgectl/kube/bundle/bundletest"
	"github.com/edgectl/edgectl/planner/cluster"
)

// build makes a bundle of resnet18_tiny for n devices.
func build(t *testing.T, n int) (string, *bundle.Result, bundletest.Files) {
	t.Helper()
	f := bundletest.Make(t, "resnet18_tiny", n)
	out := filepath.Join(f.Dir, "app.tar")
	res, err := bundle.Build(context.Background(), bundle.Options{Model: f.Model, Plan: f.Plan, Cluster: f.Cluster,
		Manifests: func(m *bundle.Meta, _ *cluster.Cluster) ([]byte, error) { return []byte("# " + m.Name + "\n"), nil }}, out)
	if err != nil {
		t.Fatal(err)
	}
	return out, res, f
}

func open(t *testing.T, path string) *bundle.Bundle {
	t.Helper()
	b, err := bundle.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestBuild_Reproducible(t *testing.T) {
	out, res, f := build(t, 2)
	again := filepath.Join(f.Dir, "again.tar")
	res2, err := bundle.Build(context.Background(), bundle.Options{Model: f.Model, Plan: f.Plan, Cluster: f.Cluster,
		Manifests: func(m *bundle.Meta, _ *cluster.Cluster) ([]byte, error) { return []byte("# " + m.Name + "\n"), nil }}, again)
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest != res2.Digest {
		t.Errorf("two builds of the same inputs: digests %s and %s", res.Digest, res2.Digest)
	}
	a, _ := os.ReadFile(out)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) {
		t.Error("two builds of the same inputs wrote different archives")
	}
}

func TestOpen_VerifyAndDescribe(t *testing.T) {
	out, res, _ := build(t, 4)
	b := open(t, out)
	if b.Digest() != res.Digest {
		t.Errorf("digest %s, built %s", b.Digest(), res.Digest)
	}
	if err := b.Verify(nil); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := b.Describe(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"resnet18-tiny", "model/weights/common.bin", "dev-3", "signatures: none"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("describe lacks %q:\n%s", want, buf.String())
		}
	}
	if len(b.Meta.Devices) != 4 {
		t.Fatalf("devices %v", b.Meta.DeviceNames())
	}
}

// Each device's model file holds exactly the weights of its stages, and
// those equal the model's.
func TestPlaceModel_OnlyItsWeights(t *testing.T) {
	out, _, f := build(t, 3)
	b := open(t, out)
	g, err := importer.LoadFile(f.Model, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range append(b.Meta.DeviceNames(), "") {
		dir := t.TempDir()
		s, err := b.PlaceModel(d, dir)
		if err != nil {
			t.Fatal(err)
		}
		file, err := os.Open(filepath.Join(dir, "models", s.Model))
		if err != nil {
			t.Fatal(err)
		}
		got, err := importer.ReadEdgeIR(file, importer.Options{SkipConst: func(n string) bool { return !s.Has(n, nil) }})
		file.Close()
		if err != nil {
			t.Fatalf("device %q: %v", d, err)
		}
		want := map[string][]float32{}
		for _, n := range g.Nodes {
			for _, in := range n.Inputs {
				if in != nil && in.IsConst() {
					want[in.Name] = in.Const.F
				}
			}
		}
		held := 0
		for _, n := range got.Nodes {
			for _, in := range n.Inputs {
				if in == nil || !in.IsConst() || !s.Has(in.Name, nil) {
					continue
				}
				held++
				if w := want[in.Name]; len(w) != len(in.Const.F) || (len(w) > 0 && w[len(w)-1] != in.Const.F[len(w)-1]) {
					t.Fatalf("device %q: constant %q differs from the model's", d, in.Name)
				}
			}
		}
		if d != "" && s.Bytes >= b.Meta.Model.Size-b.Meta.Model.WeightsStart {
			t.Errorf("device %q reads %d weight bytes, the whole model has %d", d, s.Bytes, b.Meta.Model.Size-b.Meta.Model.WeightsStart)
		}
		t.Logf("device %q: %d constants, %d bytes", d, held, s.Bytes)
	}
}

// A byte changed inside a weight blob is found, naming the blob's file.
func TestVerify_Tampered(t *testing.T) {
	out, _, _ := build(t, 2)
	b := open(t, out)
	w := b.Meta.Weights[len(b.Meta.Weights)-1]
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	// The layer's file content follows its 512-byte tar header; find it by
	// the header's name.
	i := -1
	for j := 0; j+512 < len(data); j += 512 {
		if bytes.HasPrefix(data[j:], []byte(w.Path+"\x00")) {
			i = j
		}
	}
	if i < 0 {
		t.Fatal("weights not found in the archive")
	}
	data[i+512+100] ^= 0xff
	if err := os.WriteFile(out, data, 0o644); err != nil {
		t.Fatal(err)
	}
	b2 := open(t, out)
	err = b2.Verify(nil)
	var be *bundle.BlobError
	if !errors.As(err, &be) || be.Name != w.Path || !strings.Contains(err.Error(), "does not match its digest") {
		t.Fatalf("tampered %s: got %v", w.Path, err)
	}
	// A device that reads that blob is refused too.
	for _, d := range b2.Meta.Devices {
		if strings.Contains(strings.Join(d.Weights, " "), w.Path) {
			if _, err := b2.PlaceModel(d.Name, t.TempDir()); err == nil || !strings.Contains(err.Error(), w.Path) {
				t.Errorf("device %s placed a tampered shard: %v", d.Name, err)
			}
		}
	}
}

// A truncated archive is refused, naming the blob cut short.
func TestOpen_Truncated(t *testing.T) {
	out, _, _ := build(t, 2)
	st, _ := os.Stat(out)
	if err := os.Truncate(out, st.Size()*2/3); err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Open(out)
	if err == nil {
		err = b.Verify(nil)
		b.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "blob sha256:") {
		t.Fatalf("truncated archive: got %v", err)
	}
	t.Log(err)
}

func TestSign_RequireSignature(t *testing.T) {
	out, _, f := build(t, 2)
	key := filepath.Join(f.Dir, "key")
	id, err := bundle.GenerateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := bundle.LoadPublicKey(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	b := open(t, out)
	if err := b.VerifySignature(pub); !errors.Is(err, bundle.ErrNotSigned) {
		t.Fatalf("unsigned bundle: got %v", err)
	}
	b.Close()
	priv, err := bundle.LoadPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := bundle.Sign(out, priv); err != nil || got != id {
		t.Fatalf("sign: %v, %v", got, err)
	}
	b = open(t, out)
	if err := b.VerifySignature(pub); err != nil {
		t.Fatal(err)
	}
	if err := b.Verify(nil); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(f.Dir, "other")
	if _, err := bundle.GenerateKey(other); err != nil {
		t.Fatal(err)
	}
	opub, _ := bundle.LoadPublicKey(other + ".pub")
	if err := b.VerifySignature(opub); err == nil || !strings.Contains(err.Error(), "other keys") {
		t.Fatalf("another key: got %v", err)
	}
}

// In a layer split by output channels each device's shard holds exactly
// its slice of the layer's weights (a blob of its own), with the model's
// values, and no byte of the other device's slice.
func TestPlaceModel_ChannelSlices(t *testing.T) {
	f := bundletest.MakeChannelSplit(t, "resnet18_tiny")
	out := filepath.Join(f.Dir, "app.tar")
	if _, err := bundle.Build(context.Background(), bundle.Options{Model: f.Model, Plan: f.Plan, Cluster: f.Cluster}, out); err != nil {
		t.Fatal(err)
	}
	b := open(t, out)
	g, err := importer.LoadFile(f.Model, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var gemm *graphir.Node
	for _, n := range g.Nodes {
		if n.Op == graphir.OpGemm {
			gemm = n
		}
	}
	w, bias := gemm.Inputs[1], gemm.Inputs[2]
	transB := gemm.Attrs.Reader().Int("transB", 0) == 1
	n := gemm.Outputs[0].Shape[1]
	// The slices the plan gives each device, as byte ranges of the
	// weight (transB: rows of [N, K], else a column span of each row of
	// [K, N]) and of the bias.
	want := func(lo, hi int) map[string][][2]int64 {
		var wr [][2]int64
		if transB {
			k := int64(w.Shape[1]) * 4
			wr = [][2]int64{{int64(lo) * k, int64(hi) * k}}
		} else {
			for r := range int64(w.Shape[0]) {
				wr = append(wr, [2]int64{(r*int64(n) + int64(lo)) * 4, (r*int64(n) + int64(hi)) * 4})
			}
		}
		return map[string][][2]int64{w.Name: wr, bias.Name: {{int64(lo) * 4, int64(hi) * 4}}}
	}
	slices := map[string]map[string][][2]int64{"dev-1": want(0, n/3), "dev-2": want(n/3, n)}
	common, err := b.PlaceModel("", t.TempDir()) // the common weights every device reads
	if err != nil {
		t.Fatal(err)
	}
	for d, parts := range slices {
		dir := t.TempDir()
		s, err := b.PlaceModel(d, dir)
		if err != nil {
			t.Fatal(err)
		}
		if s.Has(w.Name, nil) || s.Has(bias.Name, nil) {
			t.Errorf("device %s holds the whole Gemm", d)
		}
		bytes := common.Bytes
		for name, runs := range parts {
			if got := s.Parts[name]; !reflect.DeepEqual(got, runs) {
				t.Errorf("device %s holds bytes %v of %s, want %v", d, got, name, runs)
			}
			if !s.Has(name, runs) {
				t.Errorf("device %s: Has(%s, its slice) is false", d, name)
			}
			for _, r := range runs {
				bytes += r[1] - r[0]
			}
		}
		for od, other := range slices {
			if od != d && s.Has(w.Name, other[w.Name]) {
				t.Errorf("device %s holds device %s's slice", d, od)
			}
		}
		if s.Bytes != bytes {
			t.Errorf("device %s read %d weight bytes, its slices and the common weights are %d", d, s.Bytes, bytes)
		}
		checkPlaced(t, b, filepath.Join(dir, "models", s.Model), g, parts)
		dev, _ := b.Meta.Device(d)
		blob := ""
		for _, wb := range b.Meta.Weights {
			if wb.Device == d {
				blob = wb.Path
			}
			if wb.Device != "" && wb.Device != d && slicesContain(dev.Weights, wb.Path) {
				t.Errorf("device %s reads %s, device %s's slices", d, wb.Path, wb.Device)
			}
		}
		if blob == "" || !slicesContain(dev.Weights, blob) {
			t.Errorf("device %s has no blob of its own among %v", d, dev.Weights)
		}
	}
	// dev-0 reads no slice; all devices together make the whole model.
	s, err := b.PlaceModel("dev-0", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Parts) != 0 || s.Has(w.Name, [][2]int64{{0, 4}}) {
		t.Errorf("dev-0 holds slices %v", s.Parts)
	}
	s, err = b.PlaceModel(bundle.AllDevices, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if !s.Has(w.Name, nil) || !s.Has(bias.Name, nil) || len(s.Parts) != 0 {
		t.Errorf("all devices' blobs do not make the whole Gemm: parts %v", s.Parts)
	}
}

// checkPlaced compares the runs of each constant in a placed model file
// with the model's values.
func checkPlaced(t *testing.T, b *bundle.Bundle, path string, g *graphir.Graph, parts map[string][][2]int64) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	offset := map[string]int64{}
	for _, w := range b.Meta.Weights {
		for _, c := range w.Consts {
			offset[c.Name] = b.Meta.Model.WeightsStart + c.Offset
		}
	}
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			runs, ok := parts[in.Name]
			if !ok || !in.IsConst() {
				continue
			}
			for _, r := range runs {
				for i := r[0]; i < r[1]; i += 4 {
					got := math.Float32frombits(binary.LittleEndian.Uint32(data[offset[in.Name]+i:]))
					if want := in.Const.F[i/4]; got != want {
						t.Fatalf("%s: %s[%d] = %v, the model has %v", path, in.Name, i/4, got, want)
					}
				}
			}
		}
	}
}

func slicesContain(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}
