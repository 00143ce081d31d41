import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { ArtifactsArgs } from "./config";
import { PackageSource } from "./packageSource";
import { renderAptSource } from "./render/aptSource";
import { ClusterHost, remoteCommand, shellQuote } from "./remote";
import { UPLOAD_DIR, uploadFile } from "./upload";

/** Where binaries come from, resolved: every needed binary has a checksum. */
/** Where hosts get the binaries: fetched by each host (`download`) or uploaded by Pulumi (`local`); sha256 per binary name. */
export type ArtifactSource =
    | {
          readonly kind: "download";
          /** URL prefix (placeholders already substituted). */
          readonly baseUrl: string;
          readonly sha256: Readonly<Record<string, string>>;
      }
    | {
          readonly kind: "local";
          /** Directory on the Pulumi machine. */
          readonly directory: string;
          readonly sha256: Readonly<Record<string, string>>;
      };

export const BIN_DIR = "/usr/local/bin";
export const STAGING_DIR = "/var/lib/ha-kubernetes/artifacts";

/** Parses `sha256sum` output (`<hex>  <name>`). Pure. */
export function parseSha256Sums(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of text.split("\n")) {
        const m = /^([0-9a-f]{64})\s+\*?(.+)$/.exec(line.trim());
        if (m) out[path.basename(m[2])] = m[1];
    }
    return out;
}

/** Resolves the configured source: substitutes versions, reads SHA256SUMS for local sources. */
export function resolveArtifactSource(args: ArtifactsArgs | undefined, versions: { kubernetes: string; etcd: string }): ArtifactSource {
    const kind = args?.source ?? "download";
    if (kind === "local") {
        const directory = args?.directory ?? "";
        const sums = args?.sha256 ?? parseSha256Sums(fs.readFileSync(path.join(directory, "SHA256SUMS"), "utf8"));
        return { kind, directory, sha256: sums };
    }
    const baseUrl = (args?.baseUrl ?? "")
        .replace(/\{version\}/g, versions.kubernetes)
        .replace(/\{etcdVersion\}/g, versions.etcd)
        .replace(/\/+$/, "");
    return { kind, baseUrl, sha256: args?.sha256 ?? {} };
}

/** Shell that installs one binary into /usr/local/bin after checking its sha256; idempotent. Pure. */
export function installBinaryScript(input: { name: string; sha256: string; host: string; url?: string; staged?: string }): string {
    const dest = `${BIN_DIR}/${input.name}`;
    const q = shellQuote;
    const fetch = input.url
        ? `tmp="$(mktemp)"; trap 'rm -f "$tmp"' EXIT\ncurl -fsSL --retry 3 --connect-timeout 10 -o "$tmp" ${q(input.url)} || { echo ${q(`ha-kubernetes: download of ${input.name} failed on ${input.host}`)} >&2; exit 1; }`
        : `tmp=${q(input.staged!)}`;
    return [
        "set -eu",
        `want=${q(input.sha256)}`,
        `if [ -x ${q(dest)} ] && printf '%s  %s\\n' "$want" ${q(dest)} | sha256sum -c --status; then exit 0; fi`,
        fetch,
        `echo "$want  $tmp" | sha256sum -c --status || { echo ${q(`ha-kubernetes: checksum mismatch for ${input.name} on ${input.host}`)} >&2; exit 1; }`,
        `install -m 0755 "$tmp" ${q(dest + ".new")}`,
        `mv -f ${q(dest + ".new")} ${q(dest)}`,
    ].join("\n");
}

/**
 * Installs `binaries` on `host`, one Command each (`${prefix}-bin-${name}`); for a local source the
 * file is first uploaded with CopyToRemote (`${prefix}-upload-${name}`). Returns the install commands.
 */
