package serve_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/kube/serve"
)

func TestHandler_NotReadyAndBadInput(t *testing.T) {
	g := &graphir.Graph{Inputs: []*graphir.Value{{Name: "x"}}, Outputs: []*graphir.Value{{Name: "y"}}}
	s, err := serve.New(serve.Config{Graph: g, Plan: &graphir.Plan{}, Model: strings.Repeat("a", 64), Workers: []string{"d=127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	for _, c := range []struct {
		method, path, body string
		code               int
	}{
		{"GET", "/healthz", "", http.StatusOK},
		{"GET", "/readyz", "", http.StatusServiceUnavailable},
		{"POST", "/v1/infer", "not a tensor", http.StatusBadRequest},
		{"GET", "/v1/infer", "", http.StatusMethodNotAllowed},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, strings.NewReader(c.body)))
		if rec.Code != c.code {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, rec.Code, rec.Body.String(), c.code)
		}
	}
}

func TestNew_Refuses(t *testing.T) {
	g := &graphir.Graph{Inputs: []*graphir.Value{{Name: "a"}, {Name: "b"}}}
	if _, err := serve.New(serve.Config{Graph: g, Plan: &graphir.Plan{}, Model: "m", Workers: []string{"d=a:1"}}); err == nil {
		t.Error("a model of two inputs was accepted")
	}
	if _, err := serve.New(serve.Config{}); err == nil {
		t.Error("an empty config was accepted")
	}
}
