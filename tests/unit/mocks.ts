import * as pulumi from "@pulumi/pulumi";
import { mockOutputs, MockValues } from "../mockOutputs";
import { ClusterArgs } from "../../components/config";
import { HaKubernetesCluster } from "../../components/cluster";
import { allFiles } from "./fixtures";

/** One resource as the mock engine saw it (inputs resolved) plus its options. */
export interface Recorded {
    readonly type: string;
    readonly name: string;
    inputs: Record<string, any>;
    /** The resolved inputs with every secret value replaced by SECRET_MARK (what would be in the state in plain text). */
    plain?: Record<string, any>;
    /** Unresolved props as the program passed them (Outputs intact). */
    props?: Record<string, any>;
    opts?: pulumi.CustomResourceOptions;
}

export const KEY_MARK = "KEYMATERIAL";
export const ENCRYPTION_KEY = Buffer.alloc(32, 7).toString("base64");
export const VRRP_PASS = "VrRpPa55";

/** Key material and passwords as the mocks make them: what must never be on a command line. */
export const SECRET_MARKS = [KEY_MARK, "PRIVATE KEY", "client-key-data", ENCRYPTION_KEY, VRRP_PASS];

const SIG = "4dabf18193072939515e22adb298388d";

/** A PEM body line from a resource name (base64 alphabet only, so PEM checks accept it). */
const b64 = (s: string): string => s.replace(/[^A-Za-z0-9]/g, "");

/** PEM bodies carry a mark per kind (KEY_MARK for private keys), so tests can find key material. */
const MARKS: Record<string, string> = { "PRIVATE KEY": KEY_MARK, "PUBLIC KEY": "PUB", CERTIFICATE: "CERT", "CERTIFICATE REQUEST": "CSR" };
const UNIT_VALUES: MockValues = {
    pem: (kind, name) => `-----BEGIN ${kind}-----\n${MARKS[kind]}${b64(name)}\n-----END ${kind}-----\n`,
    validityEndTime: "2027-11-22T00:00:00Z",
    randomBytes: ENCRYPTION_KEY,
    password: VRRP_PASS,
};

/** What `plainInputs` puts where a secret value was. */
export const SECRET_MARK = "[secret]";

/** `v` with each of the engine's secret wrappers replaced by `secret(its value)`. */
function mapSecrets(v: any, secret: (value: any) => any): any {
    if (Array.isArray(v)) return v.map((x) => mapSecrets(x, secret));
    if (v && typeof v === "object") {
        if (v[SIG] === "1b47061264138c4ac30d75fd1eb44270") return secret(v.value);
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapSecrets(x, secret)]));
    }
    return v;
}

/** Strips the engine's secret wrappers, recording nothing about secretness. */
export function unwrapSecrets(v: any): any {
    return mapSecrets(v, unwrapSecrets);
}

/** The values that are not secret, each secret one replaced by SECRET_MARK. */
export function plainInputs(v: any): any {
    return mapSecrets(v, () => SECRET_MARK);
}

/** Installs mocks (dryRun false) that fill in tls/random/command outputs; returns the record. */
export function installMocks(): Map<string, Recorded> {
    const seen = new Map<string, Recorded>();
    pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                const state: Record<string, any> = { ...args.inputs, ...mockOutputs(args.type, args.name, args.inputs, UNIT_VALUES) };
                const prev = seen.get(args.name);
                seen.set(args.name, {
                    type: args.type,
                    name: args.name,
                    inputs: unwrapSecrets(args.inputs),
                    plain: plainInputs(args.inputs),
                    props: prev?.props,
                    opts: prev?.opts,
                });
                return { id: `${args.name}-id`, state };
            },
            call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
        },
        "ha-kubernetes",
        "test",
        false,
    );
    return seen;
}

/** A transformation that records every resource's options (dependsOn, parent) by name. */
export function recordOptions(seen: Map<string, Recorded>): pulumi.ResourceTransformation {
    return (a) => {
        const prev = seen.get(a.name);
        seen.set(a.name, { type: a.type, name: a.name, inputs: prev?.inputs ?? {}, props: a.props, opts: a.opts as pulumi.CustomResourceOptions });
        return undefined;
    };
}

export function promiseOf<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) =>
        o.apply((v) => {
            resolve(v);
            return v;
        }),
    );
}

/** Names of the resources an option's dependsOn lists. */
export function dependsOnNames(r: Recorded | undefined): string[] {
    const d = r?.opts?.dependsOn;
    const list = (Array.isArray(d) ? d : d ? [d] : []) as pulumi.Resource[];
    return list.map((x) => (x as unknown as { __name: string }).__name);
}

/** Names of the resources whose outputs an Output (e.g. a trigger) waits on. */
export async function outputResourceNames(o: unknown): Promise<string[]> {
    const out = pulumi.output(o as pulumi.Input<unknown>);
    const all = await (out as unknown as { allResources: () => Promise<Set<pulumi.Resource>> }).allResources();
    return [...all].map((x) => (x as unknown as { __name: string }).__name);
}

/** Lets every pending mock registration finish. */
export async function settle(): Promise<void> {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** Builds a whole cluster under the mocks (installMocks' record `seen`); every resource it registered, by name. */
export async function deployCluster(seen: Map<string, Recorded>, args: ClusterArgs): Promise<{ cluster: HaKubernetesCluster; res: Map<string, Recorded> }> {
    seen.clear();
    const cluster = new HaKubernetesCluster(args.clusterName, args, { transformations: [recordOptions(seen)] }, allFiles);
    await promiseOf(cluster.ready);
    await promiseOf(cluster.certificateExpiry);
    await settle();
    return { cluster, res: new Map(seen) };
}
