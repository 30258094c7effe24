package worker_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/edgectl/edgectl/runtime/worker"
	"github.com/edgectl/edgectl/runtime/worker/internal/auth"
	"github.com/edgectl/edgectl/runtime/worker/internal/testutil"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

func TestNew_RefusesNoAuthentication(t *testing.T) {
	cases := []struct {
		name string
		cfg  worker.Config
		want string
	}{
		{"no token, no CA", worker.Config{DataDir: t.TempDir()}, "refusing to serve without authentication"},
		{"short token", worker.Config{DataDir: t.TempDir(), Token: "secret"}, "at least 16"},
		{"CA without TLS", worker.Config{DataDir: t.TempDir(), ClientCA: "ca.pem"}, "needs a TLS certificate and key"},
		{"no data dir", worker.Config{Token: testutil.Token()}, "no data directory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := worker.New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// Calls without the token, or with a wrong one, are Unauthenticated; the
// health service answers anyone.
func TestWorker_Token(t *testing.T) {
	tok := testutil.Token()
	s := testutil.StartServers(t, 1, tok, nil)[0]
	for name, token := range map[string]string{"no token": "", "wrong token": testutil.Token()} {
		t.Run(name, func(t *testing.T) {
			c, h := dial(t, s.Addr, token)
			_, err := c.Close(tctx(t), &wirepb.CloseRequest{Session: "x"})
			if status.Code(err) != codes.Unauthenticated {
				t.Fatalf("Close: %v, want Unauthenticated", err)
			}
			st, err := c.RunTile(tctx(t), &wirepb.RunTileRequest{Session: "x"})
			if err == nil {
				_, err = st.Recv()
			}
			if status.Code(err) != codes.Unauthenticated {
				t.Fatalf("RunTile: %v, want Unauthenticated", err)
			}
			r, err := h.Check(tctx(t), &healthpb.HealthCheckRequest{Service: wirepb.Worker_ServiceDesc.ServiceName})
			if err != nil || r.Status != healthpb.HealthCheckResponse_SERVING {
				t.Fatalf("health: %v %v, want SERVING", r, err)
			}
		})
	}
	c, _ := dial(t, s.Addr, tok)
	if _, err := c.Close(tctx(t), &wirepb.CloseRequest{Session: "x"}); status.Code(err) != codes.NotFound {
		t.Fatalf("Close with the token: %v, want NotFound (authenticated)", err)
	}
}

// With --client-ca, a client certificate from that CA authenticates; no
// certificate or one from another CA is Unauthenticated (over TLS, not a
// handshake failure); the health service answers any TLS client.
func TestWorker_MTLS(t *testing.T) {
	certs := testutil.MakeCerts(t)
	s := testutil.StartServers(t, 1, "", func(c *worker.Config) {
		c.TLSCert, c.TLSKey, c.ClientCA = certs.ServerCert, certs.ServerKey, certs.CA
	})[0]
	client := func(cert, key string) (wirepb.WorkerClient, healthpb.HealthClient) {
		tc, err := auth.ClientTLS(cert, key, certs.CA)
		if err != nil {
			t.Fatal(err)
		}
		return dialOpts(t, s.Addr, grpc.WithTransportCredentials(credentials.NewTLS(tc)))
	}
	c, _ := client(certs.ClientCert, certs.ClientKey)
	if _, err := c.Close(tctx(t), &wirepb.CloseRequest{Session: "x"}); status.Code(err) != codes.NotFound {
		t.Fatalf("with a client certificate: %v, want NotFound (authenticated)", err)
	}
	for name, kc := range map[string][2]string{"no certificate": {}, "other CA": {certs.OtherCert, certs.OtherKey}} {
		t.Run(name, func(t *testing.T) {
			c, h := client(kc[0], kc[1])
			_, err := c.Close(tctx(t), &wirepb.CloseRequest{Session: "x"})
			if status.Code(err) != codes.Unauthenticated {
				t.Fatalf("Close: %v, want Unauthenticated", err)
			}
			if r, err := h.Check(tctx(t), &healthpb.HealthCheckRequest{}); err != nil || r.Status != healthpb.HealthCheckResponse_SERVING {
				t.Fatalf("health: %v %v, want SERVING", r, err)
			}
		})
	}
	// Plaintext to a TLS worker does not get through either.
	c, _ = dial(t, s.Addr, "")
	if _, err := c.Close(tctx(t), &wirepb.CloseRequest{Session: "x"}); status.Code(err) != codes.Unavailable {
		t.Fatalf("plaintext: %v, want Unavailable", err)
	}
}
