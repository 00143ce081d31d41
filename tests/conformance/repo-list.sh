#!/usr/bin/env bash
# Prints the KUBE_TEST_REPO_LIST file for e2e.test with every registry of
# k8s.io/kubernetes/test/utils/image (RegistryList in manifest.go, Kubernetes 1.35) pointed at
# REGISTRY, so the suite asks for REGISTRY/<name>:<tag> (e.g. REGISTRY/agnhost:2.59,
# REGISTRY/pause:3.10.1, REGISTRY/etcd:3.6.6-0), the names tests/conformance/push.sh pushes.
# invalidRegistry too: nothing is pushed as alpine:3.1, so its pulls still fail, as they must.
# tests/conformance/images.sh checks that these keys are the module's.
#
#   bash tests/conformance/repo-list.sh 10.0.0.5:5000 > repo-list.yaml
#   KUBE_TEST_REPO_LIST=repo-list.yaml ./e2e.test --list-images   # the names the suite will pull
set -euo pipefail
KEYS=(promoterE2eRegistry buildImageRegistry invalidRegistry gcEtcdRegistry gcRegistry
      sigStorageRegistry privateRegistry dockerLibraryRegistry cloudProviderGcpRegistry)
case "${1:-}" in
    --keys) printf '%s\n' "${KEYS[@]}"; exit 0 ;;
    ""|-*) echo "usage: $0 REGISTRY (host:port, optionally /path)   |   $0 --keys" >&2; exit 2 ;;
esac
registry="${1%/}"
case "$registry" in
    *[[:space:]\"\'\#]*|*://*) echo "repo-list: REGISTRY is host:port[/path], without scheme: '$1'" >&2; exit 2 ;;
esac
for k in "${KEYS[@]}"; do printf '%s: %s\n' "$k" "$registry"; done
