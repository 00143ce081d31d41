import YAML from "yaml";
import { renderSchedulerConfig, renderSchedulerEnv, renderSchedulerUnit } from "../../../components/render/scheduler";
import { envVar, expectEntries, flagMap } from "./controlPlaneFixtures";
import { expectStaticUnit } from "./nodeRenderHelpers";

describe("renderSchedulerUnit", () => {
    it("matches the snapshot and is static", () => {
        expectStaticUnit(renderSchedulerUnit(), "/etc/kubernetes/kube-scheduler.env", "/usr/local/bin/kube-scheduler $KUBE_SCHEDULER_ARGS");
    });
});

describe("renderSchedulerConfig", () => {
    it("matches the snapshot", () => {
        expect(renderSchedulerConfig({})).toMatchSnapshot();
    });

    it("is a KubeSchedulerConfiguration with leader election", () => {
        const text = renderSchedulerConfig();
        expect(text.startsWith("# Managed by ha-kubernetes")).toBe(true);
        const c = YAML.parse(text);
        expect(c).toEqual({
            apiVersion: "kubescheduler.config.k8s.io/v1",
            kind: "KubeSchedulerConfiguration",
            clientConnection: { kubeconfig: "/etc/kubernetes/scheduler.kubeconfig" },
            leaderElection: { leaderElect: true },
        });
        const d = YAML.parse(renderSchedulerConfig({ kubeconfigPath: "/srv/s.kubeconfig", leaderElect: false }));
        expect(d.clientConnection.kubeconfig).toBe("/srv/s.kubeconfig");
        expect(d.leaderElection.leaderElect).toBe(false);
        expect(() => renderSchedulerConfig({ kubeconfigPath: "scheduler.kubeconfig" })).toThrow(/absolute/);
    });
});

describe("renderSchedulerEnv", () => {
    it("matches the snapshot", () => {
        expect(renderSchedulerEnv({})).toMatchSnapshot();
    });

    it("binds to loopback and delegates authn/authz", () => {
        const f = flagMap(envVar(renderSchedulerEnv(), "KUBE_SCHEDULER_ARGS"));
        expectEntries(f, {
            config: "/etc/kubernetes/kube-scheduler.yaml",
            "authentication-kubeconfig": "/etc/kubernetes/scheduler.kubeconfig",
            "authorization-kubeconfig": "/etc/kubernetes/scheduler.kubeconfig",
            "bind-address": "127.0.0.1",
            profiling: "false",
        });
        expect(f.has("kubeconfig")).toBe(false);
        expect(f.has("leader-elect")).toBe(false);
    });

    it("takes extra flags but not the managed ones", () => {
        const f = flagMap(envVar(renderSchedulerEnv({ extraArgs: { v: "2", profiling: "true" } }), "KUBE_SCHEDULER_ARGS"));
        expect(f.get("v")).toBe("2");
        expect(f.get("profiling")).toBe("true");
        expect(() => renderSchedulerEnv({ extraArgs: { config: "/tmp/x.yaml" } })).toThrow(/managed/);
        expect(() => renderSchedulerEnv({ extraArgs: { "authorization-kubeconfig": "/tmp/x" } })).toThrow(/managed/);
    });
});
