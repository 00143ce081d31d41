import { spawnSync } from "child_process";
import { POD_ROUTES_PROTO, renderPodRoutesEnv, renderPodRoutesScript, renderPodRoutesUnit } from "../../../components/render/podRoutes";
import { expectStaticUnit, fakeBin, hasIpv4, runScript, shellcheck, shSyntaxOk } from "./nodeRenderHelpers";

const routes = [
    { cidr: "10.244.1.0/24", via: "10.213.0.22" },
    { cidr: "10.244.2.0/24", via: "10.213.0.23" },
];

/** Parses an EnvironmentFile the way systemd does for our quoting (double quotes, backslash escapes). */
function envValue(file: string, name: string): string {
    const line = file.split("\n").find((l) => l.startsWith(`${name}=`))!;
    return JSON.parse(line.slice(name.length + 1));
}

describe("renderPodRoutesEnv", () => {
    it("matches the snapshot and lists every route as CIDR,GATEWAY", () => {
        const env = renderPodRoutesEnv({ routes });
        expect(env).toMatchSnapshot();
        expect(envValue(env, "POD_ROUTES")).toBe("10.244.1.0/24,10.213.0.22 10.244.2.0/24,10.213.0.23");
        expect(envValue(renderPodRoutesEnv({ routes: [] }), "POD_ROUTES")).toBe("");
    });

    it("rejects bad routes", () => {
        expect(() => renderPodRoutesEnv({ routes: [{ cidr: "10.244.1.0/33", via: "10.213.0.22" }] })).toThrow(/CIDR/);
        expect(() => renderPodRoutesEnv({ routes: [{ cidr: "10.244.1.1/24", via: "10.213.0.22" }] })).toThrow(/host bits/);
        expect(() => renderPodRoutesEnv({ routes: [{ cidr: "10.244.1.0/24", via: "10.213.0.300" }] })).toThrow(/gateway/);
        expect(() => renderPodRoutesEnv({ routes: [{ cidr: "10.244.1.0/24", via: "10.213.0.22; reboot" }] })).toThrow(/gateway/);
        expect(() => renderPodRoutesEnv({ routes: [{ cidr: "10.244.1.0/24", via: "10.244.1.5" }] })).toThrow(/inside/);
        expect(() => renderPodRoutesEnv({ routes: [routes[0], { cidr: "10.244.0.0/16", via: "10.213.0.24" }] })).toThrow(/overlap/);
        expect(() => renderPodRoutesEnv({ routes: [{ cidr: "0.0.0.0/0", via: "10.213.0.22" }] })).toThrow(/too wide/);
    });
});

describe("renderPodRoutesUnit", () => {
    it("is a static oneshot unit running the script", () => {
        const unit = renderPodRoutesUnit();
        expectStaticUnit(unit, "/etc/ha-kubernetes/pod-routes.env", "/bin/sh /usr/local/lib/ha-kubernetes/pod-routes.sh up");
        expect(unit).toContain("Type=oneshot\nRemainAfterExit=yes\n");
        expect(unit).toContain("ExecStop=/bin/sh /usr/local/lib/ha-kubernetes/pod-routes.sh down\n");
        expect(unit).toMatch(/After=network-online\.target/);
    });
});

