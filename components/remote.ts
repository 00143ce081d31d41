import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { ManagedBlock } from "../providers/managedBlock";
import { ManagedFile } from "../providers/managedFile";
import { ManagedService } from "../providers/managedService";
import { SshTarget } from "../providers/ssh";
import { PackageSource } from "./packageSource";
import { asRoot, BACKUP_SUFFIX, Become, deleteFileScript, shellQuote, waitScript, writeFileScript } from "../lib/shell";

export { BACKUP_SUFFIX, deleteFileScript, shellQuote, waitScript, writeFileScript };

/** SSH connection settings as @pulumi/command takes them. */
export type Connection = command.types.input.remote.ConnectionArgs;

/** A host as components take it: stable key, address, and how to reach it. */
export interface ClusterHost {
    /** Stable key: names resources, the etcd member and the Kubernetes node. */
    readonly name: string;
    /** IPv4 address on the host network. */
    readonly address: string;
    /** SSH connection (privateKey should be a secret). */
    readonly connection: pulumi.Input<Connection>;
    /** How the login user runs scripts as root (`sudo`). Default: none, the login user is root. */
    readonly become?: Become;
    /** Where the host's apt gets the packages ha-kubernetes installs. Default: the host's own sources. */
    readonly packages?: PackageSource;
}

/** How a host is reached, how its scripts become root and where it gets packages: what a host derived from `host` must carry. */
export function reachOf(host: ClusterHost): Pick<ClusterHost, "connection" | "become" | "packages"> {
    return { connection: host.connection, ...(host.become ? { become: host.become } : {}), ...(host.packages ? { packages: host.packages } : {}) };
}

/** The host's connection as the dynamic providers take it: with `become` when the host has one (else the connection as given). */
export function sshTarget(host: ClusterHost): pulumi.Input<SshTarget> {
    const become = host.become;
    return become ? pulumi.output(host.connection).apply((c): SshTarget => ({ ...(c as SshTarget), become })) : (host.connection as pulumi.Input<SshTarget>);
}

/** A @pulumi/command remote Command's arguments without the connection (the host gives it). */
export type RootCommandArgs = Omit<command.remote.CommandArgs, "connection">;

/**
 * A remote Command on `host` whose scripts (create, update, delete) run as root: as they are
 * when the login user is root, else through `become` (stdin still reaches them).
 */
export function remoteCommand(name: string, host: ClusterHost, args: RootCommandArgs, opts: pulumi.CustomResourceOptions): command.remote.Command {
    const become = host.become;
    const root = (s: pulumi.Input<string>) => pulumi.output(s).apply((v) => asRoot(v, become));
    const scripts = become ? Object.fromEntries((["create", "update", "delete"] as const).flatMap((k) => (args[k] === undefined ? [] : [[k, root(args[k])]]))) : {};
    return new command.remote.Command(name, { ...args, ...scripts, connection: host.connection }, opts);
}

export function sha256(s: string): string {
    return createHash("sha256").update(s).digest("hex");
}

/** A file to place on a host. Content travels over stdin, never on the command line. */
export interface FileSpec {
    readonly path: string;
    readonly content: pulumi.Input<string>;
    /**
     * Octal mode. Default "0600": every file ha-kubernetes writes is read by root-run services
     * only (CIS 1.1 and 4.1 ask 600 for units, configs, kubeconfigs and PKI); scripts are "0755".
     */
    readonly mode?: string;
}

/**
 * Writes one file on a host: a drift-detected ManagedFile (rewritten atomically on change or
 * drift, removed or restored on destroy). Content travels over SSH stdin only.
 */
export function remoteFile(name: string, host: ClusterHost, file: FileSpec, opts: pulumi.CustomResourceOptions): ManagedFile {
    const mode = file.mode ?? "0600";
    return new ManagedFile(
        name,
        {
            host: host.name,
            connection: pulumi.output(sshTarget(host)),
            path: file.path,
            content: file.content,
            mode,
        },
        { ...opts, secretContent: mode === "0600" },
    );
}

/** The host's /etc/hosts, as ManagedBlock takes it. */
export const ETC_HOSTS = "/etc/hosts";

/** ha-kubernetes' lines in a host's /etc/hosts (`content`: renderHostsEntries), drift-detected; the rest of the file stays the host's. */
export function etcHostsBlock(name: string, host: ClusterHost, content: string, opts: pulumi.CustomResourceOptions): ManagedBlock {
    return new ManagedBlock(name, { host: host.name, connection: pulumi.output(sshTarget(host)), path: ETC_HOSTS, content }, opts);
}

/**
 * A restart trigger: changes whenever any of the files is (re)written — new content or a drift
 * repair — or a binary's checksum changes.
 */
export function revision(files: readonly ManagedFile[], binarySha256s: readonly string[] = []): pulumi.Output<string> {
    return pulumi.all(files.map((f) => f.writes)).apply((w) => sha256([...w.map(String), ...binarySha256s].join(",")));
}

/** Writes a list of files on one host, named `${prefix}-${suffix}` by a stable suffix per file. */
export function remoteFiles(prefix: string, host: ClusterHost, files: ReadonlyArray<FileSpec & { readonly key: string }>, opts: pulumi.CustomResourceOptions): ManagedFile[] {
    return files.map((f) => remoteFile(`${prefix}-${f.key}`, host, f, opts));
}

/**
 * A systemd service on a host: enabled on create (started by the component's rolling restart),
 * drift-detected on refresh (stopped or disabled) and repaired by `pulumi up`; stopped and
 * disabled on delete (its unit file is a ManagedFile of its own).
 */
export function remoteService(name: string, host: ClusterHost, unit: string, opts: pulumi.CustomResourceOptions): ManagedService {
    return new ManagedService(
        name,
        {
            host: host.name,
            connection: pulumi.output(sshTarget(host)),
            unit,
        },
        opts,
    );
}

/**
 * Shell that (re)starts `unit` and waits until `check` succeeds, up to `timeoutSec`.
 * When the unit fails its journal tail goes to stderr, so the Pulumi error names host and reason.
 */
export function restartAndWaitScript(input: { unit: string; host: string; check: string; timeoutSec: number; noBlock?: boolean; preRestart?: string }): string {
    const u = shellQuote(input.unit);
    return [
        "set -u",
        input.preRestart ?? "",
        `systemctl daemon-reload`,
        `systemctl restart ${input.noBlock ? "--no-block " : ""}${u} || { journalctl -u ${u} -n 30 --no-pager >&2; echo ${shellQuote(`ha-kubernetes: ${input.unit} failed to start on ${input.host}`)} >&2; exit 1; }`,
        waitScript({ what: `${input.unit} on ${input.host}`, check: input.check, timeoutSec: input.timeoutSec, unit: input.unit }),
    ]
        .filter((l) => l !== "")
        .join("\n");
}
