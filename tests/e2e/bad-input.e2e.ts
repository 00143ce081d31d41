/**
 * Bad input changes nothing on any host: an even etcd count is refused before any resource (printed
 * as the list of problems and nothing else), an
 * unreachable host, a login user without passwordless sudo (ssh.become: sudo) and a wrong SSH key
 * stop the run at the host preflight, with a message naming the host and the reason, before any
 * remote command ran anywhere.
 */
import { Stack } from "@pulumi/pulumi/automation";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Inventory, labDown, ssh, sshOk } from "./lab";
import { freshLab, labConfig, labNodeSettings, labStack, setSecretFromFile } from "./stack";

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

    it("stops at the preflight when hosts lack what their roles need, every host's problems in one error", async () => {
        // Hosts as users' hosts go wrong: w1 runs Debian 11, something holds etcd's client port on
        // m2, m3's clock is an hour ahead, w1 has swap (its /proc/swaps as a host with a swap file
        // shows it); and floors no host meets (config). The lab restores each afterwards.
        const faults: [string, string, string][] = [
            [
                "w1",
                `cp -P /etc/os-release /etc/os-release.hak-saved && sed 's/^VERSION_ID=.*/VERSION_ID="11"/' /usr/lib/os-release > /etc/os-release.hak && mv -f /etc/os-release.hak /etc/os-release`,
                "mv -f /etc/os-release.hak-saved /etc/os-release",
            ],
            // (a minimal host has no socat or nc: systemd itself listens, as socket activation does)
            ["m2", "systemd-run --quiet --unit=hak-squatter --socket-property=ListenStream=2379 /bin/true", "systemctl stop hak-squatter.socket"],
            [
                "m3",
                `printf '#!/bin/sh\\nexec /usr/bin/date -d "@$(( $(/usr/bin/date +%%s) + 3600 ))" "$@"\\n' > /usr/local/bin/date && chmod 755 /usr/local/bin/date`,
                "rm -f /usr/local/bin/date",
            ],
            [
                "w1",
                `printf 'Filename Type Size Used Priority\\n/swapfile file 1048572 0 -2\\n' > /run/hak-swaps && mount --bind /run/hak-swaps /proc/swaps`,
                "umount /proc/swaps; rm -f /run/hak-swaps",
            ],
        ];
        // the lab's own node settings, but the kubelet's default failSwapOn (true): swap is refused
        const nodes = { ...labNodeSettings(), kubeletExtraConfig: { failCgroupV1: false } };
        const cfg = labConfig(inv, {
            lbMode: "haproxy-keepalived",
            vip: "10.213.0.100",
            extra: { nodes, preflight: { minMemoryMiB: 100_000_000, minVarLibFreeMiB: 100_000_000_000 } },
        });
        await stack!.setAllConfig(cfg);
        const undo: [string, string][] = [];
        const w1Before = sshOk(inv, "w1", "wc -l < /proc/swaps; . /etc/os-release; echo $VERSION_ID");
        try {
            for (const [h, make, restore] of faults) {
                sshOk(inv, h, make);
                undo.unshift([h, restore]);
            }
            expect(sshOk(inv, "m3", "date +%s").trim()).not.toBe(String(Math.floor(Date.now() / 1000)));
            const err = await upError(stack!);
            expect(err).toContain("host preflight failed; nothing was changed on any host");
            const line = (h: string) => (new RegExp(`^\\s*${h} \\(10\\.213\\.0\\.\\d+\\): (.*)$`, "m").exec(err) ?? [])[1] ?? "";
            expect(line("w1")).toContain("debian 11 is not a supported release (debian 12, debian 13)");
            expect(line("w1")).toMatch(/swap is on \(\d+ area\(s\) in \/proc\/swaps\)/);
            expect(line("m2")).toContain("port 2379 (etcd client) is in use by systemd");
            // (measured against the median host's clock: any host but m3)
            expect(line("m3")).toMatch(/clock ahead of (m1|m2|w1)'s by at least 3\d\d\d\.\d s/);
            for (const h of all) {
                expect(line(h)).toMatch(/MiB of memory, below the floor of 100000000 MiB/);
                expect(line(h)).toMatch(/MiB free under \/var\/lib, below the floor of 100000000000 MiB/);
            }
            expect(line("m1")).not.toMatch(/release|swap|port|clock/);
        } finally {
            for (const [h, restore] of undo) ssh(inv, h, restore);
        }
        expectUntouched(all);
        expect(sshOk(inv, "w1", "wc -l < /proc/swaps; . /etc/os-release; echo $VERSION_ID")).toBe(w1Before);
    });

    it("stops at the preflight on a stale SSH_AUTH_SOCK, naming it", async () => {
        await stack!.setAllConfig(labConfig(inv, { lbMode: "haproxy-keepalived", vip: "10.213.0.100" }));
        const had = process.env.SSH_AUTH_SOCK;
        process.env.SSH_AUTH_SOCK = path.join(tmp, "agent-gone.sock");
        try {
            const err = await upError(stack!);
            expect(err).toContain("host preflight failed; nothing was changed on any host");
            expect(err).toMatch(/SSH_AUTH_SOCK=\S*agent-gone\.sock: no SSH agent answers there/);
        } finally {
            if (had === undefined) delete process.env.SSH_AUTH_SOCK;
            else process.env.SSH_AUTH_SOCK = had;
        }
        expectUntouched(all);
    });

    it("stops at the preflight when the login user cannot run sudo without a password, naming host and user", async () => {
        // the lab's user with the key and no sudoers entry, as the product's login user (ssh.become: sudo)
        await stack!.setAllConfig(labConfig(inv, { lbMode: "haproxy-keepalived", vip: "10.213.0.100", login: { user: inv.plainUser, become: "sudo" } }));
        const err = await upError(stack!);
        expect(err).toContain("host preflight failed; nothing was changed on any host");
        for (const h of inv.hosts)
            expect(err).toMatch(
                new RegExp(`${h.name} \\(${h.address.replace(/\./g, "\\.")}\\): user ${inv.plainUser} cannot run sudo without a password \\(sudo -n true failed\\)`),
            );
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
