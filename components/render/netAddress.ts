import { BlockList, isIP } from "net";

/** Small, pure address checks shared by the control-plane renderers (validation only). */

/** An IP literal (v4 or v6) as host part of a URL: IPv6 in brackets. Throws if not an IP. */
export function urlHost(ip: string): string {
    const family = isIP(ip);
    if (family === 0) throw new Error(`not an IP address: ${JSON.stringify(ip)}`);
    return family === 6 ? `[${ip}]` : ip;
}

/** True for an IPv4 or IPv6 literal. */
export function isIpAddress(s: string): boolean {
    return isIP(s) !== 0;
}

/** A parsed CIDR: its address as written, the prefix length and the family. */
export interface Cidr {
    readonly address: string;
    readonly prefix: number;
    readonly family: 4 | 6;
}

/** Parses `a.b.c.d/n` or `v6::/n`; throws with `what` in the message if it is not a CIDR. */
export function parseCidr(cidr: string, what = "CIDR"): Cidr {
    const m = /^([^/\s]+)\/(\d{1,3})$/.exec(cidr);
    const family = m ? isIP(m[1]) : 0;
    const prefix = m ? Number(m[2]) : NaN;
    if (!m || family === 0 || prefix > (family === 4 ? 32 : 128)) throw new Error(`${what} is not a CIDR: ${JSON.stringify(cidr)}`);
    return { address: m[1], prefix, family: family as 4 | 6 };
}

/** A comma-separated list of one CIDR or a dual-stack pair (one per family). */
export function parseCidrList(list: string, what = "CIDR list"): Cidr[] {
    const cidrs = list.split(",").map((c) => parseCidr(c, what));
    if (cidrs.length > 2 || (cidrs.length === 2 && cidrs[0].family === cidrs[1].family)) {
        throw new Error(`${what} must be one CIDR or one IPv4 and one IPv6 CIDR: ${JSON.stringify(list)}`);
    }
    return cidrs;
}

function contains(outer: Cidr, address: string, family: 4 | 6): boolean {
    if (outer.family !== family) return false;
    const b = new BlockList();
    b.addSubnet(outer.address, outer.prefix, family === 4 ? "ipv4" : "ipv6");
    return b.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** True when the two ranges share an address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
    return contains(a, b.address, b.family) || contains(b, a.address, a.family);
}

/** Checks a TCP port number. */
export function checkPort(port: number, what: string): number {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${what} must be a TCP port (1-65535): ${port}`);
    return port;
}
