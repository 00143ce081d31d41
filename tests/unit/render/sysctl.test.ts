import { MANAGED_BY } from "../../../components/render/header";
import { renderModulesLoadConf, renderSysctlConf } from "../../../components/render/sysctl";

/** Reads sysctl.d lines back: key → { value, ignoreErrors }. */
function parseSysctl(text: string): Record<string, { value: string; ignoreErrors: boolean }> {
    const out: Record<string, { value: string; ignoreErrors: boolean }> = {};
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (!line || line.startsWith("#")) continue;
        const m = /^(-?)([^=\s]+)\s*=\s*(.*)$/.exec(line);
        if (!m) throw new Error(`bad sysctl line ${line}`);
        out[m[2]] = { value: m[3], ignoreErrors: m[1] === "-" };
    }
    return out;
}

describe("renderSysctlConf", () => {
    it("matches the snapshot and enables forwarding and bridge netfilter", () => {
        const text = renderSysctlConf({ ipForward: true });
        expect(text).toMatchSnapshot();
        expect(text.startsWith(`# ${MANAGED_BY}\n`)).toBe(true);
        expect(parseSysctl(text)).toEqual({
            "net.ipv4.ip_forward": { value: "1", ignoreErrors: false },
            "net.bridge.bridge-nf-call-iptables": { value: "1", ignoreErrors: true },
            "net.bridge.bridge-nf-call-ip6tables": { value: "1", ignoreErrors: true },
        });
    });

    it("honours options and rejects bad keys and values", () => {
        expect(parseSysctl(renderSysctlConf({ ipForward: false, bridgeNfCall: false, extra: { "fs.inotify.max_user_instances": 8192 } }))).toEqual({
            "net.ipv4.ip_forward": { value: "0", ignoreErrors: false },
            "fs.inotify.max_user_instances": { value: "8192", ignoreErrors: false },
        });
        expect(() => renderSysctlConf({ ipForward: true, extra: { "kernel.x\nnet.y": 1 } })).toThrow(/key/);
        expect(() => renderSysctlConf({ ipForward: true, extra: { "kernel.x": "1\n2" } })).toThrow(/value/);
        expect(() => renderSysctlConf({ ipForward: "yes" as never })).toThrow(/ipForward/);
    });
});

describe("renderModulesLoadConf", () => {
    it("lists one module per line", () => {
        expect(renderModulesLoadConf()).toBe(`# ${MANAGED_BY}\noverlay\nbr_netfilter\n`);
        expect(renderModulesLoadConf({ modules: ["ip_vs"] })).toBe(`# ${MANAGED_BY}\nip_vs\n`);
        expect(() => renderModulesLoadConf({ modules: ["a b"] })).toThrow(/module/);
    });
});
