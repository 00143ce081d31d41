#!/usr/bin/env bash
# The main job on a fresh machine (README "Two commands"): builds or restores the toolchain,
# the Kubernetes/etcd binaries, the images and the hosts' rootfs side by side, boots lab hosts
# (3 masters, 2 workers), then runs `pulumi up` of the dev stack (Pulumi.dev.yaml) against them
# and shows the nodes.
#   bash tests/lab/demo.sh          deploy (idempotent: a second run changes nothing)
#   bash tests/lab/demo.sh destroy  pulumi destroy, then remove the lab hosts
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source-path=SCRIPTDIR source=../node.sh
. tests/node.sh
[ -d node_modules/@pulumi/pulumi ] || npm ci --no-audit --no-fund --loglevel=error
# toolchain, binaries, images and the hosts' rootfs, side by side (cached: seconds)
bash tests/e2e/build.sh --no-conformance
# shellcheck source-path=SCRIPTDIR source=env.sh
. tests/lab/env.sh
# The engine settings the e2e suites use (tests/e2e/stack.ts stackEnv), neither changing what is
# deployed: the program is not type-checked again at each run (run `npm run build` for that), and
# the state file (several MB) is written at the end of the run, not after every resource step —
# a run killed midway then records none of its steps (unset PULUMI_SKIP_CHECKPOINTS to keep them).
export PULUMI_NODEJS_TRANSPILE_ONLY="${PULUMI_NODEJS_TRANSPILE_ONLY:-true}"
export PULUMI_SKIP_CHECKPOINTS="${PULUMI_SKIP_CHECKPOINTS:-true}"
if [ "${1:-}" = destroy ]; then
    pulumi destroy --stack dev --yes --non-interactive || true
    bash tests/lab/lab.sh down
    exit 0
fi
bash tests/lab/lab.sh up --masters 3 --workers 2
# State deployed to hosts that no longer exist (the lab was rebuilt) describes nothing: drop it,
# keeping Pulumi.dev.yaml.
inventory="${HA_K8S_CACHE}/lab/inventory.json"
generation="$(node -p 'require(process.argv[1]).generation' "$inventory")"
marker="${HA_K8S_CACHE}/lab/dev-stack.generation"
if pulumi stack select dev --non-interactive 2>/dev/null && [ "$(cat "$marker" 2>/dev/null)" != "$generation" ]; then
    echo "[demo] the lab hosts were rebuilt since the dev stack was deployed: removing its stale state"
    pulumi stack rm dev --yes --force --preserve-config --non-interactive
fi
pulumi stack select dev --non-interactive 2>/dev/null || pulumi stack init dev --non-interactive
bundle="$(bash tests/lab/binaries.sh --print-dir)"
# only when they differ: `pulumi config set` rewrites (reformats) Pulumi.dev.yaml
setting() { [ "$(pulumi config get --stack dev --path "$1" 2>/dev/null)" = "$2" ] || pulumi config set --stack dev --path "$1" "$2"; }
setting 'artifacts.directory' "$bundle"
setting 'ssh.privateKeyPath' "$(node -p 'require(process.argv[1]).sshPrivateKeyPath' "$inventory")"
start=$(date +%s)
pulumi up --stack dev --yes --non-interactive --skip-preview
echo "[demo] pulumi up took $(( $(date +%s) - start ))s"
echo "$generation" > "$marker"
kc="$(mktemp)"; trap 'rm -f "$kc"' EXIT
pulumi stack output --stack dev kubeconfig --show-secrets > "$kc"
"$bundle/kubectl" --kubeconfig "$kc" get nodes -o wide
echo "[demo] admin kubeconfig: pulumi stack output --stack dev kubeconfig --show-secrets"
