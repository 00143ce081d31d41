#!/usr/bin/env bash
# Pushes OCI image-layout archives (tests/conformance/images.sh) into an OCI distribution registry
# (e.g. Debian's docker-registry on a lab host) over its HTTP API with curl, each as
# REGISTRY/<name>:<tag> from the archive's io.containerd.image.name, the names e2e.test asks for
# with tests/conformance/repo-list.sh REGISTRY as KUBE_TEST_REPO_LIST:
#
#   bash tests/conformance/push.sh ARCHIVE_DIR REGISTRY CA_FILE
#     ARCHIVE_DIR  a directory of *.tar archives (or one archive)
#     REGISTRY     host:port, reached as https://REGISTRY/v2/
#     CA_FILE      PEM of the CA that signed the registry's certificate
#
# Blobs the registry has are skipped; a blob already pushed to another repository in this run
# is cross-mounted instead of uploaded again. Each manifest is checked against the digest the
# registry reports. Needs bash, curl, tar, sha256sum, sed, grep (a lab host has them all).
set -euo pipefail
LOG_PREFIX="conformance-push"
# shellcheck source-path=SCRIPTDIR source=../lab/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lab/common.sh"
[ $# -eq 3 ] || { echo "usage: $0 ARCHIVE_DIR REGISTRY CA_FILE" >&2; exit 2; }
src="$1" registry="${2%/}" ca="$3"
[ -s "$ca" ] || die "no CA file $ca"
case "$registry" in *://*|*/*|"") die "REGISTRY is host:port, without scheme or path: '$registry'" ;; esac
if [ -d "$src" ]; then
    archives=("$src"/*.tar)
    [ -e "${archives[0]}" ] || die "no *.tar in $src"
else
    [ -s "$src" ] || die "no archive $src"
    archives=("$src")
fi
R="https://$registry"
C=(curl -sS --fail --retry 3 --cacert "$ca")
code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$ca" "$R/v2/") || die "registry $R does not answer"
[ "$code" = 200 ] || die "GET $R/v2/ answered $code (authentication is not supported)"

work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
pushed="$work/pushed"; : > "$pushed"   # "<digest> <repository>" of blobs this run pushed

# status URL: the HTTP status of a HEAD request
status() { curl -sS -I -o /dev/null -w '%{http_code}' --cacert "$ca" "$1"; }
location() {  # location HEADERS-FILE: the Location header, made absolute
    local loc
    loc="$(tr -d '\r' < "$1" | sed -n 's/^[Ll]ocation: *//p' | tail -1)"
    [ -n "$loc" ] || return 1
    case "$loc" in http*) echo "$loc" ;; *) echo "$R$loc" ;; esac
}

push_blob() {  # push_blob REPO FILE DIGEST
    local repo="$1" file="$2" d="$3" from query="" loc sep
    [ "$(status "$R/v2/$repo/blobs/sha256:$d")" = 200 ] && return 0
    from="$(awk -v d="$d" '$1 == d {print $2; exit}' "$pushed")"
    [ -z "$from" ] || query="?mount=sha256:$d&from=$from"
    "${C[@]}" -X POST -D "$work/h" -o /dev/null "$R/v2/$repo/blobs/uploads/$query"
    if ! grep -q '^HTTP/[0-9.]* 201' "$work/h"; then   # not mounted: upload it
        loc="$(location "$work/h")" || die "no upload location for $repo"
        case "$loc" in *\?*) sep='&' ;; *) sep='?' ;; esac
        "${C[@]}" -X PUT -H 'Content-Type: application/octet-stream' -T "$file" -o /dev/null "$loc${sep}digest=sha256:$d"
    fi
    echo "$d $repo" >> "$pushed"
}

n=0
for a in "${archives[@]}"; do
    d="$work/layout"
    rm -rf "$d"; mkdir -p "$d"
    tar -xf "$a" -C "$d" oci-layout index.json blobs || die "$a is not an OCI image layout archive"
    index="$(tr -d '\n' < "$d/index.json")"
    ref="$(sed -n 's/.*"io\.containerd\.image\.name":"\([^"]*\)".*/\1/p' <<<"$index")"
    manifest="$(sed -n 's/^[^]]*"manifests":\[{[^}]*"digest":"sha256:\([0-9a-f]\{64\}\)".*/\1/p' <<<"$index")"
    if [ -z "$ref" ] || [ -z "$manifest" ]; then die "$a: index.json names no image or manifest"; fi
    repo="${ref%:*}" tag="${ref##*:}"
    [ "$repo" != "$ref" ] || die "$a: image name $ref has no tag"
    m="$d/blobs/sha256/$manifest"
    [ "$(sha256sum "$m" | cut -d' ' -f1)" = "$manifest" ] || die "$a: manifest digest mismatch"
    media="$(tr -d '\n' < "$m" | sed -n 's/^{[^{]*"mediaType":"\([^"]*\)".*/\1/p')"
    [ -n "$media" ] || media="application/vnd.oci.image.manifest.v1+json"
    blobs=0
    for b in $(tr -d '\n' < "$m" | grep -o '"digest":"sha256:[0-9a-f]\{64\}"' | sed 's/.*sha256:\([0-9a-f]*\)"/\1/' | sort -u); do
        [ -s "$d/blobs/sha256/$b" ] || die "$a: blob $b missing"
        push_blob "$repo" "$d/blobs/sha256/$b" "$b"
        blobs=$((blobs + 1))
    done
    "${C[@]}" -X PUT -H "Content-Type: $media" --data-binary @"$m" -D "$work/h" -o /dev/null "$R/v2/$repo/manifests/$tag"
    got="$(tr -d '\r' < "$work/h" | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: *//p' | tail -1)"
    [ -z "$got" ] || [ "$got" = "sha256:$manifest" ] || die "$registry/$ref: the registry stored $got, not sha256:$manifest"
    "${C[@]}" "$R/v2/$repo/tags/list" | grep -q "\"$tag\"" || die "$registry/$ref: tag not listed after the push"
    log "$registry/$ref ($blobs blobs, sha256:$manifest)"
    n=$((n + 1))
done
log "$n images in $registry"
