#!/usr/bin/env bash
# Prints the break-glass kubeconfig of a stack of the ha-kubernetes program — user
# ha-kubernetes-break-glass in system:masters, through the load balancer — assembled from the
# stack's Pulumi state, without a `pulumi up` (for when the cluster or the admin credentials are
# broken; README "Admin credentials"). It holds a key that no RBAC change revokes: keep it in a
# 0600 file only as long as you need it. Needs the Pulumi CLI (logged in to the stack's backend,
# with its secrets passphrase or provider) and jq. Arguments go to `pulumi stack export`:
#   bash examples/break-glass-kubeconfig.sh --stack prod > break-glass.kubeconfig
set -euo pipefail
command -v jq >/dev/null || { echo "break-glass-kubeconfig: jq is needed" >&2; exit 1; }
umask 077
# `--show-secrets` gives each secret as {"plaintext": "<its value as JSON>"}
pulumi stack export --show-secrets "$@" | jq '
    def plain: if type == "object" and has("plaintext") then .plaintext | fromjson else . end;
    def one($what): if length == 1 then .[0] else error("expected one \($what) in the state, found \(length)") end;
    [.deployment.resources[]] as $r
    | ($r | map(select(.type == "tls:index/locallySignedCert:LocallySignedCert" and (.urn | endswith("-cp-break-glass-cert")))) | one("break-glass certificate")) as $cert
    | ($cert.urn | split("::") | last | sub("-cp-break-glass-cert$"; "")) as $cluster
    | ($r | map(select(.type == "tls:index/privateKey:PrivateKey" and (.urn | endswith("::\($cluster)-cp-break-glass-key")))) | one("break-glass key")) as $key
    | ($r | map(select(.type == "pulumi:pulumi:Stack")) | one("stack") | .outputs.apiserverUrl | plain) as $server
    | {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: $cluster, cluster: { server: $server, "certificate-authority-data": ($cert.outputs.caCertPem | plain | @base64) } }],
        users: [{ name: "ha-kubernetes-break-glass", user: {
            "client-certificate-data": ($cert.outputs.certPem | plain | @base64),
            "client-key-data": ($key.outputs.privateKeyPem | plain | @base64) } }],
        contexts: [{ name: "ha-kubernetes-break-glass@\($cluster)", context: { cluster: $cluster, user: "ha-kubernetes-break-glass" } }],
        "current-context": "ha-kubernetes-break-glass@\($cluster)"
    }'
