/** Shared test fixtures for the control-plane renderer tests: a realistic 3-master cluster. */

export const MASTERS = [
    { name: "master-1", ip: "10.213.0.11" },
    { name: "master-2", ip: "10.213.0.12" },
    { name: "master-3", ip: "10.213.0.13" },
] as const;

/** Matches an IPv4 literal anywhere (units must have none). */
export const IPV4 = /\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/;

/** Reads one variable of an EnvironmentFile written by renderEnvFile (double-quoted values). */
export function envVar(file: string, name: string): string {
    const lines = file.split("\n").filter((l) => l.startsWith(`${name}=`));
    if (lines.length !== 1) throw new Error(`${name} appears ${lines.length} times`);
    const v = lines[0].slice(name.length + 1);
    if (!v.startsWith('"') || !v.endsWith('"')) throw new Error(`${name} is not double-quoted: ${v}`);
    return v.slice(1, -1).replace(/\\(.)/g, "$1");
}

/** All variables of an EnvironmentFile, in order. */
export function envVars(file: string): Array<[string, string]> {
    return file
        .split("\n")
        .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
        .map((l) => {
            const k = l.slice(0, l.indexOf("="));
            return [k, envVar(file, k)];
        });
}

/** Splits `--a=b --c=d` (as systemd splits `$VAR`) into [name, value] pairs. */
export function parseFlags(args: string): Array<[string, string]> {
    return args
        .split(/\s+/)
        .filter(Boolean)
        .map((f) => {
            const m = /^--([a-z0-9-]+)=(.*)$/.exec(f);
            if (!m) throw new Error(`not a --flag=value: ${f}`);
            return [m[1], m[2]];
        });
}

/** Flags as a map; throws on a repeated flag. */
export function flagMap(args: string): Map<string, string> {
    const m = new Map<string, string>();
    for (const [k, v] of parseFlags(args)) {
        if (m.has(k)) throw new Error(`--${k} repeated`);
        m.set(k, v);
    }
    return m;
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
 * A control-plane service unit that matches its snapshot and is the same on every host: no address in it, its flags from
 * `environmentFile`, runs `execStart`, restarted by systemd, wanted by multi-user.target. Returns
 * the parsed unit for the renderer's own checks.
 */
export function expectStaticServiceUnit(text: string, environmentFile: string, execStart: string): Map<string, Array<[string, string]>> {
    expect(text).toMatchSnapshot();
    expect(text).not.toMatch(IPV4);
    const u = parseUnit(text);
    expect(unitValue(u, "Service", "EnvironmentFile")).toBe(environmentFile);
    expect(unitValue(u, "Service", "ExecStart")).toBe(execStart);
    expect(unitValue(u, "Service", "Restart")).toMatch(/^(always|on-failure)$/);
    expect(unitValue(u, "Install", "WantedBy")).toBe("multi-user.target");
    return u;
}

/** Well-formed PEM blocks with dummy contents (the renderers only check the PEM shape). */
function pem(type: string, text: string): string {
    const b64 = Buffer.from(text.repeat(8))
        .toString("base64")
        .match(/.{1,64}/g)!
        .join("\n");
    return `-----BEGIN ${type}-----\n${b64}\n-----END ${type}-----\n`;
}
export const CA_PEM = pem("CERTIFICATE", "test cluster CA certificate ");
export const CLIENT_CERT_PEM = pem("CERTIFICATE", "test admin client certificate ");
export const CLIENT_KEY_PEM = pem("EC PRIVATE KEY", "test admin client key ");
