import {
    CONTROLLER_MANAGER_PROTECTED_FLAGS,
    ControllerManagerSpec,
    controllerManagerFlags,
    renderControllerManagerEnv,
    renderControllerManagerUnit,
} from "../../../components/render/controllerManager";
import { envVar, envVars, expectEntries, flagMap } from "./controlPlaneFixtures";
import { expectStaticUnit } from "./nodeRenderHelpers";

const spec: ControllerManagerSpec = {
    clusterName: "ha-kubernetes",
    serviceClusterIpRange: "10.96.0.0/12",
    allocateNodeCidrs: true,
    clusterCidr: "10.244.0.0/16",
    nodeCidrMaskSize: 24,
};

function flags(s: ControllerManagerSpec): Map<string, string> {
    return flagMap(envVar(renderControllerManagerEnv(s), "KUBE_CONTROLLER_MANAGER_ARGS"));
}

describe("renderControllerManagerUnit", () => {
    it("matches the snapshot", () => {
        expectStaticUnit(renderControllerManagerUnit(), "/etc/kubernetes/kube-controller-manager.env", "/usr/local/bin/kube-controller-manager $KUBE_CONTROLLER_MANAGER_ARGS");
    });
});

describe("renderControllerManagerEnv", () => {
    it("matches the snapshot", () => {
        expect(renderControllerManagerEnv(spec)).toMatchSnapshot("with node CIDRs");
        expect(renderControllerManagerEnv({ clusterName: "ha-kubernetes", serviceClusterIpRange: "10.96.0.0/12", allocateNodeCidrs: false })).toMatchSnapshot("without node CIDRs");
    });

    it("sets the expected flags", () => {
        expect(envVars(renderControllerManagerEnv(spec)).map(([k]) => k)).toEqual(["KUBE_CONTROLLER_MANAGER_ARGS"]);
        const f = flags(spec);
        for (const k of ["kubeconfig", "authentication-kubeconfig", "authorization-kubeconfig"]) expect(f.get(k)).toBe("/etc/kubernetes/controller-manager.kubeconfig");
        expectEntries(f, {
            "bind-address": "127.0.0.1",
            "leader-elect": "true",
            "root-ca-file": "/etc/kubernetes/pki/ca.crt",
            "service-account-private-key-file": "/etc/kubernetes/pki/sa.key",
            "use-service-account-credentials": "true",
            controllers: "*,bootstrapsigner,tokencleaner",
            "cluster-name": "ha-kubernetes",
            "service-cluster-ip-range": "10.96.0.0/12",
            "allocate-node-cidrs": "true",
            "cluster-cidr": "10.244.0.0/16",
            "node-cidr-mask-size": "24",
            profiling: "false",
        });
    });

    it("has no CSR signing: the CA key never leaves Pulumi state", () => {
        expect(renderControllerManagerEnv(spec)).not.toMatch(/cluster-signing|ca\.key/);
        expect(() => controllerManagerFlags({ ...spec, extraArgs: { "cluster-signing-key-file": "/etc/kubernetes/pki/ca.key" } })).toThrow(/never leaves Pulumi state/);
        expect(() => controllerManagerFlags({ ...spec, extraArgs: { "cluster-signing-duration": "8760h" } })).toThrow(/never leaves Pulumi state/);
    });

    it("omits pod CIDR flags without allocateNodeCidrs", () => {
        const f = flags({ ...spec, allocateNodeCidrs: false });
        expect(f.get("allocate-node-cidrs")).toBe("false");
        expect(f.has("cluster-cidr")).toBe(false);
        expect(f.has("node-cidr-mask-size")).toBe(false);
    });

    it("lets extraArgs replace non-critical flags only", () => {
        const f = flags({ ...spec, extraArgs: { "terminated-pod-gc-threshold": "100", profiling: "true" } });
        expect(f.get("terminated-pod-gc-threshold")).toBe("100");
        expect(f.get("profiling")).toBe("true");
        for (const name of Object.keys(CONTROLLER_MANAGER_PROTECTED_FLAGS)) {
            expect(() => controllerManagerFlags({ ...spec, extraArgs: { [name]: "x" } })).toThrow(/cannot be overridden/);
        }
        expect(() => controllerManagerFlags({ ...spec, extraArgs: { "cluster-cidr": "10.0.0.0/8" } })).toThrow(/spec field clusterCidr/);
    });

    it("rejects bad specs", () => {
        expect(() => renderControllerManagerEnv({ ...spec, clusterCidr: undefined })).toThrow(/needs clusterCidr/);
        expect(() => renderControllerManagerEnv({ ...spec, clusterCidr: "10.96.0.0/16" })).toThrow(/overlaps the service range/);
        expect(() => renderControllerManagerEnv({ ...spec, clusterCidr: "10.0.0.0/8" })).toThrow(/overlaps/);
        expect(() => renderControllerManagerEnv({ ...spec, nodeCidrMaskSize: 16 })).toThrow(/mask size/);
        expect(() => renderControllerManagerEnv({ ...spec, clusterCidr: "10.0.0.0/7", serviceClusterIpRange: "172.16.0.0/16" })).toThrow(/16 bits longer/);
        expect(() => renderControllerManagerEnv({ ...spec, clusterCidr: "fd00::/48" })).toThrow(/IPv4/);
        expect(() => renderControllerManagerEnv({ ...spec, serviceClusterIpRange: "nope" })).toThrow(/CIDR/);
        expect(() => renderControllerManagerEnv({ ...spec, clusterName: "my cluster" })).toThrow(/cluster name/);
    });
});
