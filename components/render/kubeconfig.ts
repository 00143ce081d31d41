import { renderYamlDocument } from "./yamlDocument";

/** A single-cluster, single-user kubeconfig with embedded credentials. */
export interface KubeconfigSpec {
    /** Name of the cluster entry. */
    readonly clusterName: string;
    /** The apiserver, an https URL (e.g. https://127.0.0.1:6443 or the load-balanced endpoint). */
    readonly server: string;
    /** PEM of the CA that signed the apiserver's serving certificate. */
    readonly caCertPem: string;
    /** Name of the user entry (normally the certificate's CN). */
    readonly userName: string;
    /** PEM client certificate. */
    readonly clientCertPem: string;
    /** PEM private key. Secret: the rendered file must be written with mode 0600. */
    readonly clientKeyPem: string;
    /** Default `${userName}@${clusterName}`. */
    readonly contextName?: string;
    /** Default namespace of the context; none by default. */
    readonly namespace?: string;
}

const PEM = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n[A-Za-z0-9+/=\r\n]+-----END \1-----\r?\n?$/;

function checkPem(pem: string, what: string, key: boolean): void {
    const blocks = pem
        .trim()
        .split(/(?<=-----END [A-Z0-9 ]+-----)\s*/)
        .filter((b) => b.length > 0);
    if (blocks.length === 0 || !blocks.every((b) => PEM.test(b))) throw new Error(`kubeconfig ${what} is not PEM`);
    const types = blocks.map((b) => /^-----BEGIN ([A-Z0-9 ]+)-----/.exec(b)![1]);
    if (key ? !(types.length === 1 && types[0].endsWith("PRIVATE KEY")) : !types.every((t) => t === "CERTIFICATE")) {
        throw new Error(`kubeconfig ${what} has PEM blocks of the wrong type: ${types.join(", ")}`);
    }
}

/** A kubeconfig's cluster, user or context name: non-empty, no white space. Pure. */
export function isKubeconfigName(v: unknown): v is string {
    return typeof v === "string" && v !== "" && !/\s/.test(v);
}

/**
 * A kubeconfig (apiVersion v1, kind Config) with the CA, client certificate and key embedded
 * base64 (`*-data` fields), one cluster, user and context, which is current. Pure.
 */
export function renderKubeconfig(spec: KubeconfigSpec): string {
    let url: URL;
    try {
        url = new URL(spec.server);
    } catch {
        throw new Error(`kubeconfig server is not a URL: ${JSON.stringify(spec.server)}`);
    }
    if (url.protocol !== "https:" || url.username || url.password || url.search || url.hash || /\s/.test(spec.server)) {
        throw new Error(`kubeconfig server must be an https URL: ${JSON.stringify(spec.server)}`);
    }
    for (const [what, v] of [
        ["cluster name", spec.clusterName],
        ["user name", spec.userName],
        ["context name", spec.contextName ?? "x"],
    ] as const) {
        if (!isKubeconfigName(v)) throw new Error(`kubeconfig ${what} must be non-empty without whitespace: ${JSON.stringify(v)}`);
    }
    if (spec.namespace !== undefined && !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(spec.namespace))
        throw new Error(`bad kubeconfig namespace: ${JSON.stringify(spec.namespace)}`);
    checkPem(spec.caCertPem, "CA certificate", false);
    checkPem(spec.clientCertPem, "client certificate", false);
    checkPem(spec.clientKeyPem, "client key", true);

    const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
    const context = spec.contextName ?? `${spec.userName}@${spec.clusterName}`;
    return renderYamlDocument("v1", "Config", {
        clusters: [{ name: spec.clusterName, cluster: { server: spec.server, "certificate-authority-data": b64(spec.caCertPem) } }],
        users: [{ name: spec.userName, user: { "client-certificate-data": b64(spec.clientCertPem), "client-key-data": b64(spec.clientKeyPem) } }],
        contexts: [{ name: context, context: { cluster: spec.clusterName, user: spec.userName, ...(spec.namespace ? { namespace: spec.namespace } : {}) } }],
        "current-context": context,
        preferences: {},
    });
}
