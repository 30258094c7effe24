package image_test

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/edgectl/edgectl/kube/image"
)

// An in-process registry (go-containerregistry's, over httptest on
// 127.0.0.1): push the index, pull it back by tag, check every blob.
func TestPush(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	res := build(t, testOptions(t))
	ctx := context.Background()
	pushed, err := image.Push(ctx, res.Index, host+"/edge/edgectl:v1.2.3", false)
	if err != nil {
		t.Fatal(err)
	}
	if pushed.DigestStr() != digest(t, res.Index).String() || pushed.Context().RepositoryStr() != "edge/edgectl" {
		t.Errorf("pushed %s, want edge/edgectl@%s", pushed, digest(t, res.Index))
	}
	ref, err := name.ParseReference(host + "/edge/edgectl:v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Index(ref, remote.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if digest(t, idx) != digest(t, res.Index) {
		t.Fatalf("pulled %s, pushed %s", digest(t, idx), digest(t, res.Index))
	}
	if err := validate.Index(idx); err != nil {
		t.Fatal(err)
	}
	if ps, err := image.Platforms(idx); err != nil || len(ps) != 2 || ps[1].Architecture != "arm64" {
		t.Errorf("pulled platforms %v, %v", ps, err)
	}
}

func TestPush_BadReference(t *testing.T) {
	res := build(t, testOptions(t))
	_, err := image.Push(context.Background(), res.Index, "Not A Reference", false)
	if err == nil || !strings.Contains(err.Error(), `push: image reference "Not A Reference"`) {
		t.Errorf("error %v", err)
	}
}
