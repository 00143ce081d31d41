import { PATHS, UNITS } from "../../../components/render/paths";

function leaves(o: object, prefix = ""): Array<[string, string]> {
    return Object.entries(o).flatMap(([k, v]) => (typeof v === "string" ? [[prefix + k, v] as [string, string]] : typeof v === "object" ? leaves(v, `${prefix}${k}.`) : []));
}

describe("PATHS", () => {
    it("holds absolute, whitespace-free paths", () => {
        for (const [k, v] of leaves(PATHS)) {
            if (k === "node.containerdSocket") {
                expect(v).toBe("unix:///run/containerd/containerd.sock");
                continue;
            }
            expect(v).toMatch(/^\/[A-Za-z0-9._/-]+$/);
        }
    });

    it("follows the host layout contract", () => {
        expect(PATHS.etcd.env).toBe("/etc/etcd/etcd.env");
        expect(PATHS.etcd.dataDir).toBe("/var/lib/etcd");
        expect(PATHS.kubernetes.ca).toBe("/etc/kubernetes/pki/ca.crt");
        expect(PATHS.kubernetes.encryptionConfig).toBe("/etc/kubernetes/encryption-config.yaml");
        expect(PATHS.node.kubeletConfig).toBe("/var/lib/kubelet/config.yaml");
        expect(PATHS.node.cniBinDir).toBe("/usr/lib/cni");
        expect(PATHS.lb.haproxyConfig).toBe("/etc/haproxy/haproxy.cfg");
        expect(PATHS.bin.kubeApiserver).toBe("/usr/local/bin/kube-apiserver");
    });

    it("names unit files", () => {
        expect(PATHS.unit(UNITS.apiserver)).toBe("/etc/systemd/system/kube-apiserver.service");
        expect(PATHS.unit(UNITS.podRoutes)).toBe("/etc/systemd/system/ha-kubernetes-pod-routes.service");
        expect(() => PATHS.unit("../etc/passwd")).toThrow(/unit name/);
        expect(() => PATHS.unit("etcd.service")).toThrow(/unit name/);
    });
});
