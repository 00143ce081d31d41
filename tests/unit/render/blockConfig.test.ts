import { block, comment, directive, HAPROXY_DIALECT, KEEPALIVED_DIALECT, NGINX_DIALECT, renderBlockConfig } from "../../../components/render/blockConfig";
import { MANAGED_BY } from "../../../components/render/header";
import { parseBraceConfig } from "./nodeRenderHelpers";

describe("renderBlockConfig", () => {
    it("writes nested nginx blocks with terminators, and quotes what needs quoting", () => {
        const out = renderBlockConfig(NGINX_DIALECT, [
            directive("user", "www-data"),
            block("events", [], [directive("worker_connections", 1024)]),
            block("stream", [], [block("server", [], [directive("listen", 6443), directive("ssl_ciphers", 'a b"c;{}#')])]),
        ]);
        expect(out.startsWith(`# ${MANAGED_BY}\n`)).toBe(true);
        expect(out).toContain("listen 6443;");
        expect(out).toContain('ssl_ciphers "a b\\"c;{}#";');
        const parsed = parseBraceConfig(out, ";");
        expect(parsed.map((n) => n.name)).toEqual(["user", "events", "stream"]);
        expect(parsed[2].children![0].children![1].args).toEqual(['a b"c;{}#']);
    });

    it("rejects nginx variables and control characters", () => {
        expect(() => renderBlockConfig(NGINX_DIALECT, [directive("return", "$host")])).toThrow(/cannot write/);
        expect(() => renderBlockConfig(NGINX_DIALECT, [directive("x", "a\nb")])).toThrow(/cannot write/);
        expect(() => renderBlockConfig(NGINX_DIALECT, [directive("x", NaN)])).toThrow(/finite/);
    });

    it("writes keepalived blocks without terminators and refuses anything it would misread", () => {
        const out = renderBlockConfig(KEEPALIVED_DIALECT, [block("unicast_peer", [], [directive("10.0.0.2"), directive("10.0.0.3")])]);
        expect(out).toContain("unicast_peer {\n    10.0.0.2\n    10.0.0.3\n}\n");
        for (const bad of ["a b", "pa#ss", "x!y", "$VAR", 'q"', "{", ""]) {
            expect(() => renderBlockConfig(KEEPALIVED_DIALECT, [directive("auth_pass", bad)])).toThrow(/keepalived/);
        }
    });

    it("writes haproxy sections, single-quoting tokens with spaces, and refuses nesting", () => {
        const out = renderBlockConfig(HAPROXY_DIALECT, [block("global", [], [directive("log", "stdout"), directive("description", "two words")])]);
        expect(out).toContain("global\n    log stdout\n    description 'two words'\n");
        expect(() => renderBlockConfig(HAPROXY_DIALECT, [directive("maxconn", 1)])).toThrow(/inside a section/);
        expect(() => renderBlockConfig(HAPROXY_DIALECT, [block("a", [], [block("b", [], [])])])).toThrow(/nested/);
        expect(() => renderBlockConfig(HAPROXY_DIALECT, [block("a", [], [directive("x", "it's")])])).toThrow(/cannot write/);
    });

    it("validates names and comments", () => {
        expect(() => renderBlockConfig(NGINX_DIALECT, [directive("bad name")])).toThrow(/bad directive/);
        expect(() => renderBlockConfig(NGINX_DIALECT, [comment("two\nlines")])).toThrow(/single line/);
        expect(renderBlockConfig(NGINX_DIALECT, [comment("hello"), block("events", [], [])])).toContain("# hello\nevents {\n}\n");
    });
});