export function installBinaries(
    prefix: string,
    host: ClusterHost,
    binaries: readonly string[],
    source: ArtifactSource,
    opts: pulumi.CustomResourceOptions,
): command.remote.Command[] {
    return binaries.map((name) => {
        const sha = source.sha256[name];
        if (!sha) throw new Error(`no sha256 for ${name}`);
        let deps: pulumi.Resource[] = [];
        let script: string;
        if (source.kind === "local") {
            const staged = `${STAGING_DIR}/${name}-${sha.slice(0, 16)}`;
            deps = [uploadFile(prefix, name, host, path.join(source.directory, name), staged, sha, opts)];
            script = installBinaryScript({ name, sha256: sha, host: host.name, staged });
        } else {
            script = installBinaryScript({ name, sha256: sha, host: host.name, url: `${source.baseUrl}/${name}` });
        }
        return remoteCommand(
            `${prefix}-bin-${name}`,
            host,
            {
                create: script,
                delete: `rm -f -- ${shellQuote(`${BIN_DIR}/${name}`)} ${source.kind === "local" ? `${shellQuote(STAGING_DIR)}/${shellQuote(name)}-*` : ""}`.trim(),
                logging: "stderr",
            },
            pulumi.mergeOptions(opts, { dependsOn: deps }),
        );
    });
}

/** Where each host base records the packages it installed (one file per base, named after it). */
export const PACKAGE_RECORD_DIR = "/var/lib/ha-kubernetes/packages";

/** The lock a host's package installs and removals take (one at a time per host; outside the directories destroy removes). */
export const PACKAGE_LOCK = "/run/lock/ha-kubernetes-packages.lock";

/** The record of the packages base `name` installed. */
export function packageRecord(name: string): string {
    return `${PACKAGE_RECORD_DIR}/${name}`;
}

/** Where a base keeps the apt source (`<record>.list`) and key (`<record>.asc`) of its package mirror. */
function mirrorFiles(record: string): { list: string; key: string } {
    return { list: `${record}.list`, key: `${record}.asc` };
}

/**
 * Shell that makes apt read only the package mirror `source` (its sources.list and key written
 * next to the base's record), setting `$apt` to the options that say so. The host's own apt
 * sources are neither read nor changed. Pure.
 */
function mirrorSourceScript(source: PackageSource, record: string): string[] {
    const f = mirrorFiles(record);
    const list = renderAptSource({ url: source.url, suite: source.suite, components: source.components, keyring: source.signedBy ? f.key : undefined });
    return [
        ...(source.signedBy ? [`printf '%s' ${shellQuote(source.signedBy)} > ${shellQuote(f.key)}`] : []),
        ...(source.suite === undefined
            ? [
                  // the host's own release (mixed releases share one setting)
                  `suite="$(. /etc/os-release && echo "\${VERSION_CODENAME:-}")"`,
                  `case "$suite" in '' | *[!a-z0-9]*) echo "cannot tell this host's Debian codename from /etc/os-release: set packages.suite" >&2; exit 1 ;; esac`,
                  `printf '%s' ${shellQuote(list)} | sed "s/\\$suite/$suite/" > ${shellQuote(f.list)}`,
              ]
            : [`printf '%s' ${shellQuote(list)} > ${shellQuote(f.list)}`]),
        `apt="-o Dir::Etc::SourceList=${f.list} -o Dir::Etc::SourceParts=- -o APT::Get::List-Cleanup=0"`,
    ];
}

/**
 * Shell that makes sure Debian packages are present (apt only when something is missing) and
 * records on the host every package the install added, dependencies included (what dpkg lists
 * after it and did not before), so that destroy removes exactly those and nothing the host had.
 * Packages come from the host's own apt sources, or only from the package mirror `source`.
 * The bases of a host (etcd, control plane, load balancer, node) install one at a time under one
 * lock, so that each records only its own. The record survives re-runs (it only grows); it also
 * goes to stdout. Pure.
 */
