import { KeepalivedSpec, renderKeepalivedCheckScript, renderKeepalivedConfig } from "../../../components/render/keepalived";
import { fakeBin, findAll, findOne, parseBraceConfig, runScript, shellcheck, shSyntaxOk } from "./nodeRenderHelpers";

const spec: KeepalivedSpec = {
    routerId: "m1",
    interface: "eth0",
    virtualRouterId: 51,
    priority: 150,
    state: "MASTER",
    vip: "10.213.0.100",
    vipPrefixLength: 24,
    authPass: "Xy7pQ2zW",
    unicastSrcIp: "10.213.0.11",
    unicastPeers: ["10.213.0.12", "10.213.0.13"],
    checkScriptPath: "/etc/keepalived/check_apiserver.sh",
    weight: -30,
};

describe("renderKeepalivedConfig", () => {
    it("matches the snapshot", () => {
        expect(renderKeepalivedConfig(spec)).toMatchSnapshot();
    });

    it("declares the VRRP instance, VIP, unicast peers and the tracked check", () => {
        const conf = parseBraceConfig(renderKeepalivedConfig(spec), "");
        const global = findOne(conf, "global_defs").children!;
        expect(findOne(global, "router_id").args).toEqual(["m1"]);
        expect(findOne(global, "enable_script_security").args).toEqual([]);
        expect(findOne(global, "script_user").args).toEqual(["root"]);
        const script = findOne(conf, "vrrp_script");
        expect(script.args).toEqual(["chk_apiserver"]);
        expect(findOne(script.children!, "script").args).toEqual(["/etc/keepalived/check_apiserver.sh"]);
        expect(findOne(script.children!, "weight").args).toEqual(["-30"]);
        const inst = findOne(conf, "vrrp_instance").children!;
        expect(findOne(inst, "state").args).toEqual(["MASTER"]);
        expect(findOne(inst, "priority").args).toEqual(["150"]);
        expect(findOne(inst, "virtual_router_id").args).toEqual(["51"]);
        expect(findOne(inst, "interface").args).toEqual(["eth0"]);
        expect(findOne(inst, "auth_type").args).toEqual(["PASS"]);
        expect(findOne(inst, "auth_pass").args).toEqual(["Xy7pQ2zW"]);
        expect(findOne(inst, "unicast_src_ip").args).toEqual(["10.213.0.11"]);
        expect(findOne(inst, "unicast_peer").children!.map((p) => p.name)).toEqual(["10.213.0.12", "10.213.0.13"]);
        expect(findOne(inst, "virtual_ipaddress").children).toEqual([{ name: "10.213.0.100/24", args: ["dev", "eth0"] }]);
        expect(findOne(inst, "track_script").children!.map((c) => c.name)).toEqual(["chk_apiserver"]);
    });

    it("uses multicast and default weight/interval when no unicast peers are given", () => {
        const conf = parseBraceConfig(renderKeepalivedConfig({ ...spec, state: "BACKUP", priority: 140, unicastSrcIp: undefined, unicastPeers: undefined, weight: undefined }), "");
        expect(findAll(conf, "unicast_peer")).toHaveLength(0);
        expect(findAll(conf, "unicast_src_ip")).toHaveLength(0);
        expect(findOne(conf, "state").args).toEqual(["BACKUP"]);
        expect(findOne(conf, "weight").args).toEqual(["-30"]);
        expect(findOne(conf, "interval").args).toEqual(["3"]);
    });

    it("rejects bad specs", () => {
        expect(() => renderKeepalivedConfig({ ...spec, authPass: "123456789" })).toThrow(/authPass/);
        expect(() => renderKeepalivedConfig({ ...spec, authPass: "" })).toThrow(/authPass/);
        expect(() => renderKeepalivedConfig({ ...spec, authPass: "a b" })).toThrow(/authPass/);
        expect(() => renderKeepalivedConfig({ ...spec, authPass: "a#b" })).toThrow(/authPass/);
        expect(() => renderKeepalivedConfig({ ...spec, virtualRouterId: 0 })).toThrow(/virtualRouterId/);
        expect(() => renderKeepalivedConfig({ ...spec, virtualRouterId: 256 })).toThrow(/virtualRouterId/);
        expect(() => renderKeepalivedConfig({ ...spec, priority: 255 })).toThrow(/priority/);
        expect(() => renderKeepalivedConfig({ ...spec, state: "LEADER" as never })).toThrow(/state/);
        expect(() => renderKeepalivedConfig({ ...spec, vip: "10.213.0.300" })).toThrow(/vip/);
        expect(() => renderKeepalivedConfig({ ...spec, vipPrefixLength: 33 })).toThrow(/vipPrefixLength/);
        expect(() => renderKeepalivedConfig({ ...spec, unicastPeers: ["10.213.0.12", "10.213.0.12"] })).toThrow(/duplicate/);
        expect(() => renderKeepalivedConfig({ ...spec, unicastPeers: ["10.213.0.11"] })).toThrow(/unicastSrcIp/);
        expect(() => renderKeepalivedConfig({ ...spec, interface: "eth0 }" })).toThrow(/interface/);
        expect(() => renderKeepalivedConfig({ ...spec, checkScriptPath: "check.sh" })).toThrow(/checkScriptPath/);
        expect(() => renderKeepalivedConfig({ ...spec, weight: 300 })).toThrow(/weight/);
    });
});

