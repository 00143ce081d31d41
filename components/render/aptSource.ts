/** The file's first line: what wrote it (not drift-detected: each install that has something to install writes it again). */
export const APT_SOURCE_HEADER = "# Written by ha-kubernetes for its package installs (packages.source: mirror); the host's own apt sources are not read.\n";

/** A Debian package mirror as a host's apt takes it (config `packages`, source `mirror`). */
export interface AptSourceSpec {
    /** `http://` or `https://` URL of the archive root (the directory that holds `dists/`). */
    readonly url: string;
    /** Suite, e.g. `bookworm`; the host's own codename (/etc/os-release VERSION_CODENAME) when absent. */
    readonly suite?: string;
    /** Archive components. */
    readonly components: readonly string[];
    /** Path on the host of the armored public key the archive's InRelease must be signed with; none: apt's trusted keys (Debian's archive keyring). */
    readonly keyring?: string;
}

/** A suite or component name as sources.list(5) takes it. */
export const APT_TOKEN = /^[A-Za-z0-9][A-Za-z0-9._/+-]*$/;

/** An archive URL apt and a shell take as it is: http(s), no spaces, quotes or shell syntax. */
export function isMirrorUrl(url: unknown): url is string {
    return typeof url === "string" && /^https?:\/\/[^\s'"`$\\;&|<>()]+$/.test(url);
}

/**
 * The one-line sources.list(5) file apt reads for ha-kubernetes' installs when hosts use a
 * package mirror: `deb [signed-by=…] URL SUITE COMPONENTS`. With no suite the line says
 * `$suite`, which the install script replaces with the host's codename (mixed releases share one
 * setting). Pure.
 */
export function renderAptSource(spec: AptSourceSpec): string {
    if (!isMirrorUrl(spec.url)) throw new Error(`bad package mirror URL ${JSON.stringify(spec.url)}`);
    if (spec.suite !== undefined && !APT_TOKEN.test(spec.suite)) throw new Error(`bad suite ${JSON.stringify(spec.suite)}`);
    if (!spec.components.length || !spec.components.every((c) => APT_TOKEN.test(c))) throw new Error(`bad components ${JSON.stringify(spec.components)}`);
    const options = spec.keyring ? ` [signed-by=${spec.keyring}]` : "";
    return `${APT_SOURCE_HEADER}deb${options} ${spec.url.replace(/\/+$/, "")} ${spec.suite ?? "$suite"} ${spec.components.join(" ")}\n`;
}
