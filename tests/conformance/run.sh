#!/usr/bin/env bash
# The Kubernetes conformance suite against a lab cluster (npm run conformance):
#   bash tests/conformance/run.sh          build/restore everything, boot the stacked lab topology
#                                          + lb1 (registry), pulumi up, run the specs, lab down
#   bash tests/conformance/run.sh --list   the specs the selection picks (dry run, no lab)
# Environment: CONFORMANCE_FOCUS (default '\[Conformance\]'), CONFORMANCE_SKIP, CONFORMANCE_NODES
# (ginkgo processes of the parallel phase, default 3), CONFORMANCE_TIMEOUT (per phase, default 3h),
# HA_K8S_E2E_KEEP=1 keeps the hosts and the stack.
# JUnit, ginkgo output, summary.md/json: ${HA_K8S_CACHE:-/var/cache/ha-kubernetes}/logs/conformance/.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source-path=SCRIPTDIR source=../node.sh
. tests/node.sh
start=$(date +%s)
jest=(npx jest -c tests/conformance/jest.config.js --ci --runInBand)
case "${1:-}" in
    --list) bash tests/conformance/build.sh; exec "${jest[@]}" tests/conformance/list.conformance.ts ;;
    "") ;;
    *) echo "usage: $0 [--list]" >&2; exit 2 ;;
esac
logs="${HA_K8S_CACHE:-/var/cache/ha-kubernetes}/logs"; mkdir -p "$logs"
# the lab's builds side by side (as the main job's), then the suite's own
bash tests/e2e/build.sh --no-conformance
bash tests/conformance/build.sh
bash tests/conformance/images.sh
# shellcheck source-path=SCRIPTDIR source=../lab/env.sh
. tests/lab/env.sh
# Hosts go away at the end, even after a crash (HA_K8S_E2E_KEEP=1 keeps them).
[ "${HA_K8S_E2E_KEEP:-0}" = 1 ] || trap 'bash tests/lab/lab.sh down >/dev/null 2>&1 || true' EXIT
echo "[conformance] toolchain, binaries, images, conformance binaries and images ready in $(( $(date +%s) - start ))s"
rm -f "$logs/conformance/summary.md"
rc=0
"${jest[@]}" tests/conformance/run.conformance.ts || rc=$?
if [ -s "$logs/conformance/summary.md" ]; then
    echo; cat "$logs/conformance/summary.md"
    echo "(JUnit, ginkgo output: $logs/conformance/; pulumi output: $logs/e2e/e2e-conformance.log)"
else
    echo "[conformance] no summary: the run failed before the specs (see above; pulumi output: $logs/e2e/e2e-conformance.log)"
fi
result="FAILED"; [ "$rc" != 0 ] || result="done"
echo "[conformance] $result in $(( $(date +%s) - start ))s"
exit "$rc"
