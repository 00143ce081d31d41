import { renderDaemonUnit } from "./controlPlaneUnit";
import { FlagValue, renderFlags } from "./flags";
import { PATHS } from "./paths";
import { renderEnvFile } from "./systemd";

export interface ControllerManagerSpec {
    readonly clusterName: string;
    readonly serviceClusterIpRange: string;
    /** Allocate a pod CIDR to every node (needed by flannel). */
    readonly allocateNodeCidrs: boolean;
    /** Pod range, required with allocateNodeCidrs. */
    readonly clusterCidr?: string;
    /** Node pod block prefix length. Default 24. */
    readonly nodeCidrMaskSize?: number;
    readonly extraArgs?: Readonly<Record<string, string>>;
}

/** The static kube-controller-manager unit. Pure. */
export function renderControllerManagerUnit(): string {
    return renderDaemonUnit({ description: "Kubernetes controller manager", binary: PATHS.bin.kubeControllerManager, envFile: PATHS.kubernetes.controllerManagerEnv, argsVar: "KUBE_CONTROLLER_MANAGER_ARGS" });
}

/**
 * kube-controller-manager flags. There are no --cluster-signing-* flags: the CA key never leaves
 * Pulumi state, so the CSR signer is off and every certificate is issued by Pulumi. Pure.
 */
export function controllerManagerFlags(spec: ControllerManagerSpec): Array<[string, FlagValue]> {
    const K = PATHS.kubernetes;
    if (spec.allocateNodeCidrs && !spec.clusterCidr) throw new Error("allocateNodeCidrs needs clusterCidr");
    const flags: Array<[string, FlagValue]> = [
        ["kubeconfig", K.controllerManagerKubeconfig],
        ["authentication-kubeconfig", K.controllerManagerKubeconfig],
        ["authorization-kubeconfig", K.controllerManagerKubeconfig],
        ["bind-address", "127.0.0.1"],
        ["cluster-name", spec.clusterName],
        ["leader-elect", true],
        ["root-ca-file", K.ca],
        ["client-ca-file", K.ca],
        ["requestheader-client-ca-file", K.frontProxyCa],
        ["service-account-private-key-file", K.serviceAccountKey],
        ["use-service-account-credentials", true],
        ["controllers", "*,bootstrapsigner,tokencleaner"],
        ["service-cluster-ip-range", spec.serviceClusterIpRange],
        ["allocate-node-cidrs", spec.allocateNodeCidrs],
        ["cluster-cidr", spec.allocateNodeCidrs ? spec.clusterCidr : undefined],
        ["node-cidr-mask-size", spec.allocateNodeCidrs ? spec.nodeCidrMaskSize ?? 24 : undefined],
        ["profiling", false],
    ];
    for (const [k, v] of Object.entries(spec.extraArgs ?? {})) {
        const i = flags.findIndex(([n]) => n === k);
        if (i >= 0) flags[i] = [k, v]; else flags.push([k, v]);
    }
    return flags;
}

export function renderControllerManagerEnv(spec: ControllerManagerSpec): string {
    return renderEnvFile([["KUBE_CONTROLLER_MANAGER_ARGS", renderFlags(controllerManagerFlags(spec))]]);
}
