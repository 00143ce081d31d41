import { execFileSync } from "child_process";
import * as path from "path";
import { deployCluster, dependsOnNames, installMocks, Recorded, SECRET_MARKS } from "./mocks";
import { SshArgs } from "../../components/config";
import { clusterHosts } from "../../components/connection";
import { UPLOAD_DIR } from "../../components/upload";
import { asRoot } from "../../lib/shell";
import { baseCluster, TEST_SSH_KEY, TEST_SSH_KEY_MARK } from "./fixtures";

const seen = installMocks();

/** Local binaries, an image archive, /etc/hosts lines and snapshot copies: every kind of remote resource. */
const cluster = (ssh: SshArgs) =>
    baseCluster({
        ssh,
        artifacts: { source: "local", directory: "/bundle", sha256: baseCluster().artifacts!.sha256 },
        nodes: { imageArchives: [path.join(__dirname, "fixtures", "images", "tiny.tar")], extraHosts: [{ address: "10.213.0.41", names: ["registry.lab.internal"] }] },
        etcd: { snapshotCopyDirectory: "/tmp/hak-snapshots" },
    });

const SUDO = "sudo -n -- sh -c ";
/** The script inside `sudo -n -- sh -c '<script>'`, unquoted by a shell. */
const inner = (s: string): string => {
    expect(s.startsWith(SUDO)).toBe(true);
    return execFileSync("/bin/sh", ["-c", `printf '%s' ${s.slice(SUDO.length)}`], { encoding: "utf8" });
};
const ofType = (res: Map<string, Recorded>, type: string) => [...res.values()].filter((r) => r.type === type);
const SCRIPTS = ["create", "update", "delete"] as const;

/** Every object in `v` that is an SSH connection (it has a host and a private key). */
function connections(v: unknown): Record<string, unknown>[] {
    if (Array.isArray(v)) return v.flatMap(connections);
    if (!v || typeof v !== "object") return [];
    const o = v as Record<string, unknown>;
    return [...("host" in o && "privateKey" in o ? [o] : []), ...Object.values(o).flatMap(connections)];
}

