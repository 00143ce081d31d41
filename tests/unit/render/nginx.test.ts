import { NginxSpec, renderNginxConfig } from "../../../components/render/nginx";
import { findAll, findOne, parseBraceConfig } from "./nodeRenderHelpers";

const spec: NginxSpec = {
    backends: [
        { address: "10.213.0.11", port: 6443 },
        { address: "10.213.0.12", port: 6443 },
        { address: "10.213.0.13", port: 6443 },
    ],
};

describe("renderNginxConfig", () => {
    it("matches the snapshot", () => {
        expect(renderNginxConfig(spec)).toMatchSnapshot();
    });

    it("is a complete nginx.conf with only a stream proxy to every backend", () => {
        const conf = parseBraceConfig(renderNginxConfig(spec), ";");
        expect(conf.map((n) => n.name)).toEqual(["user", "worker_processes", "worker_rlimit_nofile", "pid", "error_log", "include", "events", "stream"]);
        expect(findOne(conf, "user").args).toEqual(["www-data"]);
        expect(findOne(conf, "pid").args).toEqual(["/run/nginx.pid"]);
        expect(findOne(conf, "include").args).toEqual(["/etc/nginx/modules-enabled/*.conf"]);
        expect(findAll(conf, "http")).toHaveLength(0);
        expect(findAll(conf, "daemon")).toHaveLength(0);
        const upstream = findOne(conf, "upstream");
        expect(upstream.args).toEqual(["kube_apiserver"]);
        expect(findOne(upstream.children!, "least_conn").args).toEqual([]);
        expect(findAll(upstream.children!, "server").map((s) => s.args)).toEqual(spec.backends.map((b) => [`${b.address}:${b.port}`, "max_fails=3", "fail_timeout=10s"]));
        const servers = findOne(conf, "stream").children!.filter((n) => n.name === "server");
        expect(servers).toHaveLength(1);
        const server = servers[0];
        expect(findOne(server.children!, "listen").args).toEqual(["6443"]);
        expect(findOne(server.children!, "proxy_pass").args).toEqual(["kube_apiserver"]);
        expect(findOne(server.children!, "proxy_timeout").args).toEqual(["1h"]);
        expect(findOne(server.children!, "proxy_connect_timeout").args).toEqual(["2s"]);
    });

    it("honours listen address, port and failure settings", () => {
        const conf = parseBraceConfig(renderNginxConfig({ ...spec, listenAddress: "10.213.0.41", listenPort: 7443, maxFails: 1, failTimeoutSec: 30, connectTimeoutSec: 5 }), ";");
        expect(findOne(conf, "listen").args).toEqual(["10.213.0.41:7443"]);
        expect(
            findAll(conf, "server")
                .filter((s) => !s.children)[0]
                .args.slice(1),
        ).toEqual(["max_fails=1", "fail_timeout=30s"]);
        expect(findOne(conf, "proxy_connect_timeout").args).toEqual(["5s"]);
    });

    it("rejects bad specs", () => {
        expect(() => renderNginxConfig({ backends: [] })).toThrow(/at least one backend/);
        expect(() => renderNginxConfig({ backends: [spec.backends[0], spec.backends[0]] })).toThrow(/duplicate/);
        expect(() => renderNginxConfig({ ...spec, listenPort: 0 })).toThrow(/port/);
        expect(() => renderNginxConfig({ ...spec, listenAddress: "any" })).toThrow(/listenAddress/);
        expect(() => renderNginxConfig({ backends: [{ address: "10.0.0.1;", port: 6443 }] })).toThrow(/address/);
        expect(() => renderNginxConfig({ ...spec, maxFails: -1 })).toThrow(/maxFails/);
    });
});
