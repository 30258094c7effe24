package app

import (
	"fmt"

	"github.com/edgectl/edgectl/planner/cluster"
	"github.com/edgectl/edgectl/runtime/worker"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// authFlags are the credential flags of commands that call workers.
type authFlags struct {
	token, tokenFile string
	tlsCert, tlsKey  string
	ca               string
}

func (a authFlags) set() bool {
	return a.token != "" || a.tokenFile != "" || a.tlsCert != "" || a.tlsKey != "" || a.ca != ""
}

// workerAuth is how to reach workers: the flags when any is given, else
// the cluster file's auth section (paths relative to the file) when there
// is one, else $EDGECTL_TOKEN.
func workerAuth(f authFlags, c *cluster.Cluster) (coord.Auth, error) {
	if f.set() || c == nil || c.Auth.TokenFile == "" && c.Auth.TLS == nil {
		tok, err := worker.ResolveToken(f.token, f.tokenFile)
		if err != nil {
			return coord.Auth{}, err
		}
		return coord.Auth{Token: tok, TLSCert: f.tlsCert, TLSKey: f.tlsKey, CA: f.ca}, nil
	}
	a := c.ResolvedAuth()
	var out coord.Auth
	if a.TokenFile != "" {
		tok, err := worker.ResolveToken("", a.TokenFile)
		if err != nil {
			return coord.Auth{}, fmt.Errorf("%s: auth.tokenFile: %w", c.File, err)
		}
		out.Token = tok
	}
	if a.TLS != nil {
		out.TLSCert, out.TLSKey, out.CA = a.TLS.Cert, a.TLS.Key, a.TLS.CA
	}
	return out, nil
}
