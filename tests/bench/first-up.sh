#!/usr/bin/env bash
# Benchmark (reports figures, asserts nothing): the first `pulumi up` of a new cluster on fresh
# lab hosts, 3 masters + N workers for each N given (default: 2 and 6), with the dev stack's
# settings (Pulumi.dev.yaml: stacked etcd, haproxy + keepalived VIP, bridge pod network, CoreDNS,
# metrics-server, images imported on every node). Each shape boots new hosts, deploys, then drops
# the stack's state and the hosts (no destroy: the hosts go); the figures go to stdout and to
# ${HA_K8S_CACHE}/logs/bench-first-up.log.
#   bash tests/bench/first-up.sh [N...]
# BENCH_PROGRAM=<dir> runs another checkout of the program (its own node_modules) on the same
# hosts and toolchain, to compare versions.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
LOG_PREFIX="bench"
# shellcheck source-path=SCRIPTDIR source=../lab/common.sh
. tests/lab/common.sh
# shellcheck source-path=SCRIPTDIR source=../node.sh
. tests/node.sh
[ -d node_modules/@pulumi/pulumi ] || npm ci --no-audit --no-fund --loglevel=error
bash tests/e2e/build.sh --no-conformance
# shellcheck source-path=SCRIPTDIR source=../lab/env.sh
. tests/lab/env.sh
PROGRAM="${BENCH_PROGRAM:-$ROOT}"
[ -d "$PROGRAM/node_modules/@pulumi/pulumi" ] || (cd "$PROGRAM" && npm ci --no-audit --no-fund --loglevel=error)
version="$(git -C "$PROGRAM" rev-parse --short HEAD 2>/dev/null || echo "?")"
bundle="$(bash tests/lab/binaries.sh --print-dir)"
T="$(mktemp -d /tmp/hak-bench.XXXXXX)"
STACK=""
cleanup() {
    set +e
    [ -z "$STACK" ] || (cd "$PROGRAM" && pulumi stack rm "$STACK" --yes --force --non-interactive >/dev/null 2>&1)
    bash "$ROOT/tests/lab/lab.sh" down >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$CACHE/logs"
for workers in "${@:-2 6}"; do
    for w in $workers; do
        bash tests/lab/lab.sh down >/dev/null
        bash tests/lab/lab.sh up --masters 3 --workers "$w" >/dev/null
        # the dev stack's settings with this shape's hosts, this machine's bundle and lab key
        # shellcheck disable=SC2016 # JavaScript
        node -e '
            const fs = require("fs"); const YAML = require(require.resolve("yaml", { paths: [process.argv[5]] }));
            const [, src, out, inventory, bundle] = process.argv;
            const doc = YAML.parse(fs.readFileSync(src, "utf8"));
            const c = doc.config;
            const inv = JSON.parse(fs.readFileSync(inventory, "utf8"));
            // the masters as the dev stack has them; the workers the lab booted (each kubelet in its own cgroup tree)
            const hosts = c["ha-kubernetes:hosts"].filter((h) => h.roles.includes("master"));
            for (const h of inv.hosts.filter((x) => x.roles.includes("worker")))
                hosts.push({ name: h.name, address: h.address, roles: ["worker"], kubeletExtraConfig: { cgroupRoot: `/${h.name}` } });
            c["ha-kubernetes:hosts"] = hosts;
            c["ha-kubernetes:artifacts"].directory = bundle;
            c["ha-kubernetes:ssh"].privateKeyPath = inv.sshPrivateKeyPath;
            fs.writeFileSync(out, YAML.stringify({ config: c }));
        ' "$ROOT/Pulumi.dev.yaml" "$T/stack.yaml" "$CACHE/lab/inventory.json" "$bundle" "$ROOT"
        STACK="bench-first-up-$w"
        (cd "$PROGRAM" && pulumi stack init "$STACK" --non-interactive >/dev/null)
        # the new stack's secrets salt goes into the temporary stack file (nothing left in the program's tree)
        if [ -f "$PROGRAM/Pulumi.$STACK.yaml" ]; then
            grep '^encryptionsalt:' "$PROGRAM/Pulumi.$STACK.yaml" >> "$T/stack.yaml" || true
            rm -f "$PROGRAM/Pulumi.$STACK.yaml"
        fi
        start=$(date +%s)
        if ! (cd "$PROGRAM" && pulumi up --stack "$STACK" --config-file "$T/stack.yaml" --yes --non-interactive --skip-preview >"$T/up.log" 2>&1); then
            tail -n 30 "$T/up.log" >&2; die "pulumi up of 3 masters + $w workers failed"
        fi
        took=$(( $(date +%s) - start ))
        resources="$( { grep -Eo '[0-9]+ created' "$T/up.log" || true; } | tail -1 | cut -d' ' -f1)"
        line="$(date -u +%FT%TZ) program $version: first pulumi up of 3 masters + $w workers ${took}s (${resources:-?} resources created)"
        log "$line"; echo "$line" >> "$CACHE/logs/bench-first-up.log"
        (cd "$PROGRAM" && pulumi stack rm "$STACK" --yes --force --non-interactive >/dev/null 2>&1)
        STACK=""
    done
done
