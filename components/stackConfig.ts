import * as pulumi from "@pulumi/pulumi";
import { ClusterArgs, RegistryArgs, SshArgs } from "./config";
import { Problem, validateCluster, ValidationEnv } from "./validation";

/** Object-valued keys of the stack configuration, as `ClusterArgs` names them. */
const OBJECT_KEYS = [
    "hosts",
    "ssh",
    "versions",
    "network",
    "loadBalancer",
    "etcd",
    "artifacts",
    "registry",
    "certificates",
    "nodes",
    "controlPlane",
    "addons",
    "rollout",
    "preflight",
    "packages",
] as const;
/** Keys kept as secrets (`pulumi config set --secret`). */
const SECRET_KEYS = ["sshPrivateKey", "registryPassword"] as const;
const KNOWN_KEYS: readonly string[] = ["clusterName", ...OBJECT_KEYS, ...SECRET_KEYS];

/** What reading the stack configuration gives: the arguments as written, and what could not be read. */
export interface StackConfigRead {
    /** Secrets as plain text, for validation only; `withSecrets` wraps them before use. */
    readonly args: ClusterArgs;
    readonly problems: Problem[];
}

/**
 * Reads the cluster from stack configuration (namespace: the config's, `ha-kubernetes` for the
 * program). Secrets come from secret keys: `sshPrivateKey` (default SSH key) and
 * `registryPassword`. `keys` are every key set in the stack (for the unknown-key check).
 */
export function readStackConfig(config: pulumi.Config, keys: readonly string[], isSecret: (key: string) => boolean): StackConfigRead {
    const problems: Problem[] = [];
    const obj = <T>(key: string): T | undefined => {
        try {
            return config.getObject<T>(key);
        } catch {
            problems.push({ propertyPath: key, reason: `${key} must be a YAML mapping or list (it does not parse as one)` });
            return undefined;
        }
    };
    const o = Object.fromEntries(OBJECT_KEYS.map((k) => [k, obj<unknown>(k)])) as Record<(typeof OBJECT_KEYS)[number], unknown>;
    const prefix = `${config.name}:`;
    for (const k of keys) {
        if (!k.startsWith(prefix)) continue;
        const name = k.slice(prefix.length);
        if (!KNOWN_KEYS.includes(name)) problems.push({ propertyPath: name, reason: `unknown key (known: ${KNOWN_KEYS.join(", ")})` });
    }
    for (const k of SECRET_KEYS) {
        if (config.get(k) !== undefined && !isSecret(`${prefix}${k}`)) problems.push({ propertyPath: k, reason: `must be a secret: pulumi config set --secret ${k} < file` });
    }
    // secrets in plain config would sit in the stack file in clear text
    const hosts = Array.isArray(o.hosts) ? (o.hosts as { ssh?: SshArgs }[]) : [];
    const sshObjects: [string, SshArgs | undefined][] = [["ssh", o.ssh as SshArgs | undefined], ...hosts.map((h, i): [string, SshArgs | undefined] => [`hosts[${i}].ssh`, h?.ssh])];
    const keyInstead = (at: string) => (at === "ssh" ? "the secret sshPrivateKey (pulumi config set --secret sshPrivateKey < file) or ssh.privateKeyPath" : `${at}.privateKeyPath`);
    const plain: [unknown, string, string][] = [
        ...sshObjects.flatMap(([at, s]): [unknown, string, string][] => [
            [s?.privateKey, `${at}.privateKey`, keyInstead(at)],
            [s?.bastion?.privateKey, `${at}.bastion.privateKey`, `${at}.bastion.privateKeyPath`],
        ]),
        [(o.registry as RegistryArgs | undefined)?.password, "registry.password", "the secret registryPassword (pulumi config set --secret registryPassword)"],
    ];
    for (const [v, key, instead] of plain) if (v !== undefined) problems.push({ propertyPath: key, reason: `a secret in plain configuration: use ${instead}` });
    const ssh = (o.ssh ?? {}) as SshArgs;
    const sshPrivateKey = config.get("sshPrivateKey");
    const registry = o.registry as RegistryArgs | undefined;
    const registryPassword = config.get("registryPassword");
    const args = {
        ...o,
        clusterName: config.get("clusterName"),
        ssh: sshPrivateKey !== undefined ? { ...ssh, privateKey: sshPrivateKey } : ssh,
        registry: registry && registryPassword !== undefined ? { ...registry, password: registryPassword } : registry,
    } as ClusterArgs;
    return { args, problems };
}

