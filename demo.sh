#!/usr/bin/env bash
# The main job: build peapod and its images, run it on the embedded defaults with its data in
# ./demo-data, and apply the seeds' pod with two init containers plus the Services it waits for.
# Stop with Ctrl-C (the pods are deleted first).
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
for p in crun conmon catatonit containernetworking-plugins iptables nftables iproute2; do
  dpkg -s "$p" >/dev/null 2>&1 || { apt-get update -qq; apt-get install -y -qq crun conmon catatonit containernetworking-plugins iptables nftables iproute2; break; }
done
images/build.sh images/out
cargo build --release
# The per-container supervisor, linked statically: about 1 MiB resident beside each container.
cargo rustc -q --release -p peapod --bin peapod-shim -- -C target-feature=+crt-static
data="$PWD/demo-data"
port="${PEAPOD_API_PORT:-6443}"
# Its own session: Ctrl-C reaches this script (which deletes the pods first), not the server.
setsid ./target/release/peapod server --data-dir "$data" --api-port "$port" --offline --preload-images images/out &
server=$!
export KUBECONFIG="$data/kubeconfig.yaml"
cleanup() {
  kubectl delete pods --all --grace-period=1 --wait=true >/dev/null 2>&1 || true
  kill "$server" 2>/dev/null
  wait "$server" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for _ in $(seq 100); do
  kubectl get namespace default >/dev/null 2>&1 && break
  sleep 0.1
done
kubectl apply -f examples/init-pod.yaml
sleep 3
kubectl get pods -o wide
kubectl apply -f examples/services.yaml
kubectl get svc
echo
echo "peapod is running. In another shell: export KUBECONFIG=$KUBECONFIG; kubectl get pods -w"
wait $server
