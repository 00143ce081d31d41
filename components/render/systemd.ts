import { hashHeader } from "./header";

/** A value of a systemd unit directive; arrays repeat the directive once per element. */
export type UnitValue = string | number | boolean | ReadonlyArray<string | number>;

/** A systemd unit as ordered sections of ordered directives. */
export interface UnitSpec {
    readonly sections: ReadonlyArray<{ readonly name: string; readonly directives: ReadonlyArray<readonly [string, UnitValue]> }>;
}

function unitValue(v: string | number | boolean): string {
    if (typeof v === "boolean") return v ? "yes" : "no";
    const s = String(v);
    if (/[\n\r]/.test(s)) throw new Error(`systemd directive value must be a single line: ${JSON.stringify(s)}`);
    return s;
}

/** Serializes a systemd unit file (INI dialect of systemd.syntax(7)). Pure. */
export function renderSystemdUnit(spec: UnitSpec): string {
    const out: string[] = [hashHeader().trimEnd()];
    for (const section of spec.sections) {
        if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(section.name)) throw new Error(`bad systemd section name: ${section.name}`);
        out.push("", `[${section.name}]`);
        for (const [key, value] of section.directives) {
            if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key)) throw new Error(`bad systemd directive: ${key}`);
            const values = Array.isArray(value) ? (value as ReadonlyArray<string | number>) : [value as string | number | boolean];
            for (const v of values) out.push(`${key}=${unitValue(v)}`);
        }
    }
    return out.join("\n") + "\n";
}

/**
 * Quotes a value for a systemd EnvironmentFile (systemd.exec(5)): double quotes,
 * with backslash, double quote, dollar and backtick escaped. Pure.
 */
export function quoteEnvValue(value: string): string {
    if (/[\n\r\0]/.test(value)) throw new Error(`environment value must be a single line: ${JSON.stringify(value)}`);
    return `"${value.replace(/([\\"$`])/g, "\\$1")}"`;
}

/** Serializes an EnvironmentFile from ordered key/value pairs. Pure. */
export function renderEnvFile(vars: ReadonlyArray<readonly [string, string]>): string {
    const out = [hashHeader().trimEnd()];
    for (const [k, v] of vars) {
        if (!/^[A-Z_][A-Z0-9_]*$/.test(k)) throw new Error(`bad environment variable name: ${k}`);
        out.push(`${k}=${quoteEnvValue(v)}`);
    }
    return out.join("\n") + "\n";
}
