import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { loadClusterConfig } from "../../components/stackConfig";
import { TEST_CA_PEM, TEST_CA_PEM_PATH, TEST_SSH_KEY, TEST_SSH_KEY_PATH } from "./fixtures";

const NS = "ha-kubernetes";

/** The first source document's topology: an nginx host, 3 masters, 3 workers, a registry on :5005. */
function stack(overrides: Record<string, unknown> = {}): Record<string, string> {
    const hosts = [
        { name: "lb", address: "192.168.10.10", roles: ["lb"] },
        ...[1, 2, 3].map((i) => ({ name: `master${i}`, address: `192.168.10.1${i}`, roles: ["master"] })),
        ...[1, 2, 3].map((i) => ({ name: `worker${i}`, address: `192.168.10.2${i}`, roles: ["worker"] })),
    ];
    const values: Record<string, unknown> = {
        clusterName: "prod",
        hosts,
        ssh: { user: "root", privateKeyPath: TEST_SSH_KEY_PATH },
        versions: { kubernetes: "1.35.4", etcd: "3.6.5" },
        loadBalancer: { mode: "nginx" },
        registry: { server: "192.168.10.10:5005", caPemPath: TEST_CA_PEM_PATH },
        artifacts: { source: "local", directory: __dirname },
        ...overrides,
    };
    return Object.fromEntries(
        Object.entries(values)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [`${NS}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
    );
}

const files = { fileExists: () => true, readFile: (f: string) => (f === TEST_SSH_KEY_PATH ? TEST_SSH_KEY : f === TEST_CA_PEM_PATH ? TEST_CA_PEM : `${f}  ./x\n`) };

function load(config: Record<string, string>, secretKeys: string[] = []) {
    pulumi.runtime.setAllConfig(config, secretKeys);
    return loadClusterConfig(new pulumi.Config(NS), files);
}

function message(config: Record<string, string>, secretKeys: string[] = []): string {
    try {
        load(config, secretKeys);
    } catch (e) {
        expect(pulumi.RunError.isInstance(e)).toBe(true);
        return (e as Error).message;
    }
    throw new Error("the configuration was accepted");
}

describe("the program's reading of its stack configuration", () => {
    it("accepts the topology as a user writes it, CA and key as files, and keeps the key secret", async () => {
        const args = load(stack());
        expect(args.registry?.caPemPath).toBe(TEST_CA_PEM_PATH);
        expect(pulumi.Output.isInstance(args.ssh.privateKey)).toBe(false);
        const secret = load(stack({ ssh: { user: "root" }, sshPrivateKey: TEST_SSH_KEY }), [`${NS}:sshPrivateKey`]);
        expect(pulumi.Output.isInstance(secret.ssh.privateKey)).toBe(true);
        expect(await (secret.ssh.privateKey as pulumi.Output<string> as unknown as { isSecret: Promise<boolean> }).isSecret).toBe(true);
    });

    it("prints every problem, one per line with its config key, and nothing else", () => {
        const config = stack({
            hosts: [
                { name: "lb", address: "192.168.10.10", roles: ["lb"] },
                { name: "master1", address: "192.168.10.11", roles: ["master"] },
                { name: "master2", address: "192.168.10.11", roles: ["master"] },
                { name: "worker1", address: "192.168.10.21", roles: ["wrker"] },
            ],
            registry: { server: "192.168.10.10:5005", caPem: "/root/registry/ca.crt" },
            versions: { kubernetes: "1.35", etcd: "3.6.5" },
            loadbalancer: { mode: "nginx" },
            sshPrivateKey: TEST_SSH_KEY,
        });
        expect(message(config)).toBe(
            [
                "the stack configuration has 9 problems; nothing was changed on any host:",
                "  ha-kubernetes:loadbalancer: unknown key (known: clusterName, hosts, ssh, versions, network, loadBalancer, etcd, artifacts, registry, certificates, nodes, controlPlane, addons, rollout, preflight, packages, sshPrivateKey, registryPassword)",
                "  ha-kubernetes:sshPrivateKey: must be a secret: pulumi config set --secret sshPrivateKey < file",
                "  ha-kubernetes:registry.caPem: is not a PEM certificate (-----BEGIN CERTIFICATE-----): it looks like a file path (a file goes in registry.caPemPath)",
                "  ha-kubernetes:hosts[2].address: duplicate address 192.168.10.11 (also host master1)",
                '  ha-kubernetes:hosts[3].roles: unknown role "wrker" (known: master, etcd, worker, lb)',
                "  ha-kubernetes:sshPrivateKey: give sshPrivateKey or ssh.privateKeyPath, not both",
                '  ha-kubernetes:versions.kubernetes: Kubernetes version "1.35" must look like 1.MINOR.PATCH',
                "  ha-kubernetes:hosts: no host has role worker",
                "  ha-kubernetes:hosts: etcd needs an odd number of members (3, 5 or 7); stacked topology gives 2",
            ].join("\n"),
        );
    });

    it("names a PEM or key input that is not what it should be, without quoting a key", () => {
        const msg = message(
            stack({
                ssh: { privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-key\n-----END OPENSSH PRIVATE KEY-----" },
                registry: { server: "r:5005", caPemPath: TEST_SSH_KEY_PATH },
            }),
        );
        expect(msg).toContain("ha-kubernetes:ssh.privateKey: is not an unencrypted SSH private key");
        expect(msg).toContain(
            `ha-kubernetes:registry.caPemPath: file ${TEST_SSH_KEY_PATH} is not a PEM certificate (-----BEGIN CERTIFICATE-----): block 1 is OPENSSH PRIVATE KEY, not CERTIFICATE`,
        );
        expect(msg).not.toContain("not-a-key");
    });

    it("accepts Pulumi.example.yaml as it stands, with its key and CA files in place", () => {
        const file = parse(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.example.yaml"), "utf8")) as { config: Record<string, unknown> };
        const config = Object.fromEntries(Object.entries(file.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
        const read: string[] = [];
        const env = { fileExists: () => true, readFile: (f: string) => (read.push(f), f.endsWith("id_ed25519") ? TEST_SSH_KEY : TEST_CA_PEM) };
        pulumi.runtime.setAllConfig(config, []);
        const args = loadClusterConfig(new pulumi.Config(NS), env);
        expect(args.hosts.map((h) => h.name)).toEqual(["lb1", "master1", "master2", "master3", "worker1", "worker2", "worker3"]);
        expect(read.sort()).toEqual([`${os.homedir()}/.ssh/id_ed25519`, `${os.homedir()}/registry/ca.crt`]);
    });

    it("refuses secrets in plain configuration, naming the secret key to use", () => {
        const msg = message(stack({ ssh: { privateKey: TEST_SSH_KEY }, registry: { server: "r:5005", username: "u", password: "hunter22" } }));
        expect(msg).toContain(
            "ha-kubernetes:ssh.privateKey: a secret in plain configuration: use the secret sshPrivateKey (pulumi config set --secret sshPrivateKey < file) or ssh.privateKeyPath",
        );
        expect(msg).toContain("ha-kubernetes:registry.password: a secret in plain configuration: use the secret registryPassword (pulumi config set --secret registryPassword)");
        expect(msg).not.toContain("hunter22");
        const perHost = stack({
            hosts: [{ name: "m1", address: "192.168.10.11", roles: ["master"], ssh: { privateKey: TEST_SSH_KEY, bastion: { address: "b", privateKey: TEST_SSH_KEY } } }],
        });
        expect(message(perHost)).toContain("ha-kubernetes:hosts[0].ssh.privateKey: a secret in plain configuration: use hosts[0].ssh.privateKeyPath");
        expect(message(perHost)).toContain("ha-kubernetes:hosts[0].ssh.bastion.privateKey: a secret in plain configuration: use hosts[0].ssh.bastion.privateKeyPath");
        expect(load(stack({ registry: { server: "r:5005", username: "u" }, registryPassword: "hunter22" }), [`${NS}:registryPassword`]).registry?.username).toBe("u");
    });

    it("reads a config value that is not YAML of the right shape as a problem, not a crash", () => {
        const config = { ...stack(), [`${NS}:hosts`]: "{not json" };
        expect(message(config)).toContain("ha-kubernetes:hosts: hosts must be a YAML mapping or list");
    });
});
