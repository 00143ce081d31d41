import { HaproxySpec, renderHaproxyConfig } from "../../../components/render/haproxy";
import { findAll, findOne, parseHaproxy } from "./nodeRenderHelpers";

const spec: HaproxySpec = {
    port: 8443,
    backends: [
        { name: "m1", address: "10.213.0.11", port: 6443 },
        { name: "m2", address: "10.213.0.12", port: 6443 },
        { name: "m3", address: "10.213.0.13", port: 6443 },
    ],
};

describe("renderHaproxyConfig", () => {
    it("matches the snapshot", () => {
        expect(renderHaproxyConfig(spec)).toMatchSnapshot();
    });

    it("proxies TCP on the frontend port to every backend with /readyz checks", () => {
        const sections = parseHaproxy(renderHaproxyConfig(spec));
        expect(sections.map((s) => `${s.name} ${s.args.join(" ")}`.trim())).toEqual(["global", "defaults", "frontend kube-apiserver", "backend kube-apiserver"]);
        const frontend = sections[2].children!;
        expect(findOne(frontend, "bind").args).toEqual(["*:8443"]);
        expect(findOne(frontend, "mode").args).toEqual(["tcp"]);
        const backend = sections[3].children!;
        expect(findOne(backend, "mode").args).toEqual(["tcp"]);
        expect(findAll(backend, "option").map((o) => o.args.join(" "))).toContain("httpchk GET /readyz");
        expect(findOne(backend, "http-check").args).toEqual(["expect", "status", "200"]);
        const servers = findAll(backend, "server");
        expect(servers.map((s) => s.args.slice(0, 2))).toEqual([
            ["m1", "10.213.0.11:6443"],
            ["m2", "10.213.0.12:6443"],
            ["m3", "10.213.0.13:6443"],
        ]);
        for (const s of servers) expect(s.args.slice(2).join(" ")).toBe("check check-ssl verify none inter 2s fall 3 rise 2");
        const timeouts = Object.fromEntries(findAll(sections[1].children!, "timeout").map((t) => [t.args[0], t.args[1]]));
        expect(timeouts).toMatchObject({ connect: "5s", client: "1h", server: "1h" });
        expect(findOne(sections[0].children!, "maxconn").args).toEqual(["20000"]);
        expect(findAll(sections[0].children!, "log")[0].args.slice(0, 1)).toEqual(["stdout"]);
    });

    it("supports a bind address, leastconn, TCP checks and a stats socket", () => {
        const out = renderHaproxyConfig({ ...spec, bindAddress: "10.213.0.100", balance: "leastconn", healthCheck: "tcp", statsSocket: "/run/haproxy/admin.sock" });
        const sections = parseHaproxy(out);
        expect(findOne(sections, "bind").args).toEqual(["10.213.0.100:8443"]);
        expect(findOne(sections, "balance").args).toEqual(["leastconn"]);
        expect(out).not.toContain("httpchk");
        expect(out).not.toContain("check-ssl");
        for (const s of findAll(sections, "server")) expect(s.args.slice(2)).toEqual(["check", "inter", "2s", "fall", "3", "rise", "2"]);
        expect(findOne(sections, "stats").args).toEqual(["socket", "/run/haproxy/admin.sock", "mode", "660", "level", "admin"]);
    });

    it("rejects bad specs", () => {
        expect(() => renderHaproxyConfig({ ...spec, backends: [] })).toThrow(/at least one backend/);
        expect(() => renderHaproxyConfig({ ...spec, backends: [spec.backends[0], { ...spec.backends[1], name: "m1" }] })).toThrow(/duplicate/);
        expect(() => renderHaproxyConfig({ ...spec, port: 0 })).toThrow(/port/);
        expect(() => renderHaproxyConfig({ ...spec, port: 65536 })).toThrow(/port/);
        expect(() => renderHaproxyConfig({ ...spec, backends: [{ name: "m1", address: "10.0.0.1", port: 1.5 }] })).toThrow(/port/);
        expect(() => renderHaproxyConfig({ ...spec, backends: [{ name: "bad name", address: "10.0.0.1", port: 6443 }] })).toThrow(/name/);
        expect(() => renderHaproxyConfig({ ...spec, backends: [{ name: "m1", address: "10.0.0.1 backup", port: 6443 }] })).toThrow(/address/);
        expect(() => renderHaproxyConfig({ ...spec, bindAddress: "0.0.0.0:1" })).toThrow(/bindAddress/);
        expect(() => renderHaproxyConfig({ ...spec, statsSocket: "relative.sock" })).toThrow(/statsSocket/);
        expect(() => renderHaproxyConfig({ ...spec, healthCheck: "http" as never })).toThrow(/healthCheck/);
    });
});
