#!/usr/bin/env bash
# The main job: build peapod, run it on the embedded defaults with its data in ./demo-data,
# and apply the seeds' pod with two init containers plus the Services it waits for.
# Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release
data="$PWD/demo-data"
port="${PEAPOD_API_PORT:-6443}"
./target/release/peapod server --data-dir "$data" --api-port "$port" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT
export KUBECONFIG="$data/kubeconfig.yaml"
for _ in $(seq 100); do
  kubectl get namespace default >/dev/null 2>&1 && break
  sleep 0.1
done
kubectl apply -f examples/init-pod.yaml
kubectl get pods -o wide
kubectl apply -f examples/services.yaml
kubectl get svc
echo
echo "peapod is running. In another shell: export KUBECONFIG=$KUBECONFIG; kubectl get pods -w"
wait $server
