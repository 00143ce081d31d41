import { cidrContains, cidrsOverlap, isIpv4, parseCidr } from "../../lib/address";
import { PATHS } from "./paths";
import { renderEnvFile, renderSystemdUnit } from "./systemd";
import { renderScriptFile } from "./scriptFile";

/**
 * Bridge pod network: static routes from this node to every other node's pod CIDR.
 * Per-node data lives in /etc/ha-kubernetes/pod-routes.env (`POD_ROUTES`); the script
 * (/usr/local/lib/ha-kubernetes/pod-routes.sh) and the unit (ha-kubernetes-pod-routes.service)
 * are static.
 */

/** Routing protocol number our routes carry (`ip route ... proto 213`), so they can be found and removed. */
export const POD_ROUTES_PROTO = 213;

/** One route: `cidr` (another node's pod CIDR) via `via` (that node's address). */
export interface PodRoute {
    readonly cidr: string;
    readonly via: string;
}

export interface PodRoutesSpec {
    /** Routes to every other node's pod CIDR; may be empty (single node). CIDRs may not overlap. */
    readonly routes: ReadonlyArray<PodRoute>;
}

/**
 * /etc/ha-kubernetes/pod-routes.env: `POD_ROUTES="CIDR,GATEWAY CIDR,GATEWAY ..."` — entries
 * separated by spaces, CIDR and gateway by a comma (only digits, dots, slashes and commas, so the
 * script can split and check it without eval). Pure.
 */
export function renderPodRoutesEnv(spec: PodRoutesSpec): string {
    if (!Array.isArray(spec.routes)) throw new Error("pod routes must be a list");
    const seen: string[] = [];
    for (const r of spec.routes) {
        const c = parseCidr(r.cidr);
        if (c.prefix < 8) throw new Error(`pod route ${r.cidr} is too wide (a node's pod CIDR is /8 or narrower)`);
        if (!isIpv4(r.via)) throw new Error(`pod route ${r.cidr}: gateway ${JSON.stringify(r.via)} is not an IPv4 address`);
        if (cidrContains(r.cidr, r.via)) throw new Error(`pod route ${r.cidr}: gateway ${r.via} lies inside the routed CIDR`);
        for (const other of seen) if (cidrsOverlap(other, r.cidr)) throw new Error(`pod routes ${other} and ${r.cidr} overlap`);
        seen.push(r.cidr);
    }
    return renderEnvFile([["POD_ROUTES", spec.routes.map((r) => `${r.cidr},${r.via}`).join(" ")]]);
}

/**
 * /usr/local/lib/ha-kubernetes/pod-routes.sh (mode 0755), POSIX sh + iproute2:
 * `up` replaces every route in $POD_ROUTES and deletes our routes no longer listed;
 * `down` deletes all our routes. Exits 1 when an entry is malformed or a route cannot be set
 * (after trying the others). Shebang first, header second. Static. Pure.
 */
export function renderPodRoutesScript(): string {
    return renderScriptFile("pod-routes.sh", { PROTO: String(POD_ROUTES_PROTO) });
}

/**
 * ha-kubernetes-pod-routes.service: a static oneshot unit that runs the script with `up` on
 * start and reload and `down` on stop, after the network is online, retrying on failure. Pure.
 */
export function renderPodRoutesUnit(): string {
    const script = PATHS.node.podRoutesScript;
    return renderSystemdUnit({
        sections: [
            {
                name: "Unit",
                directives: [
                    ["Description", "Routes to other nodes' pod networks"],
                    ["After", "network-online.target"],
                    ["Wants", "network-online.target"],
                ],
            },
            {
                name: "Service",
                directives: [
                    ["Type", "oneshot"],
                    ["RemainAfterExit", true],
                    ["EnvironmentFile", PATHS.node.podRoutesEnv],
                    ["ExecStart", `/bin/sh ${script} up`],
                    ["ExecReload", `/bin/sh ${script} up`],
                    ["ExecStop", `/bin/sh ${script} down`],
                    ["Restart", "on-failure"],
                    ["RestartSec", 5],
                ],
            },
            { name: "Install", directives: [["WantedBy", "multi-user.target"]] },
        ],
    });
}
