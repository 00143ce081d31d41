import { Recorded } from "./mocks";
import { deleteFileScript, writeFileScript } from "../../lib/shell";
import { readConfigScript, rewriteScript, stageScript } from "../../providers/encryptionRotation";
import { staleDataScript } from "../../providers/etcdJoin";
import { memberAddScript, memberRemoveScript, probeScript } from "../../providers/etcdMembers";
import { newestSnapshotScript } from "../../providers/etcdSnapshotCopy";
import { applyScript, deleteScript, observeScript } from "../../providers/kubernetesObject";
import { statScript } from "../../providers/managedFile";
import { disableScript, enableScript, repairScript, statusScript } from "../../providers/managedService";
import { restartDrainScript } from "../../providers/nodeDrain";
import { drainScript, readyScript } from "../../providers/nodeMembership";

type Inputs = Record<string, any>;

/** The scripts each dynamic provider runs over SSH, built from a resource's inputs as the provider gets them. */
const BY_PROVIDER: Readonly<Record<string, (a: Inputs) => string[]>> = {
    ManagedFile: (a) => [writeFileScript(a.path, a.mode, true), statScript(a.path), deleteFileScript(a.path)],
    ManagedService: (a) => [statusScript(a.unit), enableScript(a.unit), repairScript(a.unit, a.host), disableScript(a.unit)],
    NodeMembership: (a) => [readyScript(a as never), drainScript(a as never)],
    NodeDrain: (a) => [restartDrainScript(a as never)],
    EtcdJoin: (a) => [staleDataScript(a.dataDir), probeScript(a.etcdctl), memberAddScript(a.etcdctl, a.member)],
    EtcdLeave: (a) => [probeScript(a.etcdctl), memberRemoveScript(a.etcdctl, "8e9e05c52164694d")],
    EtcdSnapshotCopy: (a) => [newestSnapshotScript(a.remoteDirectory, a.member)],
    EncryptionRotation: (a) => [readConfigScript(a.path), rewriteScript(a as never), ...a.masters.map((m: { host: string }) => stageScript(a as never, m.host))],
    KubernetesObject: (a) => [applyScript(a as never), observeScript(a as never), deleteScript(a as never)],
};

/** Dynamic providers that run no shell on a host (they compute, or run only static scripts). */
const NO_SCRIPTS = new Set(["PodCidrAllocation", "UpgradePolicy", "HostPreflight"]);

/**
 * Every shell text a recorded resource leads to, by a name for messages: a Command's create,
 * update and delete; a dynamic provider's scripts; a file a shell runs or sources (a script, an
 * environment file). Throws on a dynamic provider it does not know (so a new one is not missed).
 */
export function shellTexts(r: Recorded): Array<[string, string]> {
    const a = r.inputs;
    if (r.type === "command:remote:Command")
        return (["create", "update", "delete"] as const).filter((k) => typeof a[k] === "string").map((k): [string, string] => [`${r.name}.${k}`, a[k]]);
    if (!r.type.startsWith("pulumi-nodejs:dynamic/")) return [];
    const provider = r.type.slice(r.type.lastIndexOf(":") + 1);
    if (NO_SCRIPTS.has(provider)) return [];
    const scripts = BY_PROVIDER[provider];
    if (!scripts) throw new Error(`no script builders known for the dynamic provider ${provider}: add them to tests/unit/providerScripts.ts`);
    const texts = scripts(a).map((s, i): [string, string] => [`${r.name} (${provider} script ${i})`, s]);
    if (provider === "ManagedFile" && (a.mode === "0755" || /\.env$/.test(a.path))) texts.push([`${r.name} (content of ${a.path})`, a.content]);
    return texts;
}
