/**
 * The add-ons' settings: their defaults, their checks and their images, decided here once for the
 * stack configuration (validation.ts) and the Addons component alike. Pure.
 */
import type { AddonsArgs } from "./config";
import { coreDnsSettingProblems } from "./render/coredns";
import { metricsServerSettingProblems } from "./render/metricsServer";
import { isImageReference } from "./render/references";

/** CoreDNS settings (cluster DNS). */
export interface CoreDnsSettings {
    /** Image. Default `<imageRepository>/coredns/coredns:v1.13.1` with `imageRepository`, else `coredns/coredns:1.13.1` (the CoreDNS project's image). */
    readonly image?: string;
    /** Replicas. Default 2. */
    readonly replicas?: number;
    /** Resolvers for names outside the cluster (IPv4[:port] or a resolv.conf path). Default `["/etc/resolv.conf"]` (the nodes'); `[]` answers cluster names only. */
    readonly upstreams?: readonly string[];
    /** Cache time, seconds. Default 30. */
    readonly cacheSeconds?: number;
}

/** metrics-server settings (the `metrics.k8s.io` API behind `kubectl top` and autoscalers). */
export interface MetricsServerSettings {
    /**
     * Image. Default `<imageRepository>/metrics-server/metrics-server:v0.8.0`; without
     * `imageRepository` it must be given (the project publishes it in the Kubernetes project's
     * image registry; mirror it when air-gapped).
     */
    readonly image?: string;
    /** Replicas. Default 2 (with a disruption budget: the API stays up through a node's drain). */
    readonly replicas?: number;
    /** How often kubelets are scraped, seconds (at least 10). Default 15. */
    readonly resolutionSeconds?: number;
}

export const COREDNS_DEFAULTS = { replicas: 2, upstreams: ["/etc/resolv.conf"], cacheSeconds: 30 } as const;
export const METRICS_SERVER_DEFAULTS = { replicas: 2, resolutionSeconds: 15 } as const;

/** The add-on versions ha-kubernetes deploys by default, and the image paths under an image repository. */
export const ADDON_IMAGES = {
    coredns: { path: "coredns/coredns", tag: "v1.13.1", projectImage: "coredns/coredns:1.13.1" },
    metricsServer: { path: "metrics-server/metrics-server", tag: "v0.8.0" },
} as const;

/** What the add-on settings resolve to (defaults applied, images decided). */
export interface ResolvedAddons {
    readonly coredns: false | { readonly image: string; readonly replicas: number; readonly upstreams: readonly string[]; readonly cacheSeconds: number };
    readonly metricsServer: false | { readonly image: string; readonly replicas: number; readonly resolutionSeconds: number };
}

/** The add-on settings as given: CoreDNS on unless `false`, metrics-server off unless `true` or settings. */
export interface AddonSettingsInput {
    readonly imageRepository?: string;
    readonly coredns?: CoreDnsSettings | false;
    readonly metricsServer?: MetricsServerSettings | boolean;
}

type Problem = { propertyPath: string; reason: string };

const image = (repo: string | undefined, i: { path: string; tag: string }) => (repo === undefined ? undefined : `${repo.replace(/\/+$/, "")}/${i.path}:${i.tag}`);

/**
 * Every problem with the add-on settings, addressed under `prefix` (e.g. `addons`; `""` for the
 * Addons component's own arguments). Pure.
 */
export function addonSettingProblems(a: AddonSettingsInput, prefix: string): Problem[] {
    const at = (path: string) => (prefix ? `${prefix}.${path}` : path);
    const problems: Problem[] = [];
    const repo = a.imageRepository as unknown;
    if (repo !== undefined && (typeof repo !== "string" || !isImageReference(repo) || repo.includes("@") || /:[^/]*$/.test(repo.replace(/^[^/]*/, "")))) {
        problems.push({ propertyPath: at("imageRepository"), reason: `bad image repository ${JSON.stringify(repo)} (a registry host[:port] and path, no tag)` });
    }
    if (a.coredns) problems.push(...coreDnsSettingProblems(a.coredns, at("coredns")));
    const ms = a.metricsServer as unknown;
    if (ms !== undefined && typeof ms !== "boolean" && (typeof ms !== "object" || ms === null || Array.isArray(ms))) {
        problems.push({ propertyPath: at("metricsServer"), reason: `metricsServer must be true, false or settings, got ${JSON.stringify(ms)}` });
        return problems;
    }
    if (!ms) return problems;
    const s: MetricsServerSettings = ms === true ? {} : (ms as MetricsServerSettings);
    problems.push(...metricsServerSettingProblems(s, at("metricsServer")));
    if (s.image === undefined && repo === undefined) {
        problems.push({
            propertyPath: at("metricsServer.image"),
            reason: `metrics-server needs an image: set ${at("metricsServer.image")} (${ADDON_IMAGES.metricsServer.path}:${ADDON_IMAGES.metricsServer.tag} from the Kubernetes project's registry, or your mirror of it) or ${at("imageRepository")}`,
        });
    }
    return problems;
}

/** The settings with every default applied. Assumes addonSettingProblems found nothing. Pure. */
export function resolveAddons(a: AddonSettingsInput): ResolvedAddons {
    const repo = a.imageRepository;
    const c = a.coredns;
    const coredns: ResolvedAddons["coredns"] =
        c === false
            ? false
            : {
                  image: c?.image ?? image(repo, ADDON_IMAGES.coredns) ?? ADDON_IMAGES.coredns.projectImage,
                  replicas: c?.replicas ?? COREDNS_DEFAULTS.replicas,
                  upstreams: c?.upstreams ?? COREDNS_DEFAULTS.upstreams,
                  cacheSeconds: c?.cacheSeconds ?? COREDNS_DEFAULTS.cacheSeconds,
              };
    const m = a.metricsServer === true ? {} : a.metricsServer;
    const msImage = m ? (m.image ?? image(repo, ADDON_IMAGES.metricsServer)) : undefined;
    if (m && msImage === undefined) throw new Error("metrics-server has no image (addonSettingProblems reports this)");
    const metricsServer: ResolvedAddons["metricsServer"] = !m
        ? false
        : {
              image: msImage!,
              replicas: m.replicas ?? METRICS_SERVER_DEFAULTS.replicas,
              resolutionSeconds: m.resolutionSeconds ?? METRICS_SERVER_DEFAULTS.resolutionSeconds,
          };
    return { coredns, metricsServer };
}

/** The stack configuration's `addons` as add-on settings (`coredns.enabled: false` → no CoreDNS). Pure. */
export function addonSettings(a: AddonsArgs | undefined): AddonSettingsInput {
    const { enabled, ...dns } = a?.coredns ?? {};
    return { imageRepository: a?.imageRepository, coredns: enabled === false ? false : dns, metricsServer: a?.metricsServer };
}
