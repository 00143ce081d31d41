import { renderDaemonUnit } from "./controlPlaneUnit";
import { delegatedAuthFlags, delegatedClientCaFlags, FlagValue, MANAGED_BY_HA_KUBERNETES, mergeExtraFlags, protectedFlags, renderFlags } from "./flags";
import { cidrsOverlap, parseCidr, parseCidrList } from "../../lib/address";
import { PATHS } from "./paths";
import { renderEnvFile } from "./systemd";

/** kube-controller-manager settings (the same on every master). */
export interface ControllerManagerSpec {
    /** `--cluster-name` (prefix of cloud resources, label of the cluster). */
    readonly clusterName: string;
    /** Service CIDR (or dual-stack pair), as given to the apiserver. */
    readonly serviceClusterIpRange: string;
    /** Allocate a pod CIDR to every node from `clusterCidr` (flannel and the bridge pod network need it). */
    readonly allocateNodeCidrs: boolean;
    /** Pod network CIDR (one IPv4 range). Required when allocateNodeCidrs (must not overlap the service range); ignored otherwise. */
    readonly clusterCidr?: string;
    /** Prefix length of each node's pod CIDR; longer than clusterCidr's, at most 16 bits longer. Default 24. Ignored without allocateNodeCidrs. */
    readonly nodeCidrMaskSize?: number;
    /**
     * Further flags (name without dashes → value); may replace defaults except those in
     * `CONTROLLER_MANAGER_PROTECTED_FLAGS` and those that have a field in this spec (the render throws).
     */
    readonly extraArgs?: Readonly<Record<string, string>>;
}

/** Flags extraArgs may not set, with the reason. */
export const CONTROLLER_MANAGER_PROTECTED_FLAGS: Readonly<Record<string, string>> = {
    ...protectedFlags(
        "the cluster CA key never leaves Pulumi state: there is no in-cluster CSR signer",
        ["", "kubelet-serving-", "kubelet-client-", "kube-apiserver-client-", "legacy-unknown-"].flatMap((s) => [`cluster-signing-${s}cert-file`, `cluster-signing-${s}key-file`]),
    ),
    ...protectedFlags(MANAGED_BY_HA_KUBERNETES, ["kubeconfig", "authentication-kubeconfig", "authorization-kubeconfig", "service-account-private-key-file", "root-ca-file"]),
    "use-service-account-credentials": "each controller must use its own service account",
    "leader-elect": "several controller managers run: exactly one may be active",
};

const SPEC_FIELD_FLAGS: Readonly<Record<string, keyof ControllerManagerSpec>> = {
    "cluster-name": "clusterName",
    "service-cluster-ip-range": "serviceClusterIpRange",
    "allocate-node-cidrs": "allocateNodeCidrs",
    "cluster-cidr": "clusterCidr",
    "node-cidr-mask-size": "nodeCidrMaskSize",
};

/** The static kube-controller-manager unit (flags in KUBE_CONTROLLER_MANAGER_ARGS). Pure. */
export function renderControllerManagerUnit(): string {
    return renderDaemonUnit({
        description: "Kubernetes controller manager",
        binary: PATHS.bin.kubeControllerManager,
        envFile: PATHS.kubernetes.controllerManagerEnv,
        argsVar: "KUBE_CONTROLLER_MANAGER_ARGS",
    });
}

/**
 * kube-controller-manager flags, in order. There are deliberately no --cluster-signing-* flags:
 * the cluster CA key never leaves Pulumi state, so the in-cluster CSR signer is off and every
 * certificate is issued by Pulumi. Serving (10257) binds to 127.0.0.1 only. Pure.
 */
export function controllerManagerFlags(spec: ControllerManagerSpec): Array<[string, FlagValue]> {
    if (!/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(spec.clusterName)) throw new Error(`bad cluster name: ${JSON.stringify(spec.clusterName)}`);
    const services = parseCidrList(spec.serviceClusterIpRange, "service cluster IP range");
    let maskSize: number | undefined;
    if (spec.allocateNodeCidrs) {
        if (!spec.clusterCidr) throw new Error("allocateNodeCidrs needs clusterCidr");
        const pods = parseCidr(spec.clusterCidr, "cluster (pod) CIDR"); // IPv4
        for (const s of services) {
            if (cidrsOverlap(pods, s)) throw new Error(`cluster (pod) CIDR ${spec.clusterCidr} overlaps the service range ${s.address}/${s.prefix}`);
        }
        maskSize = spec.nodeCidrMaskSize ?? 24;
        if (!Number.isInteger(maskSize) || maskSize <= pods.prefix || maskSize > 32 || maskSize - pods.prefix > 16) {
            throw new Error(`node CIDR mask size /${maskSize} must be longer than the cluster CIDR /${pods.prefix}, at most /32 and at most 16 bits longer`);
        }
    }

    const K = PATHS.kubernetes;
    const flags: Array<[string, FlagValue]> = [
        ["kubeconfig", K.controllerManagerKubeconfig],
        ...delegatedAuthFlags(K.controllerManagerKubeconfig),
        ["bind-address", "127.0.0.1"],
        ["cluster-name", spec.clusterName],
        ["leader-elect", true],
        ...delegatedClientCaFlags(),
        ["root-ca-file", K.ca],
        ["service-account-private-key-file", K.serviceAccountKey],
        ["use-service-account-credentials", true],
        ["controllers", "*,bootstrapsigner,tokencleaner"],
        ["service-cluster-ip-range", spec.serviceClusterIpRange],
        ["allocate-node-cidrs", spec.allocateNodeCidrs],
        ["cluster-cidr", spec.allocateNodeCidrs ? spec.clusterCidr : undefined],
        ["node-cidr-mask-size", maskSize],
        ["profiling", false],
    ];
    return mergeExtraFlags(flags, spec.extraArgs, (name) => {
        if (Object.hasOwn(CONTROLLER_MANAGER_PROTECTED_FLAGS, name))
            return `kube-controller-manager flag --${name} is managed by ha-kubernetes and cannot be overridden through extraArgs: ${CONTROLLER_MANAGER_PROTECTED_FLAGS[name]}`;
        if (name.startsWith("cluster-signing-")) return `kube-controller-manager flag --${name} cannot be overridden: the cluster CA key never leaves Pulumi state`;
        if (Object.hasOwn(SPEC_FIELD_FLAGS, name)) return `kube-controller-manager flag --${name}: use the spec field ${SPEC_FIELD_FLAGS[name]} instead of extraArgs`;
        return undefined;
    });
}

/** The EnvironmentFile holding KUBE_CONTROLLER_MANAGER_ARGS. Pure. */
export function renderControllerManagerEnv(spec: ControllerManagerSpec): string {
    return renderEnvFile([["KUBE_CONTROLLER_MANAGER_ARGS", renderFlags(controllerManagerFlags(spec))]]);
}
