import YAML from "yaml";
import { hashHeader } from "./header";
import { PATHS, UNITS } from "./paths";
import { YAML_OPTIONS } from "./yamlDocument";

/** The CIS benchmark the configuration is for (kube-bench's cfg/cis-1.12). */
export const KUBE_BENCH_BENCHMARK = "cis-1.12";

/** Where the configuration is installed on every host (nodes, masters and etcd members). */
export const KUBE_BENCH_CONFIG_PATH = PATHS.kubeBenchConfig;

/**
 * The one command that runs a stock kube-bench with this layout's configuration on a host (as
 * root). The release packages keep the check definitions in /etc/kube-bench/cfg; a kube-bench
 * unpacked elsewhere also needs `--config-dir <its cfg directory>`.
 */
export const KUBE_BENCH_COMMAND = `kube-bench run --config ${KUBE_BENCH_CONFIG_PATH} --benchmark ${KUBE_BENCH_BENCHMARK}`;

/** kube-bench's targets for each kind of host (a master is a node, with etcd when stacked). */
export const KUBE_BENCH_TARGETS = { master: "master,etcd,controlplane,node", worker: "node", etcd: "etcd" } as const;

/**
 * The Kubernetes minor from which kube-bench's own mapping picks cis-1.12. kube-bench steps an
 * unknown minor down until it finds one, so later minors map to it too.
 */
const FIRST_CIS_1_12_MINOR = "1.32";

/** kube-bench's names for the process of each daemon (`ps -C`; kube-controller-manager's is cut to 15 characters by the kernel). */
const BINS = {
    apiserver: ["kube-apiserver"],
    scheduler: ["kube-scheduler"],
    controllermanager: ["kube-controller-manager", "kube-controller"],
    etcd: ["etcd"],
    kubelet: ["kubelet"],
    proxy: ["kube-proxy"],
} as const;

/** etcd, on a master (stacked; optional: dedicated etcd hosts) or an etcd host. */
function etcdComponent(optional: boolean): Record<string, unknown> {
    return {
        ...(optional ? { optional: true } : {}),
        bins: [...BINS.etcd],
        defaultconf: PATHS.etcd.env,
        defaultdatadir: PATHS.etcd.dataDir,
    };
}

/**
 * The configuration as an object (what renderKubeBenchConfig writes). kube-bench substitutes
 * `$<component><kind>` in its checks (`$apiserverconf`, `$kubeletsvc`, …) with the component's
 * `default<kind>` here (its `confs`-style search lists are not needed: there is one layout).
 * Pure.
 */
export function kubeBenchConfig(): Record<string, unknown> {
    const K = PATHS.kubernetes;
    const N = PATHS.node;
    return {
        master: {
            components: ["apiserver", "scheduler", "controllermanager", "etcd", "kubelet"],
            apiserver: { bins: [...BINS.apiserver], defaultconf: K.apiserverEnv },
            scheduler: { bins: [...BINS.scheduler], defaultconf: K.schedulerEnv, defaultkubeconfig: K.schedulerKubeconfig },
            controllermanager: { bins: [...BINS.controllermanager], defaultconf: K.controllerManagerEnv, defaultkubeconfig: K.controllerManagerKubeconfig },
            // stacked on the masters, or on etcd hosts of their own
            etcd: etcdComponent(true),
            // masters are nodes
            kubelet: { optional: true, bins: [...BINS.kubelet] },
        },
        etcd: {
            components: ["etcd"],
            etcd: etcdComponent(false),
        },
        controlplane: {
            components: ["apiserver"],
            apiserver: { bins: [...BINS.apiserver] },
        },
        node: {
            components: ["kubelet", "proxy"],
            kubelet: {
                bins: [...BINS.kubelet],
                defaultsvc: PATHS.unit(UNITS.kubelet),
                defaultconf: N.kubeletConfig,
                defaultkubeconfig: N.kubeletKubeconfig,
                defaultcafile: K.ca,
            },
            proxy: {
                optional: true,
                bins: [...BINS.proxy],
                defaultsvc: PATHS.unit(UNITS.kubeProxy),
                defaultconf: N.kubeProxyConfig,
                defaultkubeconfig: N.kubeProxyKubeconfig,
            },
        },
        policies: { components: [] },
        // --config replaces kube-bench's cfg/config.yaml: these two maps are read from here
        version_mapping: { [FIRST_CIS_1_12_MINOR]: KUBE_BENCH_BENCHMARK },
        target_mapping: { [KUBE_BENCH_BENCHMARK]: ["master", "node", "controlplane", "etcd", "policies"] },
    };
}

/**
 * The kube-bench configuration (its `--config` file) for this layout: the daemons as systemd
 * units with their flags in EnvironmentFiles, kubeconfigs under /etc/kubernetes and
 * /var/lib/kubelet, etcd configured by ETCD_* variables. kube-bench reads only this file in
 * place of its cfg/config.yaml (then merges the benchmark's own, empty for cis-1.12), so it holds
 * every section a run needs, and nothing of the other distributions kube-bench knows. Pure.
 */
export function renderKubeBenchConfig(): string {
    const doc = new YAML.Document(kubeBenchConfig());
    const note = (path: readonly string[], comment: string) => {
        (doc.getIn(path, true) as YAML.Scalar).comment = ` ${comment}`;
    };
    // what CIS calls the "pod specification file" of a daemon is, here, the EnvironmentFile with its flags
    for (const c of ["apiserver", "scheduler", "controllermanager"]) note(["master", c, "defaultconf"], "its flags (the unit expands them into ExecStart)");
    for (const s of ["master", "etcd"]) {
        note([s, "etcd", "defaultconf"], "ETCD_* settings: kube-bench reads them from the process's environment");
        note([s, "etcd", "defaultdatadir"], "ETCD_DATA_DIR (there is no --data-dir on the command line)");
    }
    doc.commentBefore = [
        ` kube-bench configuration for the ha-kubernetes host layout (README "Security"). Run as root:`,
        `   ${KUBE_BENCH_COMMAND} --targets ${KUBE_BENCH_TARGETS.master}`,
        ` with --targets ${KUBE_BENCH_TARGETS.worker} on a worker, ${KUBE_BENCH_TARGETS.etcd} on an etcd host.`,
    ].join("\n");
    return hashHeader() + doc.toString(YAML_OPTIONS);
}
