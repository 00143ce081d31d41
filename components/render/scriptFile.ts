import * as fs from "fs";
import * as path from "path";
import { hashHeader } from "./header";

/**
 * The static scripts installed on hosts live as real files in components/render/scripts/
 * (shellchecked by the unit tests). In the sources and in the package this module sits beside
 * them or, compiled, at bin/components/render/ with them three levels up.
 */
function scriptsDir(): string {
    const candidates = [path.join(__dirname, "scripts"), path.join(__dirname, "..", "..", "..", "components", "render", "scripts")];
    const dir = candidates.find((d) => fs.existsSync(d));
    if (!dir) throw new Error(`ha-kubernetes: the host scripts are missing (looked in ${candidates.join(", ")})`);
    return dir;
}

const texts = new Map<string, string>();
/** The file's text, read once per process (the renderers run once per host). */
function scriptText(name: string): string {
    let t = texts.get(name);
    if (t === undefined) texts.set(name, (t = fs.readFileSync(path.join(scriptsDir(), name), "utf8")));
    return t;
}

/**
 * The script `name` as it is installed: the header after its shebang, its `# shellcheck` directive
 * lines left out, each `@KEY@` replaced by `values[KEY]` (already quoted where the shell needs it).
 * Throws when a placeholder has no value or a value no placeholder. Reads a file of the package.
 */
export function renderScriptFile(name: string, values: Readonly<Record<string, string>> = {}): string {
    const text = scriptText(name);
    const [shebang, ...rest] = text.split("\n");
    if (!shebang.startsWith("#!")) throw new Error(`${name} has no shebang`);
    const used = new Set<string>();
    const body = rest
        .filter((l) => !/^\s*# shellcheck /.test(l))
        .join("\n")
        .replace(/@([A-Z_]+)@/g, (_, key: string) => {
            if (!(key in values)) throw new Error(`${name}: no value for @${key}@`);
            used.add(key);
            return values[key];
        });
    const unused = Object.keys(values).filter((k) => !used.has(k));
    if (unused.length > 0) throw new Error(`${name} has no placeholder for ${unused.join(", ")}`);
    return `${shebang}\n${hashHeader()}${body}`;
}
