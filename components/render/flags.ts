/** A command-line flag value: arrays are joined with commas, `undefined` omits the flag. */
export type FlagValue = string | number | boolean | ReadonlyArray<string> | undefined;

/**
 * Serializes `--name=value` flags in the given order, as a single line for an EnvironmentFile
 * variable that a static unit expands with `$VAR` (systemd splits it on whitespace, so values
 * may not contain whitespace). Pure.
 */
export function renderFlags(flags: ReadonlyArray<readonly [string, FlagValue]>): string {
    const parts: string[] = [];
    for (const [name, value] of flags) {
        if (value === undefined) continue;
        if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`bad flag name: ${name}`);
        const v = Array.isArray(value) ? value.join(",") : String(value);
        if (/\s/.test(v)) throw new Error(`flag --${name} has whitespace in its value: ${JSON.stringify(v)}`);
        parts.push(`--${name}=${v}`);
    }
    return parts.join(" ");
}
