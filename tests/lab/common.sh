# shellcheck shell=bash
# Sourced by the lab's and the tests' scripts (set LOG_PREFIX first): the cache directory
# (CACHE, from HA_K8S_CACHE), messages prefixed with the script's name (log, die), and Debian
# packages installed on demand (lab_apt_install).
# shellcheck disable=SC2034 # for the scripts that source this
CACHE="${HA_K8S_CACHE:-/var/cache/ha-kubernetes}"
log() { echo "[${LOG_PREFIX:-lab}] $*"; }
die() { echo "[${LOG_PREFIX:-lab}] ERROR: $*" >&2; exit 1; }

# The scripts may run side by side (tests/e2e/build.sh builds the toolchain, the binaries and the
# hosts' rootfs at the same time), so apt runs under one lock and `apt-get update` happens at most
# once per lock holder.
# lab_apt_install PKG...: installs those of PKG that are not installed yet.
lab_apt_install() {
    local missing=() p
    for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "[apt] installing ${missing[*]}"
    (
        flock -w 900 9 || { echo "[apt] ERROR: another apt run holds /run/ha-kubernetes-apt.lock" >&2; exit 1; }
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
            || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
    ) 9>/run/ha-kubernetes-apt.lock
}
