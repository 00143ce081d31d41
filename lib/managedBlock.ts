// Pure shell-script builders for a block of lines ha-kubernetes owns inside a file the host owns
// (/etc/hosts): the lines between BLOCK_BEGIN and BLOCK_END are ours, every other line is kept
// as it is. No imports but the quoter, so a provider can capture them.
import { shellQuote } from "./shell";

/** The line before the block. */
export const BLOCK_BEGIN = "# BEGIN ha-kubernetes";
/** The line after the block. */
export const BLOCK_END = "# END ha-kubernetes";

/** awk that prints the file without the block (and its marker lines). */
function withoutBlock(file: string): string {
    return `awk -v b=${shellQuote(BLOCK_BEGIN)} -v e=${shellQuote(BLOCK_END)} '$0 == b { s = 1; next } $0 == e { s = 0; next } !s' ${file}`;
}

/** Shell that prints the sha256 of the block's lines (each with its newline), or `absent`. Pure. */
export function blockReadScript(path: string): string {
    const p = shellQuote(path);
    return [
        `if [ -f ${p} ] && grep -qxF -- ${shellQuote(BLOCK_BEGIN)} ${p}; then`,
        `    awk -v b=${shellQuote(BLOCK_BEGIN)} -v e=${shellQuote(BLOCK_END)} '$0 == e { p = 0 } p { print } $0 == b { p = 1 }' ${p} | sha256sum | cut -d' ' -f1`,
        "else",
        "    echo absent",
        "fi",
    ].join("\n");
}

/**
 * Shell that rewrites the file with the block from stdin (which ends with a newline) at its end
 * and every other line kept, owner and mode kept; atomically (a rename) where the file can be
 * replaced, in place where it cannot (a bind-mounted /etc/hosts in a container). Pure.
 */
export function blockWriteScript(path: string): string {
    return rewrite(path, [`{ printf '%s\\n' ${shellQuote(BLOCK_BEGIN)}; cat; printf '%s\\n' ${shellQuote(BLOCK_END)}; } >> "$tmp"`]);
}

/** Shell that removes the block (and its marker lines) from the file, every other line kept. Pure. */
export function blockDeleteScript(path: string): string {
    return `if [ -f ${shellQuote(path)} ]; then\n${rewrite(path, [])}\nfi`;
}

function rewrite(path: string, append: readonly string[]): string {
    if (!path.startsWith("/")) throw new Error(`remote path must be absolute: ${path}`);
    const p = shellQuote(path);
    return [
        "set -eu",
        `[ -e ${p} ] || { touch -- ${p}; chmod 0644 -- ${p}; }`,
        `tmp="$(mktemp -- ${shellQuote(path + ".ha-k8s.XXXXXX")})"`,
        `trap 'rm -f -- "$tmp"' EXIT`,
        `${withoutBlock(p)} > "$tmp"`,
        ...append,
        `chmod --reference=${p} -- "$tmp"`,
        `chown --reference=${p} -- "$tmp"`,
        `mv -f -- "$tmp" ${p} 2>/dev/null || cat -- "$tmp" > ${p}`,
    ].join("\n");
}