describe("renderPodRoutesScript", () => {
    const script = renderPodRoutesScript();

    it("matches the snapshot, is static and valid POSIX sh", () => {
        expect(script).toMatchSnapshot();
        expect(hasIpv4(script)).toBe(false);
        expect(script.startsWith("#!/bin/sh\n# Managed by ha-kubernetes.")).toBe(true);
        expect(shSyntaxOk(script)).toBe(true);
        expect(shellcheck(script)).toBe("");
    });

    // Fake `ip`: logs its arguments, prints $SHOW for `route show`, fails for gateways in $BAD.
    function run(action: string, podRoutes: string, show: string[] = [], bad = ""): { status: number | null; calls: string[]; stderr: string } {
        const bin = fakeBin({
            ip: [
                'echo "$*" >> "$CALLS"',
                'case "$*" in *"route show"*) for r in $SHOW; do echo "$r via 10.213.0.99 dev eth0 "; done ;; esac',
                'for b in $BAD; do case "$*" in *"via $b "*) exit 2 ;; esac; done',
                "exit 0",
            ].join("\n"),
        });
        try {
            const calls = `${bin.dir}/calls`;
            const r = runScript(script, bin.dir, { POD_ROUTES: podRoutes, SHOW: show.join(" "), BAD: bad, CALLS: calls }, [action]);
            const fs = require("fs") as typeof import("fs");
            return { status: r.status, calls: fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").trim().split("\n") : [], stderr: r.stderr };
        } finally {
            bin.cleanup();
        }
    }
    const P = POD_ROUTES_PROTO;

    it("up replaces every listed route and deletes stale ones of ours", () => {
        const r = run("up", "10.244.1.0/24,10.213.0.22 10.244.2.0/24,10.213.0.23", ["10.244.1.0/24", "10.244.9.0/24"]);
        expect(r.status).toBe(0);
        expect(r.calls).toEqual([
            `-4 route replace 10.244.1.0/24 via 10.213.0.22 proto ${P}`,
            `-4 route replace 10.244.2.0/24 via 10.213.0.23 proto ${P}`,
            `-4 route show proto ${P}`,
            `-4 route del 10.244.9.0/24 proto ${P}`,
        ]);
    });

    it("up with no routes only cleans up", () => {
        expect(run("up", "", ["10.244.9.0/24"]).calls).toEqual([`-4 route show proto ${P}`, `-4 route del 10.244.9.0/24 proto ${P}`]);
    });

    it("up refuses malformed entries and reports failed routes, but sets the others", () => {
        const r = run("up", "10.244.1.0/24,10.213.0.22 $(reboot) 10.244.3.0/24;x,1.2.3.4 10.244.2.0/24,10.213.0.23", [], "10.213.0.22");
        expect(r.status).toBe(1);
        expect(r.calls).toContain(`-4 route replace 10.244.2.0/24 via 10.213.0.23 proto ${P}`);
        expect(r.calls.filter((c) => c.includes("reboot") || c.includes(";"))).toEqual([]);
        expect(r.stderr).toContain("malformed entry '$(reboot)'");
        expect(r.stderr).toContain("cannot route 10.244.1.0/24 via 10.213.0.22");
    });

    it("does not expand globs in POD_ROUTES", () => {
        const r = run("up", "/*", []);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("malformed entry '/*'");
    });

    it("down flushes our routes; other actions are refused", () => {
        expect(run("down", "10.244.1.0/24,10.213.0.22").calls).toEqual([`-4 route flush proto ${P}`]);
        expect(run("sideways", "").status).toBe(2);
    });

    // Real iproute2 in a network namespace this test creates (root only; no packets are sent).
    const ns = `hak8s-podroutes-${process.pid}`;
    const canNetns = process.getuid?.() === 0 && spawnSync("ip", ["netns", "list"]).status === 0;
    (canNetns ? it : it.skip)("sets, updates and removes real routes in a private network namespace", () => {
        const sh = (cmd: string, env: Record<string, string> = {}) =>
            spawnSync("ip", ["netns", "exec", ns, "sh", "-c", cmd], { encoding: "utf8", env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ...env } });
        const fs = require("fs") as typeof import("fs");
        const file = `/tmp/${ns}.sh`;
        expect(spawnSync("ip", ["netns", "add", ns]).status).toBe(0);
        try {
            fs.writeFileSync(file, script, { mode: 0o755 });
            for (const cmd of ["ip link add v0 type veth peer name v1", "ip addr add 10.213.0.21/24 dev v0", "ip link set v0 up", "ip link set v1 up"]) {
                expect(sh(cmd).status).toBe(0);
            }
            const show = () =>
                sh(`ip -4 route show proto ${P}`)
                    .stdout.trim()
                    .split("\n")
                    .filter(Boolean)
                    .map((l) => l.trim());
            expect(sh(`sh ${file} up`, { POD_ROUTES: "10.244.1.0/24,10.213.0.22 10.244.2.0/24,10.213.0.23" }).status).toBe(0);
            expect(show()).toEqual(["10.244.1.0/24 via 10.213.0.22 dev v0", "10.244.2.0/24 via 10.213.0.23 dev v0"]);
            expect(sh(`sh ${file} up`, { POD_ROUTES: "10.244.2.0/24,10.213.0.24" }).status).toBe(0);
            expect(show()).toEqual(["10.244.2.0/24 via 10.213.0.24 dev v0"]);
            expect(sh(`sh ${file} down`).status).toBe(0);
            expect(show()).toEqual([]);
            expect(sh("ip -4 route show").stdout).toContain("10.213.0.0/24 dev v0 proto kernel");
        } finally {
            spawnSync("ip", ["netns", "del", ns]);
            fs.rmSync(file, { force: true });
        }
    });
});
