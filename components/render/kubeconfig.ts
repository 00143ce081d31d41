import YAML from "yaml";
import { hashHeader } from "./header";

export interface KubeconfigSpec {
    readonly clusterName: string;
    /** https URL of the apiserver. */
    readonly server: string;
    readonly caCertPem: string;
    readonly userName: string;
    readonly clientCertPem: string;
    /** Secret: the rendered file must be written 0600. */
    readonly clientKeyPem: string;
    /** Default `${userName}@${clusterName}`. */
    readonly contextName?: string;
    readonly namespace?: string;
}

const PEM = /^-----BEGIN [A-Z0-9 ]+-----\r?\n[\s\S]+-----END [A-Z0-9 ]+-----\s*$/;

/** A kubeconfig with embedded CA, client certificate and key. Pure. */
export function renderKubeconfig(spec: KubeconfigSpec): string {
    if (!/^https:\/\/[^\s]+$/.test(spec.server)) throw new Error(`kubeconfig server must be an https URL: ${spec.server}`);
    for (const [k, v] of [["CA certificate", spec.caCertPem], ["client certificate", spec.clientCertPem], ["client key", spec.clientKeyPem]]) {
        if (!PEM.test(v)) throw new Error(`kubeconfig ${k} is not PEM`);
    }
    const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
    const context = spec.contextName ?? `${spec.userName}@${spec.clusterName}`;
    return hashHeader() + YAML.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: spec.clusterName, cluster: { server: spec.server, "certificate-authority-data": b64(spec.caCertPem) } }],
        users: [{ name: spec.userName, user: { "client-certificate-data": b64(spec.clientCertPem), "client-key-data": b64(spec.clientKeyPem) } }],
        contexts: [{ name: context, context: { cluster: spec.clusterName, user: spec.userName, ...(spec.namespace ? { namespace: spec.namespace } : {}) } }],
        "current-context": context,
        preferences: {},
    }, { lineWidth: 0 });
}