describe("renderKeepalivedCheckScript", () => {
    const script = renderKeepalivedCheckScript({ port: 8443, vip: "10.213.0.100" });

    it("matches the snapshot and is valid POSIX sh", () => {
        expect(script).toMatchSnapshot();
        expect(script.startsWith("#!/bin/sh\n# Managed by ha-kubernetes.")).toBe(true);
        expect(shSyntaxOk(script)).toBe(true);
        expect(shellcheck(script)).toBe("");
    });

    // Runs the script offline with fake `curl` and `ip`: curl succeeds for URLs listed in
    // $UP, ip lists $ADDRS.
    function run(up: string[], addrs: string[]): { status: number | null; calls: string } {
        const bin = fakeBin({
            curl: 'for a in "$@"; do case "$a" in https://*) echo "$a" >> "$CALLS"; for u in $UP; do [ "$a" = "$u" ] && exit 0; done; exit 22;; esac; done; exit 2',
            ip: 'for a in $ADDRS; do echo "2: eth0    inet $a brd 10.213.0.255 scope global eth0\\       valid_lft forever preferred_lft forever"; done',
        });
        try {
            const calls = `${bin.dir}/calls`;
            const r = runScript(script, bin.dir, { UP: up.join(" "), ADDRS: addrs.join(" "), CALLS: calls });
            const fs = require("fs") as typeof import("fs");
            return { status: r.status, calls: fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").trim() : "" };
        } finally {
            bin.cleanup();
        }
    }
    const local = "https://127.0.0.1:8443/readyz";
    const viaVip = "https://10.213.0.100:8443/readyz";

    it("passes when the local frontend answers and the VIP is elsewhere", () => {
        expect(run([local], ["10.213.0.11/24"])).toEqual({ status: 0, calls: local });
    });
    it("fails when the local frontend does not answer", () => {
        expect(run([], ["10.213.0.11/24"]).status).toBe(1);
    });
    it("checks the VIP too on the VIP holder", () => {
        expect(run([local, viaVip], ["10.213.0.11/24", "10.213.0.100/24"])).toEqual({ status: 0, calls: `${local}\n${viaVip}` });
        expect(run([local], ["10.213.0.11/24", "10.213.0.100/24"]).status).toBe(1);
    });
    it("does not mistake a longer address for the VIP", () => {
        expect(run([local], ["10.213.0.1000/24", "110.213.0.100/24"]).status).toBe(0);
    });
    it("uses vipPort and rejects bad values", () => {
        expect(renderKeepalivedCheckScript({ port: 8443, vip: "10.213.0.100", vipPort: 443 })).toContain("VIP_PORT='443'");
        expect(() => renderKeepalivedCheckScript({ port: 8443, vip: "10.213.0.100'; rm -rf / #" })).toThrow(/vip/);
        expect(() => renderKeepalivedCheckScript({ port: 0, vip: "10.213.0.100" })).toThrow(/port/);
    });
});
