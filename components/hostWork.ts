import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ArtifactSource, hostBase, installBinaries } from "./artifacts";
import { ManagedFile } from "../providers/managedFile";
import { ClusterHost, etcHostsBlock, FileSpec, remoteCommand, remoteFiles, remoteService, revision } from "./remote";

/**
 * One host's work as data, and the one place that turns it into resources. Every component's
 * per-host chain is the same, in this order:
 *   ha-kubernetes' lines in /etc/hosts (`<prefix>-<role>-etc-hosts`, only when there are any)
 *   → packages (`<prefix>-<role>-base`, removed on destroy after `cleanup`)
 *   → files (`<prefix>-<role>-<key>`, drift-detected) and binaries (`<prefix>-bin-<name>`)
 *   → services (`<prefix>-<unit>-unit`: enabled, drift-detected)
 *   → the restart (`<prefix>-<role>-restart`), run on create and whenever a file that restarts
 *     the host is (re)written or a checksum in `restartOn` changes, after what the rollout order
 *     says it waits for (components/rollout.ts).
 * The health gate after the restart is the component's own (etcd health, /readyz, Node Ready).
 */
export interface HostWork {
    readonly host: ClusterHost;
    /** `<component>-<host>`: binaries and services are named from it. */
    readonly prefix: string;
    /** `etcd`, `cp`, `node`, `lb`: base, files and restart are named `<prefix>-<role>-…`. */
    readonly role: string;
    /** Debian packages the host needs. */
    readonly packages: readonly string[];
    /** Shell run on destroy before the packages go (remove what the services left). */
    readonly cleanup: string;
    /** `restarts: false`: a file the services do not read (a script run by hand, pod routes with their own restart). */
    readonly files: ReadonlyArray<FileSpec & { readonly key: string; readonly restarts?: boolean }>;
    /** Binaries from the artifact source; `via`: the host as binaries reach it (e.g. only after the control plane's gate). */
    readonly binaries?: { readonly names: readonly string[]; readonly source: ArtifactSource; readonly via?: ClusterHost };
    /** Checksums (binaries', image archives') that restart the host when they change. */
    readonly restartOn?: readonly string[];
    /** systemd units that run from these files. */
    readonly services?: readonly string[];
    /** ha-kubernetes' block in the host's /etc/hosts (renderHostsEntries), before anything else; none: not touched. */
    readonly etcHosts?: string;
}

/** What `installHost` made: the restart comes after `installed`, triggered by `digest`. */
export interface HostInstall {
    readonly base: command.remote.Command;
    /** Options that wait for the packages (for a component's own uploads). */
    readonly onBase: pulumi.CustomResourceOptions;
    readonly files: readonly ManagedFile[];
    readonly binaries: readonly command.remote.Command[];
    readonly services: readonly pulumi.CustomResource[];
    /** Changes whenever a restarting file is (re)written or a `restartOn` checksum changes. */
    readonly digest: pulumi.Output<string>;
    /** What the restart waits for: the services, or the files and binaries of a host without managed services. */
    readonly installed: readonly pulumi.Resource[];
}

/** What fetching binaries from a download source needs on the host (a minimal Debian has neither). */
export const DOWNLOAD_PACKAGES: readonly string[] = ["curl", "ca-certificates"];

/** The packages of a host's base: its own, plus what downloading its binaries needs. Pure. */
export function basePackages(w: Pick<HostWork, "packages" | "binaries">): string[] {
    const extra = w.binaries?.source.kind === "download" ? DOWNLOAD_PACKAGES : [];
    return [...new Set([...w.packages, ...extra])];
}

/** Packages, files, binaries and services of one host (everything before its restart). */
export function installHost(w: HostWork, opts: pulumi.CustomResourceOptions): HostInstall {
    const hosts = w.etcHosts === undefined ? undefined : etcHostsBlock(`${w.prefix}-${w.role}-etc-hosts`, w.host, w.etcHosts, opts);
    const base = hostBase(`${w.prefix}-${w.role}-base`, w.host, basePackages(w), w.cleanup, hosts ? pulumi.mergeOptions(opts, { dependsOn: [hosts] }) : opts);
    const onBase = pulumi.mergeOptions(opts, { dependsOn: [base] });
    const files = remoteFiles(`${w.prefix}-${w.role}`, w.host, w.files, onBase);
    const binaries = w.binaries ? installBinaries(w.prefix, w.binaries.via ?? w.host, w.binaries.names, w.binaries.source, onBase) : [];
    const services = (w.services ?? []).map((u) => remoteService(`${w.prefix}-${u}-unit`, w.host, u, pulumi.mergeOptions(opts, { dependsOn: [...files, ...binaries] })));
    const digest = revision(
        files.filter((_, i) => w.files[i].restarts !== false),
        w.restartOn ?? [],
    );
    return { base, onBase, files, binaries, services, digest, installed: services.length > 0 ? services : [...files, ...binaries] };
}

/** How a host restarts: the script (it waits for its services itself), more triggers, and what else it waits for. */
export interface RestartSpec {
    readonly script: pulumi.Input<string>;
    /** Triggers after the digest (e.g. the control plane's gate). */
    readonly triggers?: readonly pulumi.Input<string>[];
    /** Besides what was installed: the previous batch's gates, a drain, uploads. */
    readonly after: readonly pulumi.Resource[];
}

/** The restart of one host, after its install and `restart.after`. */
export function restartHost(w: HostWork, install: HostInstall, restart: RestartSpec, opts: pulumi.CustomResourceOptions): command.remote.Command {
    return remoteCommand(
        `${w.prefix}-${w.role}-restart`,
        w.host,
        {
            create: restart.script,
            triggers: [install.digest, ...(restart.triggers ?? [])],
            logging: "stderr",
        },
        pulumi.mergeOptions(opts, { dependsOn: [...install.installed, ...restart.after] }),
    );
}
