#!/usr/bin/env bash
# Builds the Pulumi toolchain of the ha-kubernetes lab from Go modules, cached by version.
#
#   bash tests/lab/toolchain.sh            build what is missing (prints "cached" for the rest)
#   bash tests/lab/toolchain.sh --verify   ... then run an offline smoke test of a TypeScript program
#   bash tests/lab/toolchain.sh --rebuild  ignore the cache and build everything again
#
# Layout under ${HA_K8S_CACHE:-/var/cache/ha-kubernetes}/toolchain:
#   src/<name>-<version>/   wrapper Go module of each binary
#   <name>-<version>/bin/   the binaries;  bin/  symlinks to all of them (the PATH entry)
#   timings.log             build times
# Plugins are also installed into PULUMI_HOME (see env.sh), so the engine never downloads one.
#
# Versions come from package-lock.json. What the Go module proxy cannot serve is replaced as
# follows, each with a message when it happens:
#   - CLI: github.com/pulumi/pulumi/pkg/v3 at the locked @pulumi/pulumi version, else the nearest
#     newer one that is served, else the nearest older one.
#   - nodejs language host: its own module at the CLI version if served; otherwise the copy that
#     was still part of github.com/pulumi/pulumi/sdk/v3 (last there in v3.68.0). The engine falls
#     back to older RPCs for it, and @pulumi/pulumi does the actual work in node.
#   - providers: the upstream provider modules are not served. tls and random are built from the
#     upstream Terraform providers with pulumi-terraform-bridge (wrapper + shim in
#     tests/lab/toolchain/<name>/); command is the lab's own implementation in
#     tests/lab/toolchain/command/ (local.Command, remote.Command, remote.CopyToRemote), built
#     only after its conformance tests (go test: @pulumi/command's behaviour) pass.
#     Each reports the version the npm SDK expects (stamped with -ldflags -X).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SRC="$HERE/toolchain"
LOG_PREFIX="toolchain"
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
TC="$CACHE/toolchain"

VERIFY=0
REBUILD=0
for a in "$@"; do
    case "$a" in
        --verify) VERIFY=1 ;;
        --rebuild) REBUILD=1 ;;
        -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
        *) echo "usage: $0 [--verify] [--rebuild]" >&2; exit 2 ;;
    esac
done


# ---------------------------------------------------------------- pins that are not in package-lock
BRIDGE_VERSION=v3.137.0          # github.com/pulumi/pulumi-terraform-bridge/v3
# Upstream Terraform providers (pseudo-versions the pulumi-tls / pulumi-random releases pinned).
TLS_UPSTREAM_MOD=github.com/hashicorp/terraform-provider-tls
TLS_UPSTREAM_VER=v1.2.1-0.20260130152455-857b38cda3fc
# Not in the checksum database; this is its go.sum hash, checked before use.
TLS_UPSTREAM_SUM="h1:iCzlbH6QDWzO5ecjT4tbXkZv5tHEXC/eCipm1KzZ2Qk="
RANDOM_UPSTREAM_MOD=github.com/terraform-providers/terraform-provider-random
RANDOM_UPSTREAM_VER=v1.3.2-0.20260513075824-f8d869dc98d9
SFTP_VERSION=v1.13.6             # github.com/pkg/sftp, for the command provider
LANGHOST_IN_SDK_VERSION=v3.68.0  # last github.com/pulumi/pulumi/sdk/v3 with nodejs/cmd/pulumi-language-nodejs

# ---------------------------------------------------------------- host packages
lab_apt_install ca-certificates coreutils
export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || die "Go (1.26+) is expected at /usr/local/go (Debian's golang is too old)"
command -v node >/dev/null || lab_apt_install nodejs
command -v node >/dev/null || die "node is required"

# ---------------------------------------------------------------- Go environment
GOPROXY_NO_DIRECT="$(go env GOPROXY | sed -e 's/,direct$//' -e 's/|direct$//')"
if [ -z "$GOPROXY_NO_DIRECT" ] || [ "$GOPROXY_NO_DIRECT" = direct ]; then die "GOPROXY must name a module proxy"; fi
export GOPROXY="$GOPROXY_NO_DIRECT"      # never fall back to VCS: only the proxy is reachable
export GOFLAGS="-mod=mod -buildvcs=false"
export GOTOOLCHAIN=local                 # never download another Go
export CGO_ENABLED=0
export GONOSUMDB="$TLS_UPSTREAM_MOD"     # see TLS_UPSTREAM_SUM
GOBUILD=(nice -n 10 go build -p 2 -trimpath)