export function ensurePackagesScript(packages: readonly string[], record: string, source?: PackageSource): string {
    const pk = packages.map(shellQuote).join(" ");
    const r = shellQuote(record);
    return [
        "set -eu",
        `mkdir -p ${shellQuote(PACKAGE_RECORD_DIR)}`,
        `exec 9>${shellQuote(PACKAGE_LOCK)}`,
        `flock -w 900 9 || { echo "another ha-kubernetes package install on this host holds ${PACKAGE_LOCK}" >&2; exit 1; }`,
        "missing=''",
        `for p in ${pk}; do dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"; done`,
        `installed() { dpkg-query -W -f='\${db:Status-Abbrev} \${Package}\\n' | awk '$1 == "ii" { print $2 }' | sort -u; }`,
        `if [ -n "$missing" ]; then`,
        ...(source ? mirrorSourceScript(source, record) : ["apt=''"]).map((l) => `    ${l}`),
        `    installed > ${r}.before`,
        `    # shellcheck disable=SC2086 # $apt: options, one word each`,
        `    apt-get $apt update -qq && DEBIAN_FRONTEND=noninteractive apt-get $apt install -y -qq --no-install-recommends $missing >/dev/null`,
        `    { cat ${r} 2>/dev/null || true; installed | comm -13 ${r}.before -; } | sort -u > ${r}.new`,
        `    mv ${r}.new ${r}; rm -f ${r}.before`,
        `fi`,
        `touch ${r}`,
        `tr '\n' ' ' < ${r}`,
    ].join("\n");
}

/** Directories removed on destroy when empty (deepest first). */
export const EMPTY_DIRS_ON_DESTROY = [
    "/etc/kubernetes/pki",
    "/etc/kubernetes",
    "/etc/etcd/pki",
    "/etc/etcd",
    "/etc/ha-kubernetes",
    "/usr/local/lib/ha-kubernetes",
    "/var/lib/ha-kubernetes/artifacts",
    PACKAGE_RECORD_DIR,
    "/var/lib/ha-kubernetes",
    "/etc/kube-flannel",
];

/**
 * Shell for destroy (under the install lock): `cleanup`, then removal of the packages the create
 * step installed, as the host's record lists them (no environment variable needed: stock sshd accepts none). A base
 * created before records existed falls back to its recorded stdout, when the provider passes it. Pure.
 */
export function removePackagesScript(cleanup: string, record: string): string {
    const r = shellQuote(record);
    return [
        `exec 9>${shellQuote(PACKAGE_LOCK)}`,
        `flock -w 900 9 || true`,
        `pkgs="$(cat ${r} 2>/dev/null || true)"`,
        `[ -n "$pkgs" ] || pkgs="\${PULUMI_COMMAND_STDOUT:-}"`,
        cleanup,
        `if [ -n "$pkgs" ]; then DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq $pkgs >/dev/null 2>&1 || true; fi`,
        `rm -f ${r} ${shellQuote(mirrorFiles(record).list)} ${shellQuote(mirrorFiles(record).key)}`,
        // directories ha-kubernetes created, if nothing else lives there
        `for d in ${EMPTY_DIRS_ON_DESTROY.join(" ")}; do rmdir --ignore-fail-on-non-empty "$d" 2>/dev/null || true; done`,
    ]
        .filter(Boolean)
        .join("\n");
}

/**
 * The first resource on a host for one component: installs missing Debian packages; on destroy
 * (it is deleted last, since everything else on the host depends on it) runs `cleanup` and removes
 * the packages it installed.
 */
export function hostBase(name: string, host: ClusterHost, packages: readonly string[], cleanup: string, opts: pulumi.CustomResourceOptions): command.remote.Command {
    // a login user's uploads directory goes too (files leave it as they move into place)
    const onDestroy = host.become ? [cleanup, `rm -rf -- ${shellQuote(UPLOAD_DIR)}`].filter(Boolean).join("\n") : cleanup;
    return remoteCommand(
        name,
        host,
        {
            create: ensurePackagesScript(packages, packageRecord(name), host.packages),
            delete: removePackagesScript(onDestroy, packageRecord(name)),
            logging: "stderr",
        },
        opts,
    );
}
