import { stringify } from "smol-toml";
import { hashHeader } from "./header";
import { PATHS } from "./paths";
import { assertRegistryHost } from "./registryHosts";

/** Credentials for one registry endpoint. */
export interface RegistryAuth {
    /** The endpoint's `host[:port]` exactly as in the hosts.toml endpoint URL containerd contacts. */
    readonly host: string;
    readonly username: string;
    /** SECRET. */
    readonly password: string;
}

export interface ContainerdSpec {
    /** Pod sandbox (pause) image, e.g. `registry.example.test:5000/pause:3.10`. Default: containerd 1.6's built-in pause image. */
    readonly sandboxImage?: string;
    /** Directory with the CNI plugin binaries. Default /usr/lib/cni (Debian's containernetworking-plugins). */
    readonly cniBinDir?: string;
    /** Directory with CNI network configurations. Default /etc/cni/net.d. */
    readonly cniConfDir?: string;
    /** runc's systemd cgroup driver; must match the kubelet's `cgroupDriver` (true for `systemd`). */
    readonly systemdCgroup: boolean;
    /** Snapshotter. Default `overlayfs`. */
    readonly snapshotter?: string;
    /** Directory of per-registry hosts.toml files. Default /etc/containerd/certs.d. */
    readonly registryConfigPath?: string;
    /** Registry credentials. SECRET: when present the lead writes the file 0600. */
    readonly registryAuth?: ReadonlyArray<RegistryAuth>;
    /**
     * Clamp containers' oom_score_adj to containerd's own (CRI `restrict_oom_score_adj`); needed
     * where the host lacks CAP_SYS_RESOURCE (nodes in containers). Default false.
     */
    readonly restrictOomScoreAdj?: boolean;
}

const ABS_PATH = /^\/[A-Za-z0-9_./-]*$/;
/** An image reference: [registry[:port]/]path[:tag][@digest], no whitespace or quotes. */
const IMAGE_REF = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

function validate(spec: ContainerdSpec): void {
    if (spec.sandboxImage !== undefined && !IMAGE_REF.test(spec.sandboxImage))
        throw new Error(`containerd sandboxImage ${JSON.stringify(spec.sandboxImage)} is not an image reference`);
    for (const [what, v] of [
        ["cniBinDir", spec.cniBinDir],
        ["cniConfDir", spec.cniConfDir],
        ["registryConfigPath", spec.registryConfigPath],
    ] as const) {
        if (v !== undefined && !ABS_PATH.test(v)) throw new Error(`containerd ${what} must be an absolute path, got ${JSON.stringify(v)}`);
    }
    if (typeof spec.systemdCgroup !== "boolean") throw new Error("containerd systemdCgroup must be a boolean");
    if (spec.snapshotter !== undefined && !/^[a-z0-9_-]+$/.test(spec.snapshotter))
        throw new Error(`containerd snapshotter ${JSON.stringify(spec.snapshotter)} is not a snapshotter name`);
    const hosts = new Set<string>();
    for (const a of spec.registryAuth ?? []) {
        assertRegistryHost(a.host);
        if (hosts.has(a.host)) throw new Error(`duplicate containerd registry auth for ${a.host}`);
        hosts.add(a.host);
        if (typeof a.username !== "string" || a.username === "") throw new Error(`containerd registry auth for ${a.host}: empty username`);
        if (typeof a.password !== "string") throw new Error(`containerd registry auth for ${a.host}: password must be a string`);
    }
}

/**
 * /etc/containerd/config.toml for containerd 1.6 (Debian bookworm, config `version = 2`): the
 * CRI plugin with runc v2 (SystemdCgroup per spec), the CNI directories, registries from
 * hosts.toml files under `registry.config_path`, and optional credentials in
 * `registry.configs."<host>".auth` (still honoured next to config_path in 1.6; keyed by the
 * endpoint host containerd contacts). Contains secrets when registryAuth is set. Pure.
 */
export function renderContainerdConfig(spec: ContainerdSpec): string {
    validate(spec);
    const auth = spec.registryAuth ?? [];
    const cri: Record<string, unknown> = {
        ...(spec.sandboxImage !== undefined ? { sandbox_image: spec.sandboxImage } : {}),
        ...(spec.restrictOomScoreAdj ? { restrict_oom_score_adj: true } : {}),
        containerd: {
            snapshotter: spec.snapshotter ?? "overlayfs",
            default_runtime_name: "runc",
            runtimes: {
                runc: {
                    runtime_type: "io.containerd.runc.v2",
                    options: { SystemdCgroup: spec.systemdCgroup },
                },
            },
        },
        cni: {
            bin_dir: spec.cniBinDir ?? PATHS.node.cniBinDir,
            conf_dir: spec.cniConfDir ?? PATHS.node.cniConfDir,
        },
        registry: {
            config_path: spec.registryConfigPath ?? PATHS.node.containerdRegistryDir,
            ...(auth.length > 0
                ? {
                      configs: Object.fromEntries(auth.map((a) => [a.host, { auth: { username: a.username, password: a.password } }])),
                  }
                : {}),
        },
    };
    return `${hashHeader()}\n${stringify({ version: 2, plugins: { "io.containerd.grpc.v1.cri": cri } }).trimEnd()}\n`;
}
