import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";

/** A parsed directive or block of a brace config (nginx, keepalived) or a haproxy section. */
export interface Parsed {
    readonly name: string;
    readonly args: string[];
    readonly children?: Parsed[];
}

/**
 * Independent reader for nginx/keepalived style configs: `#` comments, double-quoted tokens
 * with backslash escapes, `{`/`}` blocks and (nginx) `;` terminators. Test helper only.
 */
export function parseBraceConfig(text: string, terminator: ";" | ""): Parsed[] {
    const tokens: Array<{ t: string; quoted?: boolean; eol?: boolean }> = [];
    let i = 0;
    while (i < text.length) {
        const c = text[i];
        if (c === "#") {
            while (i < text.length && text[i] !== "\n") i++;
            continue;
        }
        if (c === "\n") {
            tokens.push({ t: "\n", eol: true });
            i++;
            continue;
        }
        if (/\s/.test(c)) {
            i++;
            continue;
        }
        if (c === "{" || c === "}" || c === ";") {
            tokens.push({ t: c });
            i++;
            continue;
        }
        if (c === '"') {
            let s = "";
            i++;
            while (text[i] !== '"') {
                if (text[i] === "\\") i++;
                s += text[i++];
                if (i >= text.length) throw new Error("unterminated quote");
            }
            i++;
            tokens.push({ t: s, quoted: true });
            continue;
        }
        let s = "";
        while (i < text.length && !/[\s{};#"]/.test(text[i])) s += text[i++];
        tokens.push({ t: s });
    }
    let p = 0;
    function parseList(top: boolean): Parsed[] {
        const out: Parsed[] = [];
        let cur: string[] = [];
        const flush = () => {
            if (cur.length) {
                out.push({ name: cur[0], args: cur.slice(1) });
                cur = [];
            }
        };
        while (p < tokens.length) {
            const tok = tokens[p++];
            if (tok.eol) {
                if (terminator === "") flush();
                continue;
            }
            if (!tok.quoted && tok.t === ";") {
                if (terminator !== ";") throw new Error("unexpected ;");
                if (!cur.length) throw new Error("empty directive");
                flush();
                continue;
            }
            if (!tok.quoted && tok.t === "{") {
                if (!cur.length) throw new Error("block without name");
                const head = cur;
                cur = [];
                out.push({ name: head[0], args: head.slice(1), children: parseList(false) });
                continue;
            }
            if (!tok.quoted && tok.t === "}") {
                if (top) throw new Error("unbalanced }");
                if (cur.length && terminator === ";") throw new Error(`directive ${cur[0]} lacks ;`);
                flush();
                return out;
            }
            cur.push(tok.t);
        }
        if (!top) throw new Error("unterminated block");
        if (cur.length && terminator === ";") throw new Error(`directive ${cur[0]} lacks ;`);
        flush();
        return out;
    }
    return parseList(true);
}

/** haproxy sections: unindented line = section header, indented lines = its directives. */
export function parseHaproxy(text: string): Parsed[] {
    const out: Array<{ name: string; args: string[]; children: Parsed[] }> = [];
    for (const raw of text.split("\n")) {
        const line = raw.replace(/#.*$/, "");
        if (!line.trim()) continue;
        const words = line.trim().split(/\s+/);
        if (/^\s/.test(line)) {
            if (!out.length) throw new Error(`directive outside a section: ${line}`);
            out[out.length - 1].children.push({ name: words[0], args: words.slice(1) });
        } else {
            out.push({ name: words[0], args: words.slice(1), children: [] });
        }
    }
    return out;
}

/** Every node named `name` at any depth. */
export function findAll(nodes: ReadonlyArray<Parsed>, name: string): Parsed[] {
    const out: Parsed[] = [];
    for (const n of nodes) {
        if (n.name === name) out.push(n);
        if (n.children) out.push(...findAll(n.children, name));
    }
    return out;
}

/** The single node named `name` (throws when there is not exactly one). */
export function findOne(nodes: ReadonlyArray<Parsed>, name: string): Parsed {
    const all = findAll(nodes, name);
    if (all.length !== 1) throw new Error(`expected one ${name}, found ${all.length}`);
    return all[0];
}

/** True when `sh -n` accepts the script. */
export function shSyntaxOk(script: string): boolean {
    return spawnSync("/bin/sh", ["-n"], { input: script }).status === 0;
}

/** A temp directory with fake commands (name → sh body) for running scripts offline. */
export function fakeBin(commands: Record<string, string>): { dir: string; cleanup: () => void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ha-k8s-fakebin-"));
    for (const [name, body] of Object.entries(commands)) {
        fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    }
    return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `script` with /bin/sh, `binDir` first on PATH, extra env; returns status, stdout, stderr. */
export function runScript(script: string, binDir: string, env: Record<string, string> = {}, args: string[] = []): { status: number | null; stdout: string; stderr: string } {
    const file = path.join(binDir, "script-under-test.sh");
    fs.writeFileSync(file, script, { mode: 0o755 });
    const r = spawnSync("/bin/sh", [file, ...args], { env: { PATH: `${binDir}:/usr/bin:/bin`, ...env }, encoding: "utf8", timeout: 10000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** shellcheck findings for a POSIX sh script ("" when clean); throws when shellcheck cannot run (tests/run.sh installs it). */
export function shellcheck(script: string): string {
    const r = spawnSync("shellcheck", ["-s", "sh", "-"], { input: script, encoding: "utf8" });
    if (r.error) throw new Error(`shellcheck could not run (tests/run.sh installs it): ${r.error.message}`);
    return r.status === 0 ? "" : r.stdout + r.stderr;
}

/** True when `text` contains something that looks like an IPv4 address. */
export function hasIpv4(text: string): boolean {
    return /\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/.test(text);
}

/** A component's config file: matches its snapshot, is YAML of `apiVersion` and `kind`; returns it parsed. */
export function expectComponentConfig(text: string, apiVersion: string, kind: string): any {
    expect(text).toMatchSnapshot();
    const c = YAML.parse(text);
    expect(c).toMatchObject({ apiVersion, kind });
    return c;
}

/** Parses a systemd unit into section → list of [key, value]. */
export function parseUnit(text: string): Map<string, Array<[string, string]>> {
    const out = new Map<string, Array<[string, string]>>();
    let cur: Array<[string, string]> | undefined;
    for (const line of text.split("\n")) {
        if (line === "" || line.startsWith("#")) continue;
        const s = /^\[([A-Za-z]+)\]$/.exec(line);
        if (s) {
            cur = [];
            out.set(s[1], cur);
            continue;
        }
        const i = line.indexOf("=");
        if (!cur || i < 1) throw new Error(`bad unit line: ${line}`);
        cur.push([line.slice(0, i), line.slice(i + 1)]);
    }
    return out;
}

/** The value of a directive that appears once in a section. */
export function unitValue(unit: Map<string, Array<[string, string]>>, section: string, key: string): string | undefined {
    const v = (unit.get(section) ?? []).filter(([k]) => k === key);
    if (v.length > 1) throw new Error(`${key} repeated in [${section}]`);
    return v[0]?.[1];
}

/**
 * A service unit that is the same on every host: matches its snapshot, holds no address (per-host
 * values live in its environment file), reads `environmentFile`, runs `execStart`, is restarted by
 * systemd and wanted by multi-user.target. Returns the parsed unit for the renderer's own checks.
 */
export function expectStaticUnit(text: string, environmentFile: string, execStart: string): Map<string, Array<[string, string]>> {
    expect(text).toMatchSnapshot();
    expect(hasIpv4(text)).toBe(false);
    const u = parseUnit(text);
    expect(unitValue(u, "Service", "EnvironmentFile")).toBe(environmentFile);
    expect(unitValue(u, "Service", "ExecStart")).toBe(execStart);
    expect(unitValue(u, "Service", "Restart")).toMatch(/^(always|on-failure)$/);
    expect(unitValue(u, "Install", "WantedBy")).toBe("multi-user.target");
    return u;
}
