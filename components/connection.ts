import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import { HostArgs, SshArgs } from "./config";
import { fileOrTextValue } from "./fileInputs";
import { PackageSource } from "./packageSource";
import { ClusterHost, Connection } from "./remote";
import { DEFAULTS } from "./topology";
import { sshEndpoint } from "../lib/hostKeys";

function keyOf(
    ssh: { readonly privateKey?: pulumi.Input<string>; readonly privateKeyPath?: string } | undefined,
    readFile: (p: string) => string,
): pulumi.Input<string> | undefined {
    if (!ssh) return undefined;
    const key = fileOrTextValue(ssh.privateKey, ssh.privateKeyPath, readFile);
    return key === undefined ? undefined : pulumi.secret(key);
}

/** Where a host's sshd and its bastion's answer, and the host keys pinned for them. Pure. */
export function sshEndpointsOf(host: HostArgs, defaults: SshArgs): { host: string; hostPinned?: string; bastion?: string; bastionPinned?: string } {
    const bastion = host.ssh?.bastion ?? defaults.bastion;
    return {
        host: sshEndpoint(host.address, host.ssh?.port ?? defaults.port ?? DEFAULTS.sshPort),
        hostPinned: host.sshHostKey,
        bastion: bastion ? sshEndpoint(bastion.address, bastion.port ?? DEFAULTS.sshPort) : undefined,
        bastionPinned: bastion?.hostKey,
    };
}

/**
 * The @pulumi/command connection for a host: per-host SSH settings override the defaults;
 * keys given as paths are read now and kept as secrets. `hostKey` (and the bastion's): the
 * pinned key, else the one `hostKeys` holds for its `address:port`, else none.
 */
export function connectionFor(
    host: HostArgs,
    defaults: SshArgs,
    readFile: (p: string) => string = (p) => fs.readFileSync(p, "utf8"),
    hostKeys: Readonly<Record<string, string>> = {},
): Connection {
    const ssh = host.ssh ?? {};
    const privateKey = keyOf(ssh, readFile) ?? keyOf(defaults, readFile);
    const user = ssh.user ?? defaults.user ?? DEFAULTS.sshUser;
    const bastion = ssh.bastion ?? defaults.bastion;
    const at = sshEndpointsOf(host, defaults);
    return {
        host: host.address,
        port: ssh.port ?? defaults.port ?? DEFAULTS.sshPort,
        user,
        privateKey,
        hostKey: at.hostPinned ?? hostKeys[at.host],
        dialErrorLimit: 20,
        perDialTimeout: 10,
        proxy: bastion
            ? {
                  host: bastion.address,
                  port: bastion.port ?? DEFAULTS.sshPort,
                  user: bastion.user ?? user,
                  privateKey: keyOf(bastion, readFile) ?? privateKey,
                  hostKey: at.bastionPinned ?? hostKeys[at.bastion!],
              }
            : undefined,
    };
}

/** Hosts as components take them. */
export function clusterHosts(
    hosts: readonly HostArgs[],
    defaults: SshArgs,
    readFile?: (p: string) => string,
    hostKeys?: Readonly<Record<string, string>>,
    packages?: PackageSource,
): ClusterHost[] {
    return hosts.map((h) => {
        const become = h.ssh?.become ?? defaults.become;
        return { name: h.name, address: h.address, connection: connectionFor(h, defaults, readFile, hostKeys), ...(become ? { become } : {}), ...(packages ? { packages } : {}) };
    });
}
