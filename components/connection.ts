import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import { HostArgs, SshArgs } from "./config";
import { fileOrTextValue } from "./fileInputs";
import { ClusterHost, Connection } from "./remote";
import { DEFAULTS } from "./topology";

function keyOf(
    ssh: { readonly privateKey?: pulumi.Input<string>; readonly privateKeyPath?: string } | undefined,
    readFile: (p: string) => string,
): pulumi.Input<string> | undefined {
    if (!ssh) return undefined;
    const key = fileOrTextValue(ssh.privateKey, ssh.privateKeyPath, readFile);
    return key === undefined ? undefined : pulumi.secret(key);
}

/**
 * The @pulumi/command connection for a host: per-host SSH settings override the defaults;
 * keys given as paths are read now and kept as secrets.
 */
export function connectionFor(host: HostArgs, defaults: SshArgs, readFile: (p: string) => string = (p) => fs.readFileSync(p, "utf8")): Connection {
    const ssh = host.ssh ?? {};
    const privateKey = keyOf(ssh, readFile) ?? keyOf(defaults, readFile);
    const user = ssh.user ?? defaults.user ?? DEFAULTS.sshUser;
    const bastion = ssh.bastion ?? defaults.bastion;
    return {
        host: host.address,
        port: ssh.port ?? defaults.port ?? DEFAULTS.sshPort,
        user,
        privateKey,
        dialErrorLimit: 20,
        perDialTimeout: 10,
        proxy: bastion
            ? {
                  host: bastion.address,
                  port: bastion.port ?? DEFAULTS.sshPort,
                  user: bastion.user ?? user,
                  privateKey: keyOf(bastion, readFile) ?? privateKey,
              }
            : undefined,
    };
}

/** Hosts as components take them. */
export function clusterHosts(hosts: readonly HostArgs[], defaults: SshArgs, readFile?: (p: string) => string): ClusterHost[] {
    return hosts.map((h) => ({ name: h.name, address: h.address, connection: connectionFor(h, defaults, readFile) }));
}
