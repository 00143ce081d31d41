import { isIpAddress } from "../../lib/address";
import { hashHeader } from "./header";

/** One hosts(5) entry: an address and the names that resolve to it. */
export interface HostsEntry {
    readonly address: string;
    readonly names: readonly string[];
}

/** A host name as hosts(5) takes it: RFC 1123 labels, 253 characters at most. Pure. */
export function isHostName(s: string): boolean {
    return typeof s === "string" && s.length <= 253 && s.split(".").every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}

/**
 * ha-kubernetes' lines in a node's /etc/hosts (hosts(5): `address name...`), placed between the
 * block's markers by the ManagedBlock provider: names the nodes must resolve without DNS (a
 * private registry known by name only). Pure.
 */
export function renderHostsEntries(entries: readonly HostsEntry[]): string {
    for (const e of entries) {
        if (!isIpAddress(e.address)) throw new Error(`bad hosts entry address ${JSON.stringify(e.address)}`);
        if (!e.names.length || !e.names.every(isHostName)) throw new Error(`bad hosts entry names ${JSON.stringify(e.names)} for ${e.address}`);
    }
    return hashHeader() + entries.map((e) => `${e.address}\t${e.names.join(" ")}\n`).join("");
}
