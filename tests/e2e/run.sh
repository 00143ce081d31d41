#!/usr/bin/env bash
# End-to-end suite (npm run test:e2e): builds or restores the toolchain, Kubernetes/etcd binaries
# and images, then runs every topology against lab hosts. Each suite boots and removes its hosts.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)
bash tests/lab/toolchain.sh
bash tests/lab/binaries.sh
bash tests/lab/images.sh
. tests/lab/env.sh
trap 'bash tests/lab/lab.sh down >/dev/null 2>&1 || true' EXIT
echo "[e2e] toolchain, binaries and images ready in $(( $(date +%s) - start ))s"
npx jest -c tests/e2e/jest.config.js --ci --runInBand "$@"