describe("ssh.become: sudo — a login user other than root", () => {
    let root: Map<string, Recorded>;
    let sudo: Map<string, Recorded>;
    beforeAll(async () => {
        root = (await deployCluster(seen, cluster({ user: "root", privateKey: TEST_SSH_KEY }))).res;
        sudo = (await deployCluster(seen, cluster({ user: "deploy", become: "sudo", privateKey: TEST_SSH_KEY }))).res;
    }, 600_000);

    it("runs every Command's create, update and delete through sudo -n -- sh -c, the script inside as the root login's", () => {
        const commands = ofType(sudo, "command:remote:Command");
        expect(commands.length).toBeGreaterThan(60);
        let wrapped = 0;
        for (const c of commands) {
            const plain = root.get(c.name);
            for (const k of SCRIPTS) {
                if (c.inputs[k] === undefined) continue;
                const script = inner(c.inputs[k]);
                wrapped++;
                // the upload steps and the packages' removal are the only scripts that differ (below)
                if (c.name.includes("-place-")) continue;
                if (c.name.includes("-stage-")) expect(script).toBe(`set -eu\n${plain!.inputs[k]}\ninstall -d -m 0700 -o "\${SUDO_USER:?}" '${UPLOAD_DIR}'`);
                else if (k === "delete" && c.name.endsWith("-base")) expect(script).toContain(`rm -rf -- '${UPLOAD_DIR}'`);
                else expect({ name: c.name, k, script }).toEqual({ name: c.name, k, script: plain!.inputs[k] });
            }
            // @pulumi/command's connection stays its own schema
            expect(c.inputs.connection.become).toBeUndefined();
            expect(c.inputs.connection.user).toBe("deploy");
        }
        expect(wrapped).toBeGreaterThan(commands.length);
        // the same Commands as the root login's, and one place step per upload
        const uploads = ofType(sudo, "command:remote:CopyToRemote").map((u) => u.name.replace("-upload-", "-place-"));
        expect(commands.map((c) => c.name).sort()).toEqual([...ofType(root, "command:remote:Command").map((c) => c.name), ...uploads].sort());
        expect(asRoot("x", "sudo")).toBe(`${SUDO}'x'`);
    });

    it("every dynamic provider reaches its host with become: sudo (files, /etc/hosts lines, services, objects, gates, drains, etcd membership, rotation, preflight, snapshots)", () => {
        const dynamic = [...sudo.values()].filter((r) => !r.type.startsWith("command:"));
        const found = dynamic.flatMap((r) => connections(r.inputs).map((c) => ({ type: r.type.split(":").pop(), become: c.become, user: c.user })));
        expect(found.length).toBeGreaterThan(150);
        expect(found.filter((c) => c.become !== "sudo" || c.user !== "deploy")).toEqual([]);
        const types = new Set(found.map((c) => c.type));
        for (const t of [
            "ManagedFile",
            "ManagedBlock",
            "ManagedService",
            "KubernetesObject",
            "HostPreflight",
            "EncryptionRotation",
            "EtcdJoin",
            "EtcdLeave",
            "NodeMembership",
            "EtcdSnapshotCopy",
        ])
            expect(types).toContain(t);
        // and nothing of it without become
        expect(JSON.stringify([...root.values()].map((r) => r.inputs))).not.toContain('"become"');
    });

    it("uploads as the login user into its own directory, then moves each file into place as root 0600 before anything uses it", () => {
        const uploads = ofType(sudo, "command:remote:CopyToRemote");
        expect(uploads.length).toBeGreaterThan(10);
        for (const u of uploads) {
            const plain = root.get(u.name)!;
            expect(u.inputs.remotePath).toBe(`${UPLOAD_DIR}/${u.name.replace("-upload-", "-")}`);
            const place = sudo.get(u.name.replace("-upload-", "-place-"))!;
            expect(dependsOnNames(place)).toContain(u.name);
            const script = inner(place.inputs.create);
            expect(script).toContain(`install -m 0600 -o root -g root -- '${u.inputs.remotePath}' "$tmp"`);
            expect(script).toContain(`mv -f -- "$tmp" '${plain.inputs.remotePath}'`);
            expect(script).toContain("sha256sum -c --status");
            expect(place.inputs.triggers).toEqual(u.inputs.triggers);
        }
        // what reads the files waits for them to be in place
        expect(dependsOnNames(sudo.get("lab-workers-w1-bin-kubelet"))).toContain("lab-workers-w1-place-kubelet");
        expect(dependsOnNames(sudo.get("lab-workers-w1-node-restart"))).toContain("lab-workers-w1-place-image-tiny");
    });

    it("keeps secrets on stdin: the break-glass kubeconfig reaches kubectl on stdin through sudo; no secret on any command line", () => {
        const bindings = sudo.get("lab-cp-m1-admin-bindings")!;
        expect(bindings.inputs.stdin).toContain("client-key-data");
        expect(inner(bindings.inputs.create)).toBe(root.get("lab-cp-m1-admin-bindings")!.inputs.create);
        for (const c of [...ofType(sudo, "command:remote:Command"), ...ofType(sudo, "command:remote:CopyToRemote")]) {
            const visible = JSON.stringify([c.inputs.create, c.inputs.update, c.inputs.delete, c.inputs.environment, c.inputs.triggers, c.inputs.remotePath]);
            for (const s of [...SECRET_MARKS, TEST_SSH_KEY_MARK]) expect({ name: c.name, leaks: visible.includes(s) ? s : null }).toEqual({ name: c.name, leaks: null });
        }
    });

    it("per host: hosts[].ssh.become applies to that host alone", () => {
        const hosts = clusterHosts(
            [
                { name: "m1", address: "10.0.0.11", roles: ["master"], ssh: { user: "deploy", become: "sudo" } },
                { name: "m2", address: "10.0.0.12", roles: ["master"] },
            ],
            { user: "root", privateKey: TEST_SSH_KEY },
        );
        expect(hosts.map((h) => [h.name, h.become])).toEqual([
            ["m1", "sudo"],
            ["m2", undefined],
        ]);
        expect(clusterHosts([{ name: "m2", address: "10.0.0.12", roles: ["master"] }], { user: "deploy", become: "sudo", privateKey: TEST_SSH_KEY })[0].become).toBe("sudo");
    });
});
