# shellcheck shell=sh
# Source this file (bash or sh) to use the lab's Pulumi toolchain built by tests/lab/toolchain.sh:
#   . tests/lab/env.sh
# Values already set in the environment are kept, except PATH which gets the toolchain first.

HA_K8S_CACHE="${HA_K8S_CACHE:-/var/cache/ha-kubernetes}"
export HA_K8S_CACHE

# Node 24 LTS first on PATH (the program and the tests run on it; sourced from the repository root).
# shellcheck source=../node.sh
if [ -f tests/node.sh ]; then . tests/node.sh; fi

# Toolchain binaries first: pulumi, pulumi-language-nodejs, pulumi-resource-{command,tls,random}
# and pulumi-resource-pulumi-nodejs (dynamic providers). Plugins on PATH are "ambient" plugins.
case ":${PATH}:" in
    "${HA_K8S_CACHE}/toolchain/bin:"*) ;;
    *) PATH="${HA_K8S_CACHE}/toolchain/bin:${PATH}" ;;
esac
export PATH

# Plugins are also installed here by toolchain.sh, so the engine finds each required plugin
# at the exact version the npm SDKs ask for and never tries to download one.
export PULUMI_HOME="${PULUMI_HOME:-${HA_K8S_CACHE}/pulumi-home}"
# Local state, no cloud login.
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://${HA_K8S_CACHE}/state}"
# Lab-only passphrase for the passphrase secrets provider (not a secret: lab stacks hold lab keys).
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-ha-kubernetes-lab}"
# Nothing may reach the network: no update checks, no version checks, no telemetry.
export PULUMI_SKIP_UPDATE_CHECK="${PULUMI_SKIP_UPDATE_CHECK:-true}"
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK="${PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK:-true}"
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="${PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:-true}"
export PULUMI_DIY_BACKEND_NO_LEGACY_WARNING="${PULUMI_DIY_BACKEND_NO_LEGACY_WARNING:-true}"
# Resource plugins come from PULUMI_HOME (installed there by toolchain.sh at the exact versions the
# npm SDKs request); language hosts from next to the pulumi binary. Copies on PATH are ignored,
# which avoids "using ... from $PATH" warnings. With another PULUMI_HOME, set this to false to
# use the plugins on PATH instead.
export PULUMI_IGNORE_AMBIENT_PLUGINS="${PULUMI_IGNORE_AMBIENT_PLUGINS:-true}"
mkdir -p "${HA_K8S_CACHE}/state" "${PULUMI_HOME}" 2>/dev/null || true
# The Pulumi CLI (3.260) writes a debug log of every run into $PULUMI_HOME/logs (every property of
# every resource, gzip-compressed and encrypted) and has no switch for it: it took 6.1 s of the
# engine's 14.6 s of CPU in a no-op preview of a 3 + 3 cluster, and 520 MB of disk over a CI run.
# The lab's own Pulumi home keeps none: a file in the directory's place makes the CLI go on without
# it (it says so at debug level). Another PULUMI_HOME is left as it is.
if [ "$PULUMI_HOME" = "${HA_K8S_CACHE}/pulumi-home" ] && [ ! -f "$PULUMI_HOME/logs" ]; then
    rm -rf "$PULUMI_HOME/logs"
    : > "$PULUMI_HOME/logs" 2>/dev/null || true
fi
