import * as pulumi from "@pulumi/pulumi";
import { createRequire } from "module";
import * as path from "path";
import { encryptionRotationProvider } from "../../../providers/encryptionRotation";
import { etcdJoinProvider } from "../../../providers/etcdJoin";
import { etcdLeaveProvider } from "../../../providers/etcdLeave";
import { etcdSnapshotCopyProvider } from "../../../providers/etcdSnapshotCopy";
import { hostPreflightProvider } from "../../../providers/hostPreflight";
import { kubernetesObjectProvider } from "../../../providers/kubernetesObject";
import { managedBlockProvider } from "../../../providers/managedBlock";
import { managedFileProvider } from "../../../providers/managedFile";
import { managedServiceProvider } from "../../../providers/managedService";
import { nodeDrainProvider } from "../../../providers/nodeDrain";
import { nodeMembershipProvider } from "../../../providers/nodeMembership";
import { podCidrAllocationProvider } from "../../../providers/podCidrAllocation";
import { upgradePolicyProvider } from "../../../providers/upgradePolicy";

/**
 * Dynamic providers run from their serialized text inside Pulumi's dynamic-provider host, where
 * only package names resolve (a relative import inside a method does not). Loads each provider the
 * way that host does and uses it.
 */
async function asTheHostLoadsIt<T>(provider: T): Promise<T> {
    const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    const host = require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js");
    const mod = { exports: {} as Record<string, () => T> };
    new Function("exports", "require", "module", "__filename", "__dirname", sf.text)(mod.exports, createRequire(host), mod, host, path.dirname(host));
    return mod.exports[sf.exportName]();
}

describe("dynamic providers, serialized", () => {
    it.each([
        ["EncryptionRotation", encryptionRotationProvider],
        ["EtcdJoin", etcdJoinProvider],
        ["EtcdLeave", etcdLeaveProvider],
        ["EtcdSnapshotCopy", etcdSnapshotCopyProvider],
        ["HostPreflight", hostPreflightProvider],
        ["KubernetesObject", kubernetesObjectProvider],
        ["ManagedBlock", managedBlockProvider],
        ["ManagedFile", managedFileProvider],
        ["ManagedService", managedServiceProvider],
        ["NodeDrain", nodeDrainProvider],
        ["NodeMembership", nodeMembershipProvider],
        ["PodCidrAllocation", podCidrAllocationProvider],
        ["UpgradePolicy", upgradePolicyProvider],
    ] as const)("%s loads in the provider host with all its methods", async (_name, provider) => {
        const loaded = await asTheHostLoadsIt(provider as object);
        expect(Object.keys(loaded).sort()).toEqual(Object.keys(provider).sort());
        for (const k of Object.keys(loaded)) expect(typeof (loaded as Record<string, unknown>)[k]).toBe("function");
    });

    it("PodCidrAllocation allocates from its serialized text", async () => {
        const p = await asTheHostLoadsIt(podCidrAllocationProvider);
        const r = await p.create!({ nodes: [{ name: "w1" }, { name: "w2" }], podCidr: "10.244.0.0/16", maskSize: 24 });
        expect(r.outs!.allocations).toEqual({ w1: "10.244.0.0/24", w2: "10.244.1.0/24" });
    });

    it("the pure scripts travel with the providers that use them", async () => {
        const m = await asTheHostLoadsIt(managedServiceProvider);
        expect(
            await m.diff!(
                "x",
                { host: "w1", connection: { host: "10.0.0.1" }, unit: "kubelet", active: false, enabled: true },
                { host: "w1", connection: { host: "10.0.0.1" }, unit: "kubelet" },
            ),
        ).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
        const b = await asTheHostLoadsIt(managedBlockProvider);
        const block = { host: "w1", connection: { host: "10.0.0.1" }, path: "/etc/hosts", content: "10.0.0.9\tr\n" };
        expect(await b.diff!("x", { ...block, sha256: "", exists: false }, block)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
        expect((await b.check!(block, { ...block, content: "no newline" })).failures).toHaveLength(1);
        const n = await asTheHostLoadsIt(nodeMembershipProvider);
        const args = { host: "m1", connection: { host: "10.0.0.11" }, node: "w1", kubectl: "/k", kubeconfig: "/c", timeoutSec: 5, revision: "a" };
        expect(await n.diff!("x", { ...args, ready: true }, { ...args, revision: "b" })).toMatchObject({ changes: true, replaces: [] });
        const u = await asTheHostLoadsIt(upgradePolicyProvider);
        const v = { kubernetesVersion: "1.35.4", etcdVersion: "3.6.6", caSettings: {} };
        expect((await u.check!(v, { ...v, kubernetesVersion: "1.37.0" })).failures).toHaveLength(1);
        const l = await asTheHostLoadsIt(etcdLeaveProvider);
        const members = [{ name: "e1", peerUrl: "https://10.0.0.1:2380" }];
        expect(await l.diff!("x", { members, seeds: [], etcdctl: "e", removed: [] }, { members: [], seeds: [], etcdctl: "e" })).toMatchObject({ changes: true });
        const c = await asTheHostLoadsIt(etcdSnapshotCopyProvider);
        const copy = { host: "e1", connection: { host: "10.0.0.1" }, member: "e1", remoteDirectory: "/r", localDirectory: "/l", keep: 5, trigger: "a" };
        expect(await c.diff!("x", { ...copy, copied: "", sha256: "" }, { ...copy, trigger: "b" })).toMatchObject({ changes: true });
        const k = await asTheHostLoadsIt(kubernetesObjectProvider);
        const obj = {
            host: "m1",
            connection: { host: "10.0.0.11" },
            identity: { apiVersion: "v1", kind: "ConfigMap", name: "a", namespace: "n" },
            manifest: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "n" } }),
            fieldManager: "ha-kubernetes",
            kubectl: "/k",
            kubeconfig: "/c",
            timeoutSec: 5,
        };
        expect(await k.diff!("x", { ...obj, present: true, inSync: false }, obj)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
        expect((await k.check!(obj, obj)).failures).toEqual([]);
    });
});
