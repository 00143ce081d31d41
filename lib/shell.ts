// Pure shell-script builders, shared by components and dynamic providers: the one shell quoter
// (no imports, so a provider can capture them).

/** Quotes one word for POSIX sh. */
export function shellQuote(s: string): string {
    return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

/**
 * How a login user other than root runs ha-kubernetes' scripts as root: `sudo`, passwordless
 * (`sudo -n`: a password prompt never waits, it fails).
 */
export type Become = "sudo";
export const BECOME_METHODS: readonly Become[] = ["sudo"];

/**
 * `script` as root on a host: unchanged without `become` (the login user is root); with `sudo`,
 * `sudo -n -- sh -c <script>`, which passes stdin on to the script (secrets travel there).
 */
export function asRoot(script: string, become: Become | undefined): string {
    return become === "sudo" ? `sudo -n -- sh -c ${shellQuote(script)}` : script;
}

/** Suffix of the copy of a file that existed before ha-kubernetes first wrote it. */
export const BACKUP_SUFFIX = ".ha-kubernetes-orig";

/**
 * The shell that writes stdin atomically to `path` with `mode`, under umask 077. With `backup`
 * (first write only), a file that was already there is kept beside it for `deleteFileScript`.
 */
export function writeFileScript(path: string, mode: string, backup = false): string {
    if (!/^0[0-7]{3}$/.test(mode)) throw new Error(`bad file mode ${mode}`);
    if (!path.startsWith("/")) throw new Error(`remote path must be absolute: ${path}`);
    const p = shellQuote(path);
    const b = shellQuote(path + BACKUP_SUFFIX);
    return [
        "set -eu",
        "umask 077",
        `mkdir -p -- "$(dirname -- ${p})"`,
        ...(backup ? [`if [ -e ${p} ] && [ ! -e ${b} ]; then cp -p -- ${p} ${b}; fi`] : []),
        `tmp="$(mktemp -- ${shellQuote(path + ".ha-k8s.XXXXXX")})"`,
        `cat > "$tmp"`,
        `chmod ${mode} -- "$tmp"`,
        `mv -f -- "$tmp" ${p}`,
    ].join("\n");
}

/** The shell that removes a managed file, putting back what was there before us. */
export function deleteFileScript(path: string): string {
    const p = shellQuote(path);
    const b = shellQuote(path + BACKUP_SUFFIX);
    return `if [ -e ${b} ]; then mv -f -- ${b} ${p}; else rm -f -- ${p}; fi`;
}

/** Shell that polls `check` every second until it succeeds or `timeoutSec` passes. */
export function waitScript(input: { what: string; check: string; timeoutSec: number; unit?: string }): string {
    const journal = input.unit ? `journalctl -u ${shellQuote(input.unit)} -n 30 --no-pager >&2; ` : "";
    return [
        `deadline=$(( $(date +%s) + ${Math.ceil(input.timeoutSec)} ))`,
        `until ( ${input.check} ) >/dev/null 2>&1; do`,
        `  if [ "$(date +%s)" -ge "$deadline" ]; then ${journal}echo ${shellQuote(`ha-kubernetes: timed out after ${input.timeoutSec}s waiting for ${input.what}`)} >&2; ( ${input.check} ) >&2 2>&1 | tail -n 5 >&2; exit 1; fi`,
        "  sleep 1",
        "done",
    ].join("\n");
}
