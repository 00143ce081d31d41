import YAML from "yaml";
import { KUBE_BENCH_COMMAND, KUBE_BENCH_CONFIG_PATH, kubeBenchConfig, renderKubeBenchConfig } from "../../../components/render/kubeBenchConfig";
import { PATHS, UNITS } from "../../../components/render/paths";

type Section = Record<string, unknown> & { components: string[] };

/** The rendered file, read back as kube-bench's YAML library (1.2 core schema) reads it. */
const parsed = (): Record<string, Section> => YAML.parse(renderKubeBenchConfig(), { version: "1.2" });

/** Every string leaf with its key path. */
function leaves(o: unknown, prefix = ""): Array<[string, string]> {
    if (typeof o === "string") return [[prefix, o]];
    if (Array.isArray(o)) return o.flatMap((v, i) => leaves(v, `${prefix}[${i}]`));
    if (o && typeof o === "object") return Object.entries(o).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
    return [];
}

describe("renderKubeBenchConfig", () => {
    it("matches the snapshot", () => {
        expect(renderKubeBenchConfig()).toMatchSnapshot();
    });

    it("is installed under /etc/ha-kubernetes and names the command that reads it", () => {
        expect(KUBE_BENCH_CONFIG_PATH).toBe(PATHS.kubeBenchConfig);
        expect(PATHS.kubeBenchConfig).toBe("/etc/ha-kubernetes/kube-bench.yaml");
        expect(KUBE_BENCH_COMMAND).toBe("kube-bench run --config /etc/ha-kubernetes/kube-bench.yaml --benchmark cis-1.12");
        const text = renderKubeBenchConfig();
        expect(text.startsWith("# Managed by ha-kubernetes")).toBe(true);
        expect(text).toContain(`#   ${KUBE_BENCH_COMMAND} --targets master,etcd,controlplane,node\n`);
        expect(text).toContain("# with --targets node on a worker, etcd on an etcd host.\n");
    });

    it("reads back as the object it was made from", () => {
        expect(parsed()).toEqual(kubeBenchConfig());
    });

    it("gives every file kube-bench's cis-1.12 checks substitute the path of PATHS", () => {
        // `$<component><kind>` → the value kube-bench substitutes (its key `default<kind>`)
        const want: Record<string, string> = {
            "master.apiserver.defaultconf": PATHS.kubernetes.apiserverEnv,
            "master.scheduler.defaultconf": PATHS.kubernetes.schedulerEnv,
            "master.scheduler.defaultkubeconfig": PATHS.kubernetes.schedulerKubeconfig,
            "master.controllermanager.defaultconf": PATHS.kubernetes.controllerManagerEnv,
            "master.controllermanager.defaultkubeconfig": PATHS.kubernetes.controllerManagerKubeconfig,
            "master.etcd.defaultconf": PATHS.etcd.env,
            "master.etcd.defaultdatadir": PATHS.etcd.dataDir,
            "etcd.etcd.defaultconf": PATHS.etcd.env,
            "etcd.etcd.defaultdatadir": PATHS.etcd.dataDir,
            "node.kubelet.defaultsvc": PATHS.unit(UNITS.kubelet),
            "node.kubelet.defaultconf": PATHS.node.kubeletConfig,
            "node.kubelet.defaultkubeconfig": PATHS.node.kubeletKubeconfig,
            "node.kubelet.defaultcafile": PATHS.kubernetes.ca,
            "node.proxy.defaultsvc": PATHS.unit(UNITS.kubeProxy),
            "node.proxy.defaultconf": PATHS.node.kubeProxyConfig,
            "node.proxy.defaultkubeconfig": PATHS.node.kubeProxyKubeconfig,
        };
        const paths = Object.fromEntries(leaves(parsed()).filter(([, v]) => v.startsWith("/")));
        expect(paths).toEqual(want);
        // and each of them is where ha-kubernetes writes that file (not a retyped copy)
        expect(PATHS.kubernetes.apiserverEnv).toBe("/etc/kubernetes/kube-apiserver.env");
        expect(PATHS.node.kubeletConfig).toBe("/var/lib/kubelet/config.yaml");
    });

    it("names the running binary of every component the checks use, in every target", () => {
        const c = parsed();
        const bins = (section: string, component: string) => (c[section][component] as { bins: string[] }).bins;
        expect(c.master.components).toEqual(["apiserver", "scheduler", "controllermanager", "etcd", "kubelet"]);
        expect(bins("master", "apiserver")).toEqual(["kube-apiserver"]);
        expect(bins("master", "scheduler")).toEqual(["kube-scheduler"]);
        // ps -C matches the kernel's 15-character command name
        expect(bins("master", "controllermanager")).toContain("kube-controller");
        expect(bins("master", "etcd")).toEqual(["etcd"]);
        expect(bins("master", "kubelet")).toEqual(["kubelet"]);
        expect(c.etcd.components).toEqual(["etcd"]);
        expect(bins("etcd", "etcd")).toEqual(["etcd"]);
        expect(c.controlplane.components).toEqual(["apiserver"]);
        expect(bins("controlplane", "apiserver")).toEqual(["kube-apiserver"]);
        expect(c.node.components).toEqual(["kubelet", "proxy"]);
        expect(bins("node", "kubelet")).toEqual(["kubelet"]);
        expect(bins("node", "proxy")).toEqual(["kube-proxy"]);
        expect(c.policies.components).toEqual([]);
        // a master without etcd (dedicated topology) and a node without kube-proxy are still checked
        expect((c.master.etcd as { optional?: boolean }).optional).toBe(true);
        expect((c.node.proxy as { optional?: boolean }).optional).toBe(true);
        expect((c.etcd.etcd as { optional?: boolean }).optional).toBeUndefined();
    });

    it("holds the mappings kube-bench needs when it reads no cfg/config.yaml", () => {
        const c = parsed() as unknown as { version_mapping: Record<string, string>; target_mapping: Record<string, string[]> };
        expect(c.version_mapping).toEqual({ "1.32": "cis-1.12" });
        expect(Object.keys(c.version_mapping).every((k) => typeof k === "string")).toBe(true);
        expect(c.target_mapping).toEqual({ "cis-1.12": ["master", "node", "controlplane", "etcd", "policies"] });
    });
});
