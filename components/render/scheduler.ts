import YAML from "yaml";
import { renderDaemonUnit } from "./controlPlaneUnit";
import { renderFlags } from "./flags";
import { hashHeader } from "./header";
import { PATHS } from "./paths";
import { renderEnvFile } from "./systemd";

export interface SchedulerConfigSpec {
    /** Default /etc/kubernetes/scheduler.kubeconfig. */
    readonly kubeconfigPath?: string;
    /** Default true (one active scheduler per cluster). */
    readonly leaderElect?: boolean;
}

/** The static kube-scheduler unit. Pure. */
export function renderSchedulerUnit(): string {
    return renderDaemonUnit({ description: "Kubernetes scheduler", binary: PATHS.bin.kubeScheduler, envFile: PATHS.kubernetes.schedulerEnv, argsVar: "KUBE_SCHEDULER_ARGS" });
}

/** KubeSchedulerConfiguration. Pure. */
export function renderSchedulerConfig(spec: SchedulerConfigSpec): string {
    return hashHeader() + YAML.stringify({
        apiVersion: "kubescheduler.config.k8s.io/v1",
        kind: "KubeSchedulerConfiguration",
        clientConnection: { kubeconfig: spec.kubeconfigPath ?? PATHS.kubernetes.schedulerKubeconfig },
        leaderElection: { leaderElect: spec.leaderElect ?? true },
    });
}

export function renderSchedulerEnv(spec: { readonly extraArgs?: Readonly<Record<string, string>> }): string {
    const K = PATHS.kubernetes;
    return renderEnvFile([["KUBE_SCHEDULER_ARGS", renderFlags([
        ["config", K.schedulerConfig],
        ["authentication-kubeconfig", K.schedulerKubeconfig],
        ["authorization-kubeconfig", K.schedulerKubeconfig],
        ["client-ca-file", K.ca],
        ["requestheader-client-ca-file", K.frontProxyCa],
        ["bind-address", "127.0.0.1"],
        ["profiling", false],
        ...Object.entries(spec.extraArgs ?? {}),
    ])]]);
}
