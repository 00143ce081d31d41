import { Address4 } from "ip-address";

/** A parsed IPv4 CIDR block. `network` and `size` are 32-bit integers as bigint. */
export interface Cidr {
    readonly network: bigint;
    readonly prefix: number;
    readonly size: bigint;
}

/** True when `s` is a dotted-quad IPv4 address with no prefix. */
export function isIpv4(s: string): boolean {
    return typeof s === "string" && !s.includes("/") && Address4.isValid(s) && new Address4(s).correctForm() === s;
}

/** Parses `a.b.c.d/n`; throws when the string is not a CIDR or has host bits set. */
export function parseCidr(s: string): Cidr {
    if (typeof s !== "string" || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s) || !Address4.isValid(s)) {
        throw new Error(`not an IPv4 CIDR: ${JSON.stringify(s)}`);
    }
    const a = new Address4(s);
    const network = a.startAddress().bigInt();
    if (new Address4(s.split("/")[0]).bigInt() !== network) {
        throw new Error(`CIDR ${s} has host bits set (network is ${a.startAddress().correctForm()}/${a.subnetMask})`);
    }
    return { network, prefix: a.subnetMask, size: 1n << BigInt(32 - a.subnetMask) };
}

export function formatCidr(c: Cidr): string {
    return `${Address4.fromBigInt(c.network).correctForm()}/${c.prefix}`;
}

export function ipToBigInt(ip: string): bigint {
    if (!isIpv4(ip)) throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`);
    return new Address4(ip).bigInt();
}

export function bigIntToIp(n: bigint): string {
    return Address4.fromBigInt(n).correctForm();
}

export function cidrContains(cidr: string, ip: string): boolean {
    const c = parseCidr(cidr);
    const n = ipToBigInt(ip);
    return n >= c.network && n < c.network + c.size;
}

export function cidrsOverlap(a: string, b: string): boolean {
    const x = parseCidr(a);
    const y = parseCidr(b);
    return x.network < y.network + y.size && y.network < x.network + x.size;
}

/** The n-th address of a block (n = 1 is the first host address). Throws when out of range. */
export function nthAddress(cidr: string, n: number): string {
    const c = parseCidr(cidr);
    if (n < 0 || BigInt(n) >= c.size) throw new Error(`address #${n} is outside ${cidr}`);
    return bigIntToIp(c.network + BigInt(n));
}

/** How many `/newPrefix` subnets fit in `cidr`. */
export function subnetCount(cidr: string, newPrefix: number): bigint {
    const c = parseCidr(cidr);
    if (newPrefix < c.prefix || newPrefix > 32) return 0n;
    return 1n << BigInt(newPrefix - c.prefix);
}

/** The `index`-th `/newPrefix` subnet of `cidr`. */
export function subnetAt(cidr: string, newPrefix: number, index: number): string {
    const c = parseCidr(cidr);
    if (index < 0 || BigInt(index) >= subnetCount(cidr, newPrefix)) {
        throw new Error(`subnet #${index} of size /${newPrefix} does not fit in ${cidr}`);
    }
    return formatCidr({ network: c.network + BigInt(index) * (1n << BigInt(32 - newPrefix)), prefix: newPrefix, size: 1n << BigInt(32 - newPrefix) });
}
