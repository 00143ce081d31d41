import * as pulumi from "@pulumi/pulumi";
import { recordedRead } from "./dynamic";

/**
 * The rules a change to a running cluster must follow, checked against what the stack last
 * deployed, before anything is touched (`check` runs in `pulumi preview` and at the start of
 * `pulumi up`; a refusal fails the run with every reason):
 * - Kubernetes and etcd move one minor version at a time and never down a minor (patch releases
 *   freely). The order inside one update is fixed by the components: etcd first, then the control
 *   plane one master at a time, then the workers' binaries and kubelets, so kubelets are never
 *   newer than the apiservers.
 * - The certificate authorities are never replaced by a configuration change: ha-kubernetes cannot
 *   rotate a CA without downtime (every member, master and node would have to trust both CAs
 *   while the leaves are re-issued), so a change that would replace them is refused with that reason.
 */

/** What the program passes (and the provider receives: all plain values). */
export interface UpgradePolicyArgs {
    /** `1.MINOR.PATCH`. */
    readonly kubernetesVersion: string;
    /** `3.MINOR.PATCH`. */
    readonly etcdVersion: string;
    /** Every setting whose change would replace the CAs (name → value). */
    readonly caSettings: Readonly<Record<string, string>>;
}

export type UpgradePolicyInputs = { readonly [K in keyof UpgradePolicyArgs]: pulumi.Input<UpgradePolicyArgs[K]> };

/** `[major, minor, patch]`, or undefined when it is no version. Pure. */
export function parseVersion(v: string | undefined): [number, number, number] | undefined {
    const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v ?? "");
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Why moving `what` from `from` to `to` is refused, or undefined. Pure. */
export function versionStepProblem(what: string, from: string | undefined, to: string): string | undefined {
    const a = parseVersion(from);
    const b = parseVersion(to);
    if (!a || !b) return undefined;
    if (a[0] !== b[0]) return `${what} ${from} → ${to} changes the major version; not supported`;
    if (b[1] > a[1] + 1)
        return `${what} ${from} → ${to} skips minor version${b[1] - a[1] > 2 ? "s" : ""} ${Array.from({ length: b[1] - a[1] - 1 }, (_, i) => `${a[0]}.${a[1] + 1 + i}`).join(", ")}: upgrade one minor version at a time`;
    if (b[1] < a[1]) return `${what} ${from} → ${to} is a minor downgrade; not supported (restore from a backup instead)`;
    return undefined;
}

/** Every refusal for going from `olds` (last deployed; empty on first deploy) to `news`. Pure. */
export function policyProblems(olds: Partial<UpgradePolicyArgs>, news: UpgradePolicyArgs): pulumi.dynamic.CheckFailure[] {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const k = versionStepProblem("Kubernetes", olds.kubernetesVersion, news.kubernetesVersion);
    if (k) failures.push({ property: "kubernetesVersion", reason: k });
    const e = versionStepProblem("etcd", olds.etcdVersion, news.etcdVersion);
    if (e) failures.push({ property: "etcdVersion", reason: e });
    if (olds.caSettings) {
        const changed = Object.keys({ ...olds.caSettings, ...news.caSettings })
            .sort()
            .filter((s) => olds.caSettings![s] !== news.caSettings[s]);
        if (changed.length > 0) {
            failures.push({
                property: "caSettings",
                reason:
                    `changing ${changed.map((s) => `${s} (${olds.caSettings![s] ?? "unset"} → ${news.caSettings[s] ?? "unset"})`).join(", ")} would replace the cluster's certificate authorities; ` +
                    "ha-kubernetes cannot rotate a CA without downtime. Put the old value back, or rebuild the cluster (pulumi destroy, then pulumi up)",
            });
        }
    }
    return failures;
}

/** The dynamic provider; captures nothing but the pure helpers above. */
export const upgradePolicyProvider: pulumi.dynamic.ResourceProvider<UpgradePolicyArgs, UpgradePolicyArgs> = {
    async check(olds, news) {
        // olds: the inputs last deployed (empty on create)
        return { inputs: news, failures: policyProblems(olds, news) };
    },
    async diff(_id, olds, news) {
        const changes =
            olds.kubernetesVersion !== news.kubernetesVersion || olds.etcdVersion !== news.etcdVersion || JSON.stringify(olds.caSettings) !== JSON.stringify(news.caSettings);
        return { changes, replaces: [], deleteBeforeReplace: false };
    },
    async create(inputs) {
        return { id: "upgrade-policy", outs: inputs };
    },
    async update(_id, _olds, news) {
        return { outs: news };
    },
    read: recordedRead("the upgrade policy is"),
};

/** Versions and CA settings as last deployed; refuses a skipped minor, a downgrade or a CA replacement. */
export class UpgradePolicy extends pulumi.dynamic.Resource {
    declare public readonly kubernetesVersion: pulumi.Output<string>;

    constructor(name: string, args: UpgradePolicyInputs, opts?: pulumi.CustomResourceOptions) {
        super(upgradePolicyProvider, name, args, opts, "ha-kubernetes", "UpgradePolicy");
    }
}