mkdir -p "$TC/src" "$TC/bin"
TIMINGS="$TC/timings.log"

# ---------------------------------------------------------------- versions from package-lock.json
lockver() {
    node -e 'const l=require(process.argv[1]);const p=l.packages&&l.packages["node_modules/"+process.argv[2]];if(!p)process.exit(1);console.log(p.version)' \
        "$ROOT/package-lock.json" "$1" || die "$1 not found in package-lock.json"
}
PULUMI_NPM="$(lockver @pulumi/pulumi)"
COMMAND_VER="$(lockver @pulumi/command)"
TLS_VER="$(lockver @pulumi/tls)"
RANDOM_VER="$(lockver @pulumi/random)"
log "package-lock: @pulumi/pulumi $PULUMI_NPM, @pulumi/command $COMMAND_VER, @pulumi/tls $TLS_VER, @pulumi/random $RANDOM_VER"

served() { go mod download "$1@$2" >/dev/null 2>&1; }

# Resolve the CLI version once per locked version (the answer and its reason are remembered).
resolve_cli() {
    cd "$TC"
    local want="v$PULUMI_NPM" memo="$TC/resolved-pulumi-$PULUMI_NPM" v newer older all why
    if [ -s "$memo" ] && [ "$REBUILD" = 0 ]; then
        sed -n '2,$p' "$memo" | while IFS= read -r l; do log "$l" >&2; done
        head -1 "$memo"; return
    fi
    pick() { { echo "$1"; [ -z "${2:-}" ] || echo "$2"; } > "$memo"; [ -z "${2:-}" ] || log "$2" >&2; echo "$1"; }
    if served github.com/pulumi/pulumi/pkg/v3 "$want"; then pick "$want"; return; fi
    # pkg/v3 has no version list on the proxy; sdk/v3 is released in lockstep and has one.
    all="$(go list -m -versions github.com/pulumi/pulumi/sdk/v3 | tr ' ' '\n' | grep '^v3\.' | sort -V)"
    newer="$(printf '%s\n' "$all" | awk -v w="$want" 'BEGIN{split(substr(w,2),W,".")} {split(substr($0,2),V,"."); if (V[2]>W[2] || (V[2]==W[2] && V[3]>W[3])) print}' | tr '\n' ' ')"
    older="$(printf '%s\n' "$all" | awk -v w="$want" 'BEGIN{split(substr(w,2),W,".")} {split(substr($0,2),V,"."); if (V[2]<W[2] || (V[2]==W[2] && V[3]<W[3])) print}' | sort -rV | head -20 | tr '\n' ' ')"
    # the nearest served version: newer ones first (nearest first), then older ones
    for v in $newer $older; do
        served github.com/pulumi/pulumi/pkg/v3 "$v" || continue
        case " $newer " in
            *" $v "*) why="is not served by the Go module proxy; using the nearest newer version" ;;
            *) why="and all newer versions are not served by the Go module proxy (it answers 'not available'); using the nearest older version" ;;
        esac
        pick "$v" "pulumi CLI: github.com/pulumi/pulumi/pkg/v3@$want $why, $v"
        return
    done
    die "no github.com/pulumi/pulumi/pkg/v3 version near $want is served by the Go module proxy"
}

