import { renderDaemonUnit } from "./controlPlaneUnit";
import { delegatedAuthFlags, delegatedClientCaFlags, FlagValue, mergeExtraFlags, renderFlags } from "./flags";
import { renderYamlDocument } from "./yamlDocument";
import { PATHS } from "./paths";
import { renderEnvFile } from "./systemd";

/** The KubeSchedulerConfiguration file (the same on every master). */
export interface SchedulerConfigSpec {
    /** Absolute path of the scheduler's kubeconfig. Default /etc/kubernetes/scheduler.kubeconfig. */
    readonly kubeconfigPath?: string;
    /** Leader election, so that one scheduler is active at a time. Default true. */
    readonly leaderElect?: boolean;
}

/** kube-scheduler command-line settings beyond the config file. */
export interface SchedulerEnvSpec {
    /**
     * Further flags (name without dashes → value). May not replace the ones ha-kubernetes sets
     * (config, authentication/authorization kubeconfigs, CA files); the render throws.
     */
    readonly extraArgs?: Readonly<Record<string, string>>;
}

/** The static kube-scheduler unit (flags in KUBE_SCHEDULER_ARGS). Pure. */
export function renderSchedulerUnit(): string {
    return renderDaemonUnit({
        description: "Kubernetes scheduler",
        binary: PATHS.bin.kubeScheduler,
        envFile: PATHS.kubernetes.schedulerEnv,
        argsVar: "KUBE_SCHEDULER_ARGS",
    });
}

/** KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) with the default profile. Pure. */
export function renderSchedulerConfig(spec: SchedulerConfigSpec = {}): string {
    const kubeconfig = spec.kubeconfigPath ?? PATHS.kubernetes.schedulerKubeconfig;
    if (!/^\/\S+$/.test(kubeconfig)) throw new Error(`scheduler kubeconfig path must be absolute: ${JSON.stringify(kubeconfig)}`);
    return renderYamlDocument("kubescheduler.config.k8s.io/v1", "KubeSchedulerConfiguration", {
        clientConnection: { kubeconfig },
        leaderElection: { leaderElect: spec.leaderElect ?? true },
    });
}

const FIXED = ["config", "kubeconfig", "authentication-kubeconfig", "authorization-kubeconfig", "client-ca-file", "requestheader-client-ca-file", "leader-elect"];

/** kube-scheduler flags: the config file, delegated authn/authz, serving (10259) on 127.0.0.1 only. Pure. */
export function schedulerFlags(spec: SchedulerEnvSpec = {}): Array<[string, FlagValue]> {
    const K = PATHS.kubernetes;
    const flags: Array<[string, FlagValue]> = [
        ["config", K.schedulerConfig],
        ...delegatedAuthFlags(K.schedulerKubeconfig),
        ...delegatedClientCaFlags(),
        ["bind-address", "127.0.0.1"],
        ["profiling", false],
    ];
    return mergeExtraFlags(flags, spec.extraArgs, (name) =>
        FIXED.includes(name) ? `kube-scheduler flag --${name} is managed by ha-kubernetes (use the config file spec) and cannot be overridden through extraArgs` : undefined,
    );
}

/** The EnvironmentFile holding KUBE_SCHEDULER_ARGS. Pure. */
export function renderSchedulerEnv(spec: SchedulerEnvSpec = {}): string {
    return renderEnvFile([["KUBE_SCHEDULER_ARGS", renderFlags(schedulerFlags(spec))]]);
}
