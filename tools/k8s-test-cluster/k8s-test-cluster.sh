#!/usr/bin/env bash
# Build + start a real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler) plus kwok fake nodes, from source via the Go module proxy. No Docker, no kubelet.
# Needs: go >= 1.26.0, gcc not required (CGO_ENABLED=0), curl, openssl, python3 (only for a JSON check).
# Usage: W=/tmp/k8s-ci ./k8s-test-cluster.sh        (leaves the cluster running; ./k8s-test-cluster.sh stop)
set -euo pipefail
K8S=${K8S:-v1.37.2}; STAGING=v0.${K8S#v1.}; ETCD=${ETCD:-v3.7.3}; KWOK=${KWOK:-v0.8.0}
HERE=$(cd "$(dirname "$0")" && pwd)
W=${W:-/tmp/k8s-ci}; BIN=$W/bin; RUN=$W/run; TOKEN=${TOKEN:-ci-admin-token}
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 GOBIN=$BIN
LD="-s -w"
if [[ ${1:-} == stop ]]; then  # stop apiserver before etcd, or its shutdown hangs
  for p in kwok sched kcm apiserver etcd; do [[ -f $RUN/$p.pid ]] || continue; pid=$(cat "$RUN/$p.pid")
    kill "$pid" 2>/dev/null || continue; for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true; done; exit 0; fi
mkdir -p "$BIN" "$RUN" "$W/kapi/cmd/ksmoke" "$W/etcdw"
T0=$SECONDS; lap() { echo "TIMING $1: $((SECONDS-T0))s total"; }

# The binaries are built once per version set; a stamp in $BIN records which.
STAMP="$BIN/.built-$K8S-$ETCD-$KWOK"
if [[ -f $STAMP ]]; then echo "binaries cached in $BIN"; else
# ---- 1. kube-apiserver / controller-manager / scheduler (+ smoke client) via wrapper module
cd "$W/kapi"
KMOD=$(go mod download -json "k8s.io/kubernetes@$K8S" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
{ echo "module example.com/kapi"; echo; echo "go 1.26.0"; echo; echo "require k8s.io/kubernetes $K8S"; echo; echo "replace ("
  # every staging module required as v0.0.0 -> published v0.X.Y
  grep -E '^\s+k8s\.io/[a-z0-9-]+ v0\.0\.0$' "$KMOD" | awk -v v="$STAGING" '{print "\t"$1" => "$1" "v}'
  echo ")"; } > go.mod
cp "$HERE/ksmoke.go.txt" cmd/ksmoke/main.go
printf '//go:build tools\npackage kapi\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver"\n' > tools.go
go mod tidy; lap "kube go mod tidy (download)"
go build -trimpath -o "$BIN/" -ldflags "$LD -X k8s.io/component-base/version.gitVersion=$K8S \
  -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${STAGING#v0.} -X k8s.io/component-base/version.gitTreeState=clean" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler ./cmd/ksmoke
lap "kube build"

# ---- 2. etcd (server/v3 has ../ replace directives, so wrap it too)
cd "$W/etcdw"
cat > go.mod <<EOF
module example.com/etcdw
go 1.26.0
require go.etcd.io/etcd/server/v3 $ETCD
replace (
	go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 $ETCD
	go.etcd.io/etcd/client/pkg/v3 => go.etcd.io/etcd/client/pkg/v3 $ETCD
	go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 $ETCD
	go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 $ETCD
)
EOF
printf '//go:build tools\npackage etcdw\nimport _ "go.etcd.io/etcd/server/v3"\n' > tools.go
go mod tidy && go build -trimpath -ldflags "$LD" -o "$BIN/etcd" go.etcd.io/etcd/server/v3; lap "etcd build"

# ---- 3. kwok (no replace directives: plain go install)
go install -trimpath -ldflags "$LD" "sigs.k8s.io/kwok/cmd/kwok@$KWOK"; lap "kwok build"
S=$(go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK/kustomize/stage
for f in node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do cat "$S/$f"; echo ---; done > "$BIN/kwok-stages.yaml"
ls -la "$BIN"; touch "$STAMP"; fi

# ---- 4. start everything
cd "$RUN"
[[ -f sa.key ]] || { openssl genrsa -out sa.key 2048 2>/dev/null; openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null; }
echo "$TOKEN,admin,admin-uid,system:masters" > tokens.csv
cat > kubeconfig <<EOF
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}}]
users: [{name: admin, user: {token: "$TOKEN"}}]
contexts: [{name: local, context: {cluster: local, user: admin}}]
current-context: local
EOF
cp "$BIN/kwok-stages.yaml" kwok-stages.yaml
start() { local n=$1; shift; nohup "$@" > "$RUN/$n.log" 2>&1 & echo $! > "$RUN/$n.pid"; }
rm -rf etcd-data
start etcd "$BIN/etcd" --data-dir "$RUN/etcd-data" --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster default=http://127.0.0.1:2380 --unsafe-no-fsync
start apiserver "$BIN/kube-apiserver" --etcd-servers=http://127.0.0.1:2379 --bind-address=127.0.0.1 --advertise-address=127.0.0.1 \
  --endpoint-reconciler-type=none --secure-port=6443 --cert-dir="$RUN/certs" --token-auth-file="$RUN/tokens.csv" --authorization-mode=RBAC \
  --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$RUN/sa.pub" --service-account-signing-key-file="$RUN/sa.key" \
  --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=true
TS=$SECONDS; until curl -skf -H "Authorization: Bearer $TOKEN" https://127.0.0.1:6443/readyz >/dev/null; do
  kill -0 "$(cat apiserver.pid)" || { tail -20 apiserver.log; exit 1; }; sleep 0.5; done
echo "apiserver ready after $((SECONDS-TS))s"
start kcm "$BIN/kube-controller-manager" --kubeconfig="$RUN/kubeconfig" --leader-elect=false --service-account-private-key-file="$RUN/sa.key" \
  --controllers='*,-nodeipam' --bind-address=127.0.0.1
start sched "$BIN/kube-scheduler" --kubeconfig="$RUN/kubeconfig" --leader-elect=false --bind-address=127.0.0.1
start kwok "$BIN/kwok" --kubeconfig="$RUN/kubeconfig" --config="$RUN/kwok-stages.yaml" --manage-all-nodes=true --cidr=10.244.0.0/16 --node-ip=10.1.0.1
curl -skf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -X POST https://127.0.0.1:6443/api/v1/nodes -o /dev/null \
  -d '{"apiVersion":"v1","kind":"Node","metadata":{"name":"kwok-node-0","annotations":{"kwok.x-k8s.io/node":"fake"}},"status":{"allocatable":{"cpu":"32","memory":"256Gi","pods":"110"},"capacity":{"cpu":"32","memory":"256Gi","pods":"110"}}}'
# ---- 5. smoke test: Namespace, ConfigMap, Service, Deployment(2) + bare Pod; wait until all Running
"$BIN/ksmoke" -kubeconfig "$RUN/kubeconfig" -node kwok-node-0 -wait 120s | tee smoke.out
grep -q "deployment readyReplicas=2/2" smoke.out
lap "all done"; echo "KUBECONFIG=$RUN/kubeconfig"
