# Sourced by the lab scripts: installs missing Debian packages. The scripts may run side by side
# (tests/e2e/run.sh builds the toolchain, the binaries and the hosts' rootfs at the same time), so
# apt runs under one lock and `apt-get update` happens at most once per lock holder.
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
