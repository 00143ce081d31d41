import { Address4, Address6 } from "ip-address";
import { isIP } from "net";

/**
 * Addresses, CIDR blocks and ports: the one module that parses and checks them, shared by the
 * components, their renderers and the dynamic providers. Pure.
 */

export type IpFamily = 4 | 6;

/** A parsed CIDR block: its network address as written, prefix, family; `network` and `size` as bigint. */
export interface Cidr {
    readonly address: string;
    readonly prefix: number;
    readonly family: IpFamily;
    readonly network: bigint;
    readonly size: bigint;
}

/** True when `s` is a dotted-quad IPv4 address with no prefix. */
export function isIpv4(s: string): boolean {
    return typeof s === "string" && !s.includes("/") && Address4.isValid(s) && new Address4(s).correctForm() === s;
}

/** True for an IPv4 or IPv6 literal. */
export function isIpAddress(s: string): boolean {
    return isIP(s) !== 0;
}

/** An IP literal (v4 or v6) as host part of a URL: IPv6 in brackets. Throws if not an IP. */
export function urlHost(ip: string): string {
    const family = isIP(ip);
    if (family === 0) throw new Error(`not an IP address: ${JSON.stringify(ip)}`);
    return family === 6 ? `[${ip}]` : ip;
}

/** Checks a TCP port number. */
export function checkPort(port: number, what: string): number {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${what} must be a TCP port (1-65535): ${port}`);
    return port;
}

/**
 * Parses `a.b.c.d/n` (and `v6::/n` where `families` has 6); throws, naming `what`, when `s` is
 * not a CIDR of those families or has host bits set.
 */
export function parseCidr(s: string, what = "", families: readonly IpFamily[] = [4]): Cidr {
    const subject = what ? `${what} is not` : "not";
    const kind = families.includes(6) ? "a CIDR" : "an IPv4 CIDR";
    const m = typeof s === "string" ? /^([^/\s]+)\/(\d{1,3})$/.exec(s) : null;
    const family = m ? isIP(m[1]) : 0;
    const prefix = m ? Number(m[2]) : NaN;
    if (!m || !families.includes(family as IpFamily) || prefix > (family === 4 ? 32 : 128) || (family === 4 && !isIpv4(m[1]))) {
        throw new Error(`${subject} ${kind}: ${JSON.stringify(s)}`);
    }
    const bits = family === 4 ? 32 : 128;
    const block = family === 4 ? new Address4(s) : new Address6(s);
    const network = block.startAddress().bigInt();
    if ((family === 4 ? new Address4(m[1]) : new Address6(m[1])).bigInt() !== network) {
        throw new Error(`${what || "CIDR"} ${s} has host bits set (network is ${block.startAddress().correctForm()}/${prefix})`);
    }
    return { address: m[1], prefix, family: family as IpFamily, network, size: 1n << BigInt(bits - prefix) };
}

/** A comma-separated list of one CIDR or a dual-stack pair (one per family). */
export function parseCidrList(list: string, what = "CIDR list"): Cidr[] {
    const cidrs = list.split(",").map((c) => parseCidr(c, what, [4, 6]));
    if (cidrs.length > 2 || (cidrs.length === 2 && cidrs[0].family === cidrs[1].family)) {
        throw new Error(`${what} must be one CIDR or one IPv4 and one IPv6 CIDR: ${JSON.stringify(list)}`);
    }
    return cidrs;
}

export function formatCidr(c: Pick<Cidr, "network" | "prefix"> & { readonly family?: IpFamily }): string {
    const a = c.family === 6 ? Address6.fromBigInt(c.network) : Address4.fromBigInt(c.network);
    return `${a.correctForm()}/${c.prefix}`;
}

export function ipToBigInt(ip: string): bigint {
    if (!isIpv4(ip)) throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`);
    return new Address4(ip).bigInt();
}

export function bigIntToIp(n: bigint): string {
    return Address4.fromBigInt(n).correctForm();
}

/** True when the IPv4 block `cidr` holds the address `ip`. */
export function cidrContains(cidr: string, ip: string): boolean {
    const c = parseCidr(cidr);
    const n = ipToBigInt(ip);
    return n >= c.network && n < c.network + c.size;
}

/** True when the two blocks (strings are parsed, IPv4 or IPv6) share an address. */
export function cidrsOverlap(a: string | Cidr, b: string | Cidr): boolean {
    const x = typeof a === "string" ? parseCidr(a, "", [4, 6]) : a;
    const y = typeof b === "string" ? parseCidr(b, "", [4, 6]) : b;
    return x.family === y.family && x.network < y.network + y.size && y.network < x.network + x.size;
}

/** The n-th address of an IPv4 block (n = 1 is the first host address). Throws when out of range. */
export function nthAddress(cidr: string, n: number): string {
    const c = parseCidr(cidr);
    if (n < 0 || BigInt(n) >= c.size) throw new Error(`address #${n} is outside ${cidr}`);
    return bigIntToIp(c.network + BigInt(n));
}

/** How many `/newPrefix` subnets fit in the IPv4 block `cidr`. */
export function subnetCount(cidr: string, newPrefix: number): bigint {
    const c = parseCidr(cidr);
    if (newPrefix < c.prefix || newPrefix > 32) return 0n;
    return 1n << BigInt(newPrefix - c.prefix);
}

/** The `index`-th `/newPrefix` subnet of the IPv4 block `cidr`. */
export function subnetAt(cidr: string, newPrefix: number, index: number): string {
    const c = parseCidr(cidr);
    if (index < 0 || BigInt(index) >= subnetCount(cidr, newPrefix)) {
        throw new Error(`subnet #${index} of size /${newPrefix} does not fit in ${cidr}`);
    }
    return formatCidr({ network: c.network + BigInt(index) * (1n << BigInt(32 - newPrefix)), prefix: newPrefix });
}
