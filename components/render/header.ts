/** The first line(s) of every file ha-kubernetes writes to a host. */
export const MANAGED_BY = "Managed by ha-kubernetes. Do not edit: `pulumi up` reverts local changes.";

/** The header as a comment block for `#`-comment formats (systemd, env, YAML, TOML, haproxy, keepalived, nginx, shell). */
export function hashHeader(): string {
    return `# ${MANAGED_BY}\n`;
}
