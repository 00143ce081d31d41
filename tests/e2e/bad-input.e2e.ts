/**
 * Bad input changes nothing on any host: an even etcd count is refused before any resource (printed
 * as the list of problems and nothing else), an
 * unreachable host and a wrong SSH key stop the run at the host preflight, with a message naming
 * the host and the reason, before any remote command ran anywhere.
 */
import { Stack } from "@pulumi/pulumi/automation";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Inventory, labDown, ssh } from "./lab";
import { freshLab, labConfig, labStack, setSecretFromFile } from "./stack";

let inv: Inventory;
let stack: Stack | undefined;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hak-bad-"));

/** What the product would have left on a host, if anything. */
const TRACES = [
    "/etc/kubernetes",
    "/etc/etcd",
    "/var/lib/etcd",
    "/var/lib/kubelet",
    "/usr/local/bin/etcd",
    "/usr/local/bin/kubelet",
    "/etc/haproxy/haproxy.cfg.ha-kubernetes-orig",
];

function expectUntouched(hosts: string[]): void {
    for (const h of hosts) {
        const r = ssh(inv, h, `for p in ${TRACES.join(" ")}; do test -e "$p" && echo "$p"; done; true`);
        expect(r.code).toBe(0);
        expect({ host: h, found: r.out.trim() }).toEqual({ host: h, found: "" });
    }
}

/** Runs `pulumi up` and returns its error message (fails the test when it succeeds). */
async function upError(s: Stack): Promise<string> {
    const r = await s.up().then(
        () => "",
        (e: Error) => e.message,
    );
    expect(r).not.toBe("");
    return r;
}

beforeAll(async () => {
    inv = freshLab("e2e-bad-input", { masters: 3, workers: 1 });
});

afterAll(async () => {
    if (stack) await stack.destroy().catch((e) => process.stdout.write(`destroy failed: ${e}\n`));
    fs.rmSync(tmp, { recursive: true, force: true });
    if (process.env.HA_K8S_E2E_KEEP !== "1") labDown();
});

describe("bad input changes nothing on any host", () => {
    const all = ["m1", "m2", "m3", "w1"];

    it("refuses an even etcd count before creating any resource", async () => {
        const two = { ...inv, hosts: inv.hosts.filter((h) => h.name !== "m3") };
        stack = await labStack("e2e-bad-input", labConfig(two, { lbMode: "haproxy-keepalived", vip: "10.213.0.100" }));
        const err = await stack.preview().then(
            () => "",
            (e: Error) => e.message,
        );
        // the engine's diagnostics are the list of problems, each with its config key, and nothing
        // else: no "unhandled exception", no stack trace, no second copy of the list (the error
        // holds the CLI's output twice, as stderr and as the cause)
        const at = err.indexOf("Diagnostics:");
        const diagnostics = err.slice(at, err.indexOf("Resources:", at));
        expect(diagnostics).toMatch(
            /^Diagnostics:\n\s+pulumi:pulumi:Stack \(ha-kubernetes-e2e-bad-input\):\n\s+error: the stack configuration has 1 problem; nothing was changed on any host:\n\s+ha-kubernetes:hosts: etcd needs an odd number of members \(3, 5 or 7\); stacked topology gives 2\W*$/,
        );
        expect(err).not.toMatch(/unhandled exception|^\s+at .+:\d+:\d+\)?$|InputPropertiesError|propertyPath/m);
        expect(await upError(stack)).toContain("etcd needs an odd number of members");
        const state = await stack.exportStack();
        expect((state.deployment.resources ?? []).filter((r: { type: string }) => r.type !== "pulumi:pulumi:Stack" && r.type !== "pulumi:providers:pulumi-nodejs")).toEqual([]);
        expectUntouched(all);
    });

    it("stops at the preflight when a host does not answer, naming it", async () => {
        const withGhost = { ...inv, hosts: [...inv.hosts, { name: "w9", address: "10.213.0.29", roles: ["worker"] }] };
        await stack!.setAllConfig(labConfig(withGhost, { lbMode: "haproxy-keepalived", vip: "10.213.0.100" }));
        const err = await upError(stack!);
        expect(err).toContain("host preflight failed; nothing was changed on any host");
        expect(err).toMatch(/w9 \(10\.213\.0\.29\): cannot reach root@10\.213\.0\.29:22 over SSH/);
        expect(err).not.toMatch(/\bm1 \(10\.213\.0\.11\)/);
        expectUntouched(all);
    });

    it("stops at the preflight with a wrong SSH key, naming every host", async () => {
        const key = path.join(tmp, "wrong_ed25519");
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
        // the key as README "On your own hosts" sets it: the secret sshPrivateKey, no key path
        const cfg = labConfig(inv, { lbMode: "haproxy-keepalived", vip: "10.213.0.100" });
        cfg["ha-kubernetes:ssh"] = { value: JSON.stringify({ user: inv.sshUser }) };
        await stack!.setAllConfig(cfg);
        setSecretFromFile(stack!, "ha-kubernetes:sshPrivateKey", key);
        expect((await stack!.getConfig("ha-kubernetes:sshPrivateKey")).secret).toBe(true);
        const err = await upError(stack!);
        expect(err).toContain("host preflight failed; nothing was changed on any host");
        for (const h of inv.hosts) expect(err).toMatch(new RegExp(`${h.name} \\(${h.address.replace(/\./g, "\\.")}\\): cannot reach root@.*authentication`, "i"));
        expectUntouched(all);
    });
});