# ---------------------------------------------------------------- cache helpers
# stamp NAME VERSION RECIPE... : a digest of everything that defines the build.
recipe_digest() { { printf '%s\n' "$@"; } | sha256sum | cut -c1-16; }
tree_digest() { (cd "$1" && find . -type f -name '*.go' -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16; }

# is_cached NAME VERSION DIGEST BIN...
is_cached() {
    local name=$1 ver=$2 dig=$3; shift 3
    [ "$REBUILD" = 0 ] || return 1
    [ "$(cat "$TC/$name-$ver/.digest" 2>/dev/null)" = "$dig" ] || return 1
    local b; for b in "$@"; do [ -x "$TC/$name-$ver/bin/$b" ] || return 1; done
}

declare -A BUILT_SECONDS=()
TOTAL_START=$(date +%s)
record() { # record NAME VERSION SECONDS
    BUILT_SECONDS["$1"]=$3
    log "built $1 $2 in $3s"
    echo "$(date -u +%FT%TZ) built $1 $2 in $3s" >> "$TIMINGS"
}

# new_wrapper DIR MODULE : fresh wrapper module directory
new_wrapper() {
    rm -rf "$1"; mkdir -p "$1"
    printf 'module %s\n\ngo 1.26\n' "$2" > "$1/go.mod"
}

# copy_replaces MODULE VERSION WRAPPER_DIR : copy the non-local replace directives of a dependency's
# go.mod (a dependency's own replace directives are ignored by Go when it is built from another module)
copy_replaces() {
    local from dir=$3 line
    from="$(gomod_file "$1" "$2")" || die "$1@$2 is not served by the Go module proxy"
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        (cd "$dir" && go mod edit -replace "$line")
        log "  replace $line (copied from $1@$2)"
    done < <(go mod edit -json "$from" | node -e '
        let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);
        for (const r of j.Replace||[]) { if (!r.New.Version) continue;  // local paths are not copied
          const old=r.Old.Path+(r.Old.Version?"@"+r.Old.Version:"");
          console.log(old+"="+r.New.Path+"@"+r.New.Version); } })')
}

gomod_file() { go mod download -json "$1@$2" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.GoMod)})'; }

link_bins() { # link_bins NAME VERSION
    local b; for b in "$TC/$1-$2/bin/"*; do ln -sfn "$b" "$TC/bin/$(basename "$b")"; done
}

