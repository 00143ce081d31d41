#!/usr/bin/env bash
# Offline smoke test of the lab's Pulumi toolchain (run by `bash tests/lab/toolchain.sh --verify`).
# A tiny TypeScript program with tls, random and command resources goes through stack init,
# preview, up, a second up that must change nothing, destroy and stack rm, on a file backend in
# a temporary directory that is removed afterwards.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"

# Prove "offline": as root, run in a new network namespace that has nothing but loopback.
if [ -z "${HA_K8S_VERIFY_NETNS:-}" ] && [ "$(id -u)" = 0 ]; then
    for p in util-linux iproute2; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "ok installed" >/dev/null \
            || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null; }
    done
    echo "[toolchain] verify: running in a private network namespace (loopback only)"
    # shellcheck disable=SC2016 # $0 is the inner shell's
    exec unshare --net env HA_K8S_VERIFY_NETNS=1 sh -c 'ip link set lo up && exec bash "$0"' "$0"
fi
# shellcheck source=../env.sh
source "$ROOT/tests/lab/env.sh"

LOG_PREFIX="toolchain verify"
# shellcheck source-path=SCRIPTDIR source=../common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
fail() { echo "[toolchain] verify FAILED: $*" >&2; exit 1; }

[ -d "$ROOT/node_modules/@pulumi/pulumi" ] || fail "run npm ci in $ROOT first"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/ha-k8s-toolchain-verify.XXXXXX")"
cleanup() {
    local rc=$?
    if [ -d "$TMP/prog" ] && [ $rc -ne 0 ]; then
        (cd "$TMP/prog" && { pulumi destroy --yes --skip-preview -s verify >/dev/null 2>&1 || true; })
    fi
    rm -rf "$TMP"
    exit $rc
}
trap cleanup EXIT INT TERM

# The smoke test uses its own state and plugin home so it cannot disturb real lab stacks, and
# it must pass without any network: no plugin may be downloaded.
export PULUMI_BACKEND_URL="file://$TMP/state"
export PULUMI_CONFIG_PASSPHRASE="verify"
mkdir -p "$TMP/state" "$TMP/prog"
cd "$TMP/prog"
ln -s "$ROOT/node_modules" node_modules

cat > Pulumi.yaml <<'EOF'
name: toolchain-verify
runtime:
  name: nodejs
  options:
    typescript: true
main: index.ts
EOF
cat > package.json <<'EOF'
{ "name": "toolchain-verify", "private": true, "main": "index.ts" }
EOF
cat > tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "strict": true, "target": "ES2020", "module": "commonjs", "moduleResolution": "node",
    "esModuleInterop": true, "skipLibCheck": true, "types": ["node"]
  },
  "files": ["index.ts"]
}
EOF
cat > index.ts <<'EOF'
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";

// Type-only syntax, so this fails unless the program really goes through TypeScript.
interface Labelled { readonly label: string }
const tag: Labelled = { label: "toolchain-verify" };

const key = new tls.PrivateKey("ca-key", { algorithm: "ECDSA", ecdsaCurve: "P256" });
const cert = new tls.SelfSignedCert("ca", {
    privateKeyPem: key.privateKeyPem,
    subject: { commonName: tag.label },
    validityPeriodHours: 24,
    isCaCertificate: true,
    allowedUses: ["cert_signing", "digital_signature"],
});
const password = new random.RandomPassword("password", { length: 24, special: false });
const hi = new command.local.Command("hi", { create: "echo hi" });

export const certPem = cert.certPem;
export const passwordLength = password.result.apply((p) => p.length);
export const hiStdout = hi.stdout;
export const stack = pulumi.getStack();
EOF

run() { # run LABEL CMD...: shows the command's output only when it fails
    local label=$1; shift
    local t0; t0=$(date +%s)
    if ! "$@" > "$TMP/$label.log" 2>&1; then
        cat "$TMP/$label.log" >&2
        fail "$label"
    fi
    log "$label ok ($(( $(date +%s) - t0 ))s)"
}

log "$(pulumi version) with $(command -v pulumi-language-nodejs)"
run "stack init" pulumi stack init verify --non-interactive
run preview pulumi preview --non-interactive
run "up" pulumi up --yes --non-interactive
grep -q "+ 5 created" "$TMP/up.log" || { cat "$TMP/up.log" >&2; fail "up did not create the stack and its 4 resources"; }
out="$(pulumi stack output hiStdout)"; [ "$out" = hi ] || fail "command stdout was '$out'"
len="$(pulumi stack output passwordLength --show-secrets)"; [ "$len" = 24 ] || fail "password length was '$len'"
pulumi stack output certPem --show-secrets | grep "BEGIN CERTIFICATE" >/dev/null || fail "no certificate"
run "second up (no changes)" pulumi up --yes --non-interactive --expect-no-changes
run "plugin ls" pulumi plugin ls
for p in "command" "tls" "random"; do
    grep -q "^$p " "$TMP/plugin ls.log" || { cat "$TMP/plugin ls.log" >&2; fail "plugin $p not listed"; }
done
run destroy pulumi destroy --yes --non-interactive
run "stack rm" pulumi stack rm verify --yes --non-interactive
# Nothing may have been fetched: every plugin came from the toolchain.
if grep -Eqi "download|acquir" "$TMP"/*.log; then
    grep -Ehi "download|acquir" "$TMP"/*.log >&2
    fail "pulumi tried to download something"
fi
if grep -h "warning" "$TMP"/*.log >&2; then fail "pulumi printed warnings (above)"; fi
log "all steps passed (TypeScript program, tls/random/command plugins, file backend, offline)"