/** The arguments with every secret value (SSH keys, the registry password) wrapped as a secret. */
export function withSecrets(args: ClusterArgs): ClusterArgs {
    const secret = <T>(v: T | undefined) => (v === undefined ? undefined : pulumi.secret(v));
    const ssh = (s: SshArgs | undefined): SshArgs | undefined =>
        s && {
            ...s,
            privateKey: secret(s.privateKey),
            bastion: s.bastion && { ...s.bastion, privateKey: secret(s.bastion.privateKey) },
        };
    return {
        ...args,
        ssh: ssh(args.ssh) ?? args.ssh,
        hosts: Array.isArray(args.hosts) ? args.hosts.map((h) => (h.ssh ? { ...h, ssh: ssh(h.ssh) } : h)) : args.hosts,
        registry: args.registry && { ...args.registry, password: secret(args.registry.password) },
    };
}

/** The args' paths of values that the stack gives under their own secret keys. */
const SECRET_PATHS: Readonly<Record<string, (typeof SECRET_KEYS)[number]>> = { "ssh.privateKey": "sshPrivateKey", "registry.password": "registryPassword" };

/** A problem with a value read from a secret key, addressed by that key. */
function fromSecretKey(config: pulumi.Config, p: Problem): Problem {
    const key = SECRET_PATHS[p.propertyPath];
    if (key === undefined || config.get(key) === undefined) return p;
    return { propertyPath: key, reason: p.reason.replace(new RegExp(`${p.propertyPath.replace(/\./g, "\\.")}(?![A-Za-z])`, "g"), key) };
}

/** Whether the engine passed `key` as a secret (the SDK's own check; not in its typings). */
function isConfigSecret(key: string): boolean {
    const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (k: string) => boolean };
    return runtimeConfig.isConfigSecret ? runtimeConfig.isConfigSecret(key) : true;
}

/** A problem's key as `pulumi config set --path` takes it. */
export function configKey(namespace: string, propertyPath: string): string {
    return propertyPath === "" ? namespace : `${namespace}:${propertyPath}`;
}

/** Every problem, one per line with its config key: what the program prints, and nothing else. */
export function formatConfigProblems(namespace: string, problems: readonly Problem[]): string {
    const n = problems.length;
    return [
        `the stack configuration has ${n} problem${n === 1 ? "" : "s"}; nothing was changed on any host:`,
        ...problems.map((p) => `  ${configKey(namespace, p.propertyPath)}: ${p.reason}`),
    ].join("\n");
}

/**
 * The program's reading of its stack: the cluster's arguments, or a `pulumi.RunError` listing
 * every problem (printed by the engine as that list alone, no stack trace).
 */
export function loadClusterConfig(config: pulumi.Config = new pulumi.Config(), env?: ValidationEnv): ClusterArgs {
    const keys = Object.keys(pulumi.runtime.allConfig());
    const read = readStackConfig(config, keys, isConfigSecret);
    const problems = [...read.problems, ...validateCluster(read.args, env).map((p) => fromSecretKey(config, p))];
    if (problems.length > 0) throw new pulumi.RunError(formatConfigProblems(config.name, problems));
    return withSecrets(read.args);
}

/** The cluster's arguments from stack configuration, unchecked (the component validates them). */
export function readClusterConfig(config: pulumi.Config): ClusterArgs {
    return withSecrets(readStackConfig(config, [], () => true).args);
}