# ---------------------------------------------------------------- pulumi CLI
PULUMI_VER="$(resolve_cli)"          # e.g. v3.259.0
PV="${PULUMI_VER#v}"
build_cli() {
    local name=pulumi dig; dig="$(recipe_digest cli "$PULUMI_VER" 1)"
    if is_cached $name "$PV" "$dig" pulumi; then log "pulumi $PV cached"; link_bins $name "$PV"; return; fi
    local t0; t0=$(date +%s)
    local w="$TC/src/$name-$PV" out="$TC/$name-$PV/bin"
    new_wrapper "$w" halab.invalid/toolchain/pulumi
    copy_replaces github.com/pulumi/pulumi/pkg/v3 "$PULUMI_VER" "$w"
    (cd "$w" && go get -tool "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VER" >/dev/null 2>&1 \
        && go get "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VER" >/dev/null 2>&1) || die "resolving the pulumi CLI $PULUMI_VER failed"
    mkdir -p "$out"
    (cd "$w" && "${GOBUILD[@]}" -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VER" \
        -o "$out/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
    echo "$dig" > "$TC/$name-$PV/.digest"
    record pulumi "$PV" $(( $(date +%s) - t0 ))
    link_bins $name "$PV"
}

# ---------------------------------------------------------------- nodejs language host
build_langhost() {
    local name=pulumi-language-nodejs mod pkg ver
    if served github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 "$PULUMI_VER"; then
        mod=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3; pkg=$mod; ver=$PULUMI_VER
    else
        mod=github.com/pulumi/pulumi/sdk/v3; pkg=$mod/nodejs/cmd/pulumi-language-nodejs; ver=$LANGHOST_IN_SDK_VERSION
    fi
    local v="${ver#v}" dig; dig="$(recipe_digest langhost "$pkg" "$ver" 1)"
    LANGHOST_V=$v
    if is_cached $name "$v" "$dig" pulumi-language-nodejs; then log "$name $v cached"; link_bins $name "$v"; return; fi
    [ "$mod" = github.com/pulumi/pulumi/sdk/v3 ] && log "$name: its module is not served at $PULUMI_VER; building the host that sdk/v3 $ver still contained"
    local t0; t0=$(date +%s)
    local w="$TC/src/$name-$v" out="$TC/$name-$v/bin"
    new_wrapper "$w" halab.invalid/toolchain/pulumi-language-nodejs
    copy_replaces "$mod" "$ver" "$w"
    (cd "$w" && go get -tool "$pkg@$ver" >/dev/null 2>&1) || die "resolving $pkg@$ver failed"
    mkdir -p "$out"
    (cd "$w" && "${GOBUILD[@]}" -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$ver" \
        -o "$out/pulumi-language-nodejs" "$pkg")
    echo "$dig" > "$TC/$name-$v/.digest"
    record $name "$v" $(( $(date +%s) - t0 ))
    link_bins $name "$v"
}

# ---------------------------------------------------------------- command provider (lab implementation)
build_command() {
    local name=pulumi-resource-command v=$COMMAND_VER dig
    dig="$(recipe_digest command "$v" "$PULUMI_VER" "$SFTP_VERSION" "$(tree_digest "$SRC/command")")"
    if is_cached $name "$v" "$dig" $name; then log "$name $v cached"; link_bins $name "$v"; return; fi
    local t0; t0=$(date +%s)
    local w="$TC/src/$name-$v" out="$TC/$name-$v/bin"
    new_wrapper "$w" halab.invalid/toolchain/command
    cp "$SRC/command/"*.go "$w/"
    (cd "$w" && go get "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VER" "github.com/pkg/sftp@$SFTP_VERSION" \
        >/dev/null 2>&1 && go mod tidy >/dev/null 2>&1) \
        || die "resolving the command provider's modules failed"
    # Its conformance tests (tests/lab/toolchain/command/*_test.go: an in-process sshd on 127.0.0.1)
    # gate the build.
    (cd "$w" && nice -n 10 go test -p 2 -count=1 . >"$w/go-test.log" 2>&1) \
        || { tail -40 "$w/go-test.log" >&2; die "the command provider's conformance tests failed (log: $w/go-test.log)"; }
    log "  $name conformance tests: $(tail -1 "$w/go-test.log")"
    mkdir -p "$out"
    (cd "$w" && "${GOBUILD[@]}" -ldflags "-s -w -X main.Version=$v" -o "$out/$name" .)
    echo "$dig" > "$TC/$name-$v/.digest"
    record $name "$v" $(( $(date +%s) - t0 ))
    link_bins $name "$v"
}

# ---------------------------------------------------------------- bridged providers (tls, random)
# build_bridged NAME VERSION UPSTREAM_MODULE UPSTREAM_VERSION [SUM]
build_bridged() {
    local short=$1 v=$2 umod=$3 uver=$4 usum=${5:-} name="pulumi-resource-$1" dig
    dig="$(recipe_digest bridged "$short" "$v" "$BRIDGE_VERSION" "$umod" "$uver" "$(tree_digest "$SRC/$short")")"
    if is_cached "$name" "$v" "$dig" "$name"; then log "$name $v cached"; link_bins "$name" "$v"; return; fi
    local t0; t0=$(date +%s)
    local w="$TC/src/$name-$v" out="$TC/$name-$v/bin"
    if [ -n "$usum" ]; then
        local got; got="$(go mod download -json "$umod@$uver" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Sum||""))')"
        [ "$got" = "$usum" ] || die "$umod@$uver has checksum $got, expected $usum"
    fi
    new_wrapper "$w" "halab.invalid/toolchain/$short"
    mkdir -p "$w/info" "$w/provider" "$w/tfgen" "$w/shim"
    cp "$SRC/$short/info/"*.go "$w/info/"; cp "$SRC/$short/provider/"*.go "$w/provider/"
    cp "$SRC/$short/tfgen/"*.go "$w/tfgen/"; cp "$SRC/$short/shim/"*.go "$w/shim/"
    # The shim lives in the upstream module's path so it may import its internal provider package.
    printf 'module %s/shim\n\ngo 1.26\n' "$umod" > "$w/shim/go.mod"
    (cd "$w/shim" && go get "$umod@$uver" >/dev/null 2>&1 && go mod tidy >/dev/null 2>&1) || die "resolving $umod@$uver failed"
    (cd "$w" && go mod edit -require "$umod/shim@v0.0.0" -replace "$umod/shim=./shim")
    # terraform-plugin-sdk is replaced by Pulumi's fork in the bridge (and in every bridged provider).
    copy_replaces github.com/pulumi/pulumi-terraform-bridge/v3 "$BRIDGE_VERSION" "$w"
    (cd "$w" && go get "github.com/pulumi/pulumi-terraform-bridge/v3@$BRIDGE_VERSION" "$umod@$uver" >/dev/null 2>&1 \
        && go mod tidy >/dev/null 2>&1) || die "resolving the $short bridge modules failed"
    mkdir -p "$out" "$w/.tfgen"
    local ld="-s -w -X halab.invalid/toolchain/$short/info.Version=$v"
    (cd "$w" && "${GOBUILD[@]}" -ldflags "$ld" -o "$w/.tfgen/pulumi-tfgen-$short" ./tfgen)
    (cd "$w" && PULUMI_SKIP_UPDATE_CHECK=true ./.tfgen/pulumi-tfgen-"$short" schema --skip-docs --skip-examples --out provider >"$w/.tfgen/log" 2>&1) \
        || { tail -20 "$w/.tfgen/log" >&2; die "tfgen $short failed"; }
    if [ ! -s "$w/provider/schema.json" ] || [ ! -s "$w/provider/bridge-metadata.json" ]; then die "tfgen $short wrote no schema"; fi
    (cd "$w" && "${GOBUILD[@]}" -ldflags "$ld" -o "$out/$name" ./provider)
    echo "$dig" > "$TC/$name-$v/.digest"
    record "$name" "$v" $(( $(date +%s) - t0 ))
    link_bins "$name" "$v"
}

# ---------------------------------------------------------------- bundled plugins
# The engine looks for "bundled" plugins (language hosts, the dynamic provider host) next to the
# real pulumi executable. A hard link puts the language host there, so it is found without PATH
# and without a "using ... from $PATH" warning; bin/ then links to these copies.
place_bundled() {
    local cli="$TC/pulumi-$PV/bin" lh
    lh="$(readlink -f "$TC/pulumi-language-nodejs-$LANGHOST_V/bin/pulumi-language-nodejs")"
    [ "$lh" -ef "$cli/pulumi-language-nodejs" ] || ln -f "$lh" "$cli/pulumi-language-nodejs"
    # @pulumi/pulumi's dynamic providers run through pulumi-resource-pulumi-nodejs; it resolves the
    # SDK from the program directory, so a small launcher is enough.
    cat > "$cli/pulumi-resource-pulumi-nodejs.tmp" <<'EOF'
#!/bin/sh
# Lab launcher: runs @pulumi/pulumi's dynamic provider host from the program's node_modules.
script="$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))")" || exit 1
exec node "$script" "$@"
EOF
    chmod 755 "$cli/pulumi-resource-pulumi-nodejs.tmp"
    mv -f "$cli/pulumi-resource-pulumi-nodejs.tmp" "$cli/pulumi-resource-pulumi-nodejs"
    link_bins pulumi "$PV"
}

# ---------------------------------------------------------------- plugin registration
install_plugins() {
    # shellcheck source=env.sh
    source "$HERE/env.sh"
    local spec name ver bin want have
    for spec in "command $COMMAND_VER" "tls $TLS_VER" "random $RANDOM_VER"; do
        read -r name ver <<<"$spec"
        bin="$TC/bin/pulumi-resource-$name"
        want="$(sha256sum < "$(readlink -f "$bin")" | cut -c1-64)"
        have=""
        local inst="$PULUMI_HOME/plugins/resource-$name-v$ver/pulumi-resource-$name"
        [ ! -f "$inst" ] || have="$(sha256sum < "$inst" | cut -c1-64)"
        if [ "$want" = "$have" ]; then log "plugin resource $name $ver cached in PULUMI_HOME"; continue; fi
        pulumi plugin install resource "$name" "$ver" --file "$bin" --reinstall >/dev/null 2>&1 \
            || die "pulumi plugin install resource $name $ver --file $bin failed"
        log "plugin resource $name $ver installed into $PULUMI_HOME"
    done
}

# ---------------------------------------------------------------- main
build_cli
build_langhost
build_command
build_bridged tls "$TLS_VER" "$TLS_UPSTREAM_MOD" "$TLS_UPSTREAM_VER" "$TLS_UPSTREAM_SUM"
build_bridged random "$RANDOM_VER" "$RANDOM_UPSTREAM_MOD" "$RANDOM_UPSTREAM_VER"
place_bundled
install_plugins

TOTAL=$(( $(date +%s) - TOTAL_START ))
if [ ${#BUILT_SECONDS[@]} -gt 0 ]; then
    log "toolchain ready in ${TOTAL}s (built: ${!BUILT_SECONDS[*]})"
    echo "$(date -u +%FT%TZ) total ${TOTAL}s (built: ${!BUILT_SECONDS[*]})" >> "$TIMINGS"
else
    log "toolchain ready in ${TOTAL}s (all cached)"
    echo "$(date -u +%FT%TZ) total ${TOTAL}s (all cached)" >> "$TIMINGS"
fi
log "PATH entry: $TC/bin  (source tests/lab/env.sh)"

[ "$VERIFY" = 1 ] || exit 0
exec bash "$SRC/verify.sh"
