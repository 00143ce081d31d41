import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ssh from "../../../providers/ssh";
import {
    applyScript,
    deleteScript,
    describeObject,
    KubernetesObjectArgs,
    kubernetesObjectProvider as p,
    manifestProblem,
    objectDiff,
    objectIdentity,
    observeScript,
    parseObservation,
} from "../../../providers/kubernetesObject";
import { onMaster } from "./standInKubectl";

/** What a dynamic provider receives for an unknown input. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "coredns", namespace: "kube-system" }, data: { Corefile: ".:53 {}" } };
const args: KubernetesObjectArgs = {
    ...onMaster,
    identity: { apiVersion: "v1", kind: "ConfigMap", name: "coredns", namespace: "kube-system" },
    manifest: JSON.stringify(cm),
    fieldManager: "ha-kubernetes",
    timeoutSec: 60,
};

/**
 * A stand-in kubectl over a directory "API": `get -f` finds the object's file, `apply` writes it
 * (recording the field manager), `diff` exits 1 when the stored object differs, `delete` removes it.
 */
function fakeApi(): { dir: string; kubectl: string; calls: () => string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-k8s-"));
    const kubectl = path.join(dir, "kubectl");
    fs.writeFileSync(
        kubectl,
        `#!/bin/sh
echo "$*" >> "${dir}/calls"
f=""; verb=""; manager=""
for a in "$@"; do
  case "$a" in
    get|apply|diff|delete) [ -z "$verb" ] && verb="$a" ;;
    --field-manager=*) manager="\${a#--field-manager=}" ;;
  esac
  [ "$prev" = "-f" ] && f="$a"; prev="$a"
done
store="${dir}/object.json"
case "$verb" in
  get) [ -n "$f" ] || { echo ok; exit 0; }
       [ -e "$store" ] || { echo 'Error from server (NotFound): configmaps "coredns" not found' >&2; exit 1; }
       echo configmap/coredns ;;
  apply) cp "$f" "$store"; echo "$manager" > "${dir}/manager"; echo "configmap/coredns serverside-applied" ;;
  diff) [ -e "$store" ] && cmp -s "$f" "$store" && exit 0; echo "-  changed"; exit 1 ;;
  delete) rm -f "$store" ;;
esac
`,
        { mode: 0o755 },
    );
    return { dir, kubectl, calls: () => fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n") };
}

const run = (script: string, stdin: string) => spawnSync("/bin/sh", ["-c", script], { input: stdin, encoding: "utf8" });

describe("KubernetesObject", () => {
    it("names objects by kind, namespace and name; refuses manifests that are not one object", () => {
        expect(describeObject(objectIdentity(args.manifest))).toBe("ConfigMap/kube-system/coredns");
        expect(describeObject(objectIdentity(JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } })))).toBe("Namespace/x");
        expect(() => objectIdentity("[1]")).toThrow(/one object/);
        expect(() => objectIdentity("{")).toThrow(/not JSON/);
        expect(() => objectIdentity(JSON.stringify({ kind: "ConfigMap", metadata: { name: "a" } }))).toThrow(/apiVersion/);
        expect(() => objectIdentity(JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: {} }))).toThrow(/metadata.name/);
    });

    it("applies, observes and deletes through a kubectl (run against a stand-in API)", () => {
        const api = fakeApi();
        try {
            const a = { ...args, kubectl: api.kubectl, timeoutSec: 2 };
            const observe = () => parseObservation(run(observeScript(a), a.manifest).stdout);
            expect(observe()).toEqual({ present: false, inSync: false });
            const applied = run(applyScript(a), a.manifest);
            expect(applied.status).toBe(0);
            expect(fs.readFileSync(path.join(api.dir, "manager"), "utf8").trim()).toBe("ha-kubernetes");
            expect(observe()).toEqual({ present: true, inSync: true });
            // someone edits the object: the dry-run apply would change it back
            fs.writeFileSync(path.join(api.dir, "object.json"), JSON.stringify({ ...cm, data: { Corefile: "edited" } }));
            expect(observe()).toEqual({ present: true, inSync: false });
            expect(run(deleteScript(a), a.manifest).status).toBe(0);
            expect(observe()).toEqual({ present: false, inSync: false });
            const calls = api.calls();
            expect(calls).toContain("--kubeconfig=/etc/kubernetes/admin.kubeconfig --request-timeout=30s get --raw=/readyz");
            expect(calls.some((c) => / apply --server-side --force-conflicts --field-manager=ha-kubernetes -f /.test(c))).toBe(true);
            expect(calls.some((c) => / diff --server-side --force-conflicts --field-manager=ha-kubernetes -f /.test(c))).toBe(true);
            expect(calls.some((c) => / delete --ignore-not-found=true --wait=false -f /.test(c))).toBe(true);
            // the manifest travels on stdin into a private temporary file, never on a command line
            expect(calls.join("\n")).not.toContain("Corefile");
        } finally {
            fs.rmSync(api.dir, { recursive: true, force: true });
        }
    });

    it("an API that does not answer fails the apply, bounded, and an unexpected check output is an error", () => {
        const api = fakeApi();
        try {
            fs.writeFileSync(api.kubectl, "#!/bin/sh\nexit 1\n", { mode: 0o755 });
            const r = run(applyScript({ ...args, kubectl: api.kubectl, timeoutSec: 1 }), args.manifest);
            expect(r.status).toBe(1);
            expect(r.stderr).toContain("timed out after 1s waiting for the Kubernetes API to answer");
            expect(run(observeScript({ ...args, kubectl: api.kubectl }), args.manifest).status).toBe(1);
            expect(() => parseObservation("")).toThrow(/unexpected output/);
        } finally {
            fs.rmSync(api.dir, { recursive: true, force: true });
        }
    });

    it("diff: another object replaces; an edit, a deletion or a new manifest updates; else no change", () => {
        const olds = { ...args, present: true, inSync: true };
        expect(objectDiff(olds, args)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
        expect(objectDiff({ ...olds, inSync: false }, args)).toMatchObject({ changes: true, replaces: [] });
        expect(objectDiff({ ...olds, present: false }, args)).toMatchObject({ changes: true, replaces: [] });
        expect(objectDiff(olds, { ...args, manifest: JSON.stringify({ ...cm, data: { Corefile: "new" } }) })).toMatchObject({ changes: true, replaces: [] });
        // another identity (name, kind, apiVersion) is another object
        expect(objectDiff(olds, { ...args, identity: { ...args.identity, name: "other" } })).toMatchObject({ changes: true, replaces: ["manifest"] });
        expect(objectDiff(olds, { ...args, identity: { ...args.identity, kind: "Secret" } })).toMatchObject({ changes: true, replaces: ["manifest"] });
        expect(objectDiff(olds, { ...args, identity: { ...args.identity, apiVersion: "v2" } })).toMatchObject({ changes: true, replaces: ["manifest"] });
        // a state from before identity was an input: its manifest's
        const { identity: _, ...older } = olds;
        expect(objectDiff(older, args)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
        // a manifest not known yet (a preview before the certificate in it exists): an update of the same object
        expect(objectDiff(olds, { ...args, manifest: UNKNOWN })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    });

    it("check: the manifest must declare the identity; one not known yet passes until it is known", async () => {
        expect(manifestProblem(args.manifest, args.identity)).toBeUndefined();
        expect(manifestProblem(UNKNOWN, args.identity)).toBeUndefined();
        expect(manifestProblem(args.manifest, { ...args.identity, name: "other" })).toMatch(/is v1 ConfigMap\/kube-system\/coredns, declared as v1 ConfigMap\/kube-system\/other/);
        expect(manifestProblem(args.manifest, { ...args.identity, apiVersion: "v2" })).toMatch(/declared as v2/);
        expect(manifestProblem("{", args.identity)).toMatch(/not JSON/);
        expect((await p.check!(args, { ...args, manifest: UNKNOWN })).failures).toEqual([]);
        expect((await p.check!(args, { ...args, identity: { ...args.identity, namespace: "other" } })).failures?.map((f) => f.property)).toEqual(["manifest"]);
        expect((await p.check!(args, { ...args, identity: undefined as never })).failures?.map((f) => f.property)).toEqual(["identity"]);
        // and nothing is applied from a manifest that does not match
        await expect(p.create!({ ...args, identity: { ...args.identity, name: "other" } })).rejects.toThrow(/declared as/);
    });

    it("provider methods run over SSH on the kubectl host with the manifest on stdin", async () => {
        const ran: Array<{ what: string; script: string; stdin?: string }> = [];
        let answer = "in-sync\n";
        const spy = jest.spyOn(ssh, "sshRun").mockImplementation(async (_t, what, script, stdin) => {
            ran.push({ what, script, stdin });
            return answer;
        });
        try {
            const created = await p.create!(args);
            expect(created).toEqual({ id: "ConfigMap/kube-system/coredns", outs: { ...args, present: true, inSync: true } });
            expect(ran[0]).toEqual({ what: "applying ConfigMap/kube-system/coredns (through m1)", script: applyScript(args), stdin: args.manifest });
            const state = { ...args, present: true, inSync: true };
            answer = "differs\n";
            expect((await p.read!(created.id, state)).props).toMatchObject({ present: true, inSync: false });
            answer = "absent\n";
            expect((await p.read!(created.id, state)).props).toMatchObject({ present: false, inSync: false });
            await p.delete!(created.id, state);
            expect(ran.map((r) => r.what)).toEqual([
                "applying ConfigMap/kube-system/coredns (through m1)",
                "checking ConfigMap/kube-system/coredns (through m1)",
                "checking ConfigMap/kube-system/coredns (through m1)",
                "deleting ConfigMap/kube-system/coredns (through m1)",
            ]);
            for (const r of ran) {
                expect(r.stdin).toBe(args.manifest);
                expect(r.script).not.toContain("Corefile");
            }
            const checked = await p.check!(args, { ...args, manifest: "{}", fieldManager: "bad manager" });
            expect(checked.failures?.map((f) => f.property)).toEqual(["manifest", "fieldManager"]);
        } finally {
            spy.mockRestore();
        }
    });
});
