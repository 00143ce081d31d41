import YAML from "yaml";
import { hashHeader } from "./header";
import { YAML_OPTIONS } from "./yamlDocument";

/** A client certificate's identity: its CN (the user) and O (the group). */
export interface CertIdentity {
    readonly commonName: string;
    readonly organization: string;
}

/** The group of the exported admin kubeconfig unless `controlPlane.adminGroup` says otherwise. */
export const DEFAULT_ADMIN_GROUP = "ha-kubernetes:cluster-admins";

/**
 * ha-kubernetes' own credential on the masters (PATHS.kubernetes.adminKubeconfig, the providers'
 * kubectl): cluster-admin through its own binding, so revoking the admins' group leaves it working.
 */
export const OPERATOR_IDENTITY: CertIdentity = { commonName: "ha-kubernetes-operator", organization: "ha-kubernetes:operators" };

/** The break-glass credential: `system:masters`, which no RBAC binding can revoke. Kept in the Pulumi state only. */
export const BREAK_GLASS_IDENTITY: CertIdentity = { commonName: "ha-kubernetes-break-glass", organization: "system:masters" };

/** The exported admin kubeconfig's user (CN); its group is the admin group. */
export const ADMIN_USER = "ha-kubernetes-admin";

/** The ClusterRoleBindings that make the admin group and the operator cluster-admin (their names). */
export const ADMIN_BINDING = "ha-kubernetes:cluster-admins";
export const OPERATOR_BINDING = "ha-kubernetes:operators";

/** What is wrong with an admin group name, or undefined. Pure. */
export function adminGroupProblem(group: unknown): string | undefined {
    if (typeof group !== "string" || group.length === 0) return `adminGroup must be a non-empty group name, not ${JSON.stringify(group)}`;
    if (!/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,252}$/.test(group))
        return `admin group ${JSON.stringify(group)} must start with a letter or digit and hold only letters, digits and . _ : @ / - (at most 253)`;
    if (group.startsWith("system:"))
        return `admin group ${JSON.stringify(group)} is a system: group (system:masters cannot be revoked by RBAC); use a group of your own, e.g. ${DEFAULT_ADMIN_GROUP}`;
    if (group === OPERATOR_IDENTITY.organization) return `admin group ${group} is ha-kubernetes' own operator group; revoking the admins would not revoke it`;
    return undefined;
}

/** Who the admin bindings name. */
export interface AdminBindingsSpec {
    /** The exported admin kubeconfig's group (O). */
    readonly adminGroup: string;
}

/**
 * The two ClusterRoleBindings to `cluster-admin` that only the break-glass credential can create
 * (nothing else is cluster-admin before them): `ha-kubernetes:cluster-admins` for the admin group
 * (delete it to revoke every exported admin kubeconfig) and `ha-kubernetes:operators` for
 * ha-kubernetes' own credential on the masters. Pure.
 */
export function adminBindingObjects(spec: AdminBindingsSpec): Record<string, unknown>[] {
    const problem = adminGroupProblem(spec.adminGroup);
    if (problem) throw new Error(problem);
    const labels = { "app.kubernetes.io/managed-by": "ha-kubernetes" };
    const binding = (name: string, group: string) => ({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: group }],
    });
    return [binding(ADMIN_BINDING, spec.adminGroup), binding(OPERATOR_BINDING, OPERATOR_IDENTITY.organization)];
}

/** The admin bindings as one multi-document YAML (what the binding step applies). Pure. */
export function renderAdminBindings(spec: AdminBindingsSpec): string {
    return (
        hashHeader() +
        adminBindingObjects(spec)
            .map((d) => "---\n" + YAML.stringify(d, YAML_OPTIONS))
            .join("")
    );
}

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
