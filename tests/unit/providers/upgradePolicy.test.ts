import { policyProblems, upgradePolicyProvider as p, UpgradePolicyArgs, versionStepProblem } from "../../../providers/upgradePolicy";

const deployed: UpgradePolicyArgs = { kubernetesVersion: "1.35.4", etcdVersion: "3.6.6", caSettings: { clusterName: "lab", caValidityHours: "87600" } };

describe("UpgradePolicy provider", () => {
    it("accepts a first deployment, patch releases and one minor step up", async () => {
        expect((await p.check!({} as UpgradePolicyArgs, deployed)).failures).toEqual([]);
        expect((await p.check!(deployed, { ...deployed, kubernetesVersion: "1.35.9", etcdVersion: "3.6.7" })).failures).toEqual([]);
        expect((await p.check!(deployed, { ...deployed, kubernetesVersion: "1.36.0" })).failures).toEqual([]);
    });

    it("refuses a skipped minor, a minor downgrade and a major change, naming both versions", async () => {
        const r = await p.check!(deployed, { ...deployed, kubernetesVersion: "1.37.1", etcdVersion: "3.5.21" });
        expect(r.failures).toEqual([
            { property: "kubernetesVersion", reason: "Kubernetes 1.35.4 → 1.37.1 skips minor version 1.36: upgrade one minor version at a time" },
            { property: "etcdVersion", reason: "etcd 3.6.6 → 3.5.21 is a minor downgrade; not supported (restore from a backup instead)" },
        ]);
        expect(versionStepProblem("Kubernetes", "1.33.0", "1.36.0")).toContain("skips minor versions 1.34, 1.35");
        expect(versionStepProblem("etcd", "3.6.0", "4.0.0")).toContain("changes the major version");
    });

    it("refuses a change that would replace the CAs, saying rotation is not supported", async () => {
        const r = await p.check!(deployed, { ...deployed, caSettings: { clusterName: "lab", caValidityHours: "43800" } });
        expect(r.failures).toHaveLength(1);
        expect(r.failures![0].property).toBe("caSettings");
        expect(r.failures![0].reason).toMatch(
            /^changing caValidityHours \(87600 → 43800\) would replace the cluster's certificate authorities; ha-kubernetes cannot rotate a CA without downtime/,
        );
        expect(policyProblems(deployed, { ...deployed, caSettings: { ...deployed.caSettings, clusterName: "prod" } })[0].reason).toContain("clusterName (lab → prod)");
    });

    it("diff: an update when a version or CA setting changed, nothing otherwise", async () => {
        expect((await p.diff!("upgrade-policy", deployed, { ...deployed })).changes).toBe(false);
        expect((await p.diff!("upgrade-policy", deployed, { ...deployed, kubernetesVersion: "1.35.5" })).changes).toBe(true);
        expect((await p.update!("upgrade-policy", deployed, { ...deployed, kubernetesVersion: "1.35.5" })).outs).toEqual({ ...deployed, kubernetesVersion: "1.35.5" });
    });
});
