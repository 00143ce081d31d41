import * as pulumi from "@pulumi/pulumi";
import { ClusterArgs, RegistryArgs, SshArgs } from "./config";

/**
 * Reads the cluster from stack configuration (namespace `ha-kubernetes`). Secrets come from
 * secret config keys: `sshPrivateKey` (default SSH key) and `registryPassword`.
 */
export function readClusterConfig(config: pulumi.Config): ClusterArgs {
    const ssh = config.getObject<SshArgs>("ssh") ?? {};
    const sshPrivateKey = config.getSecret("sshPrivateKey");
    const registry = config.getObject<RegistryArgs>("registry");
    const registryPassword = config.getSecret("registryPassword");
    return {
        clusterName: config.require("clusterName"),
        hosts: config.requireObject("hosts"),
        ssh: { ...ssh, privateKey: sshPrivateKey ?? ssh.privateKey },
        versions: config.requireObject("versions"),
        network: config.getObject("network"),
        loadBalancer: config.getObject("loadBalancer"),
        etcd: config.getObject("etcd"),
        artifacts: config.getObject("artifacts"),
        registry: registry ? { ...registry, password: registryPassword ?? registry.password } : undefined,
        certificates: config.getObject("certificates"),
        nodes: config.getObject("nodes"),
        controlPlane: config.getObject("controlPlane"),
        addons: config.getObject("addons"),
    };
}
