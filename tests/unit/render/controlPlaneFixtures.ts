/** Shared test fixtures for the control-plane renderer tests: a realistic 3-master cluster. */

export const MASTERS = [
    { name: "master-1", ip: "10.213.0.11" },
    { name: "master-2", ip: "10.213.0.12" },
    { name: "master-3", ip: "10.213.0.13" },
] as const;

/**
 * The snapshot tests of a per-master renderer: `render(specOf(i))` for each of MASTERS (`what`:
 * what the masters are to it), snapshots named after the master; and `render(specOf(every.master,
 * every.settings))`, with every optional setting.
 */
export function itMatchesSnapshotsPerMaster<S>(
    what: string,
    render: (spec: S) => string,
    specOf: (i: number, extra?: Partial<S>) => S,
    every: { readonly master: number; readonly settings: Partial<S> },
): void {
    it(`matches the snapshot for each of 3 ${what}`, () => {
        MASTERS.forEach((m, i) => expect(render(specOf(i))).toMatchSnapshot(m.name));
    });

    it("matches the snapshot with every optional setting", () => {
        expect(render(specOf(every.master, every.settings))).toMatchSnapshot();
    });
}

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

/** `map` (flags as flagMap reads them, variables of an env file) holds at least `want`, each with exactly that value. */
export function expectEntries(map: ReadonlyMap<string, string>, want: Readonly<Record<string, string>>): void {
    expect(Object.fromEntries(Object.keys(want).map((k) => [k, map.get(k)]))).toEqual(want);
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
