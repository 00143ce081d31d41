import YAML from "yaml";
import { hashHeader } from "./header";

/** Identities the control plane grants access to at bootstrap. */
export interface BootstrapRbacSpec {
    /** User name (certificate CN) the apiserver uses towards kubelets. */
    readonly apiserverKubeletClientUser: string;
    /** User name (certificate CN) flanneld uses, when flannel runs. */
    readonly flannelUser?: string;
}

/**
 * RBAC objects applied once the apiservers answer: apiserver → kubelet access (logs, exec,
 * metrics) and, for flannel, read nodes / patch node status. Pure.
 */
export function bootstrapRbacObjects(spec: BootstrapRbacSpec): Record<string, unknown>[] {
    const labels = { "app.kubernetes.io/managed-by": "ha-kubernetes" };
    const docs: object[] = [
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: "ha-kubernetes:apiserver-kubelet-client", labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:kubelet-api-admin" },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: spec.apiserverKubeletClientUser }],
        },
    ];
    if (spec.flannelUser) {
        docs.push(
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "ClusterRole",
                metadata: { name: "ha-kubernetes:flannel", labels },
                rules: [
                    { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
                    { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
                    { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch"] },
                ],
            },
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "ClusterRoleBinding",
                metadata: { name: "ha-kubernetes:flannel", labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "ha-kubernetes:flannel" },
                subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: spec.flannelUser }],
            },
        );
    }
    return docs as Record<string, unknown>[];
}

/** The same objects as one multi-document YAML (what `kubectl apply -f` would take). Pure. */
export function renderBootstrapRbac(spec: BootstrapRbacSpec): string {
    return (
        hashHeader() +
        bootstrapRbacObjects(spec)
            .map((d) => "---\n" + YAML.stringify(d))
            .join("")
    );
}
