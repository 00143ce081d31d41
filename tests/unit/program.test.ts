import type * as Pulumi from "@pulumi/pulumi";
import { mockOutputs } from "../mockOutputs";
import { baseCluster, TEST_SSH_KEY } from "./fixtures";
import { ENCRYPTION_KEY, VRRP_PASS } from "./mocks";

const NS = "ha-kubernetes";

/** The stack configuration of the reference cluster, the SSH key as the secret `sshPrivateKey`. */
function stackConfig(controlPlane?: Record<string, unknown>): Record<string, string> {
    const { clusterName, hosts, versions, network, loadBalancer, artifacts } = baseCluster();
    const values: Record<string, unknown> = { clusterName, hosts, ssh: { user: "root" }, versions, network, loadBalancer, artifacts, controlPlane, sshPrivateKey: TEST_SSH_KEY };
    return Object.fromEntries(
        Object.entries(values)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [`${NS}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
    );
}

/**
 * Runs the program (index.ts) under Pulumi's mocks as a preview — so that it contacts no host —
 * with this configuration, until every registration ended; gives its stack outputs' names and
 * whether each is secret, or throws what the program threw.
 */
async function programOutputs(config: Record<string, string>): Promise<Record<string, boolean>> {
    let pulumi!: typeof Pulumi;
    let program!: () => Promise<Record<string, unknown>>;
    jest.isolateModules(() => {
        pulumi = require("@pulumi/pulumi");
        pulumi.runtime.setAllConfig(config, [`${NS}:sshPrivateKey`]);
        pulumi.runtime.setMocks(
            {
                newResource: (a) => ({ id: `${a.name}-id`, state: { ...a.inputs, ...mockOutputs(a.type, a.name, a.inputs, VALUES) } }),
                call: (a) => a.inputs,
            },
            NS,
            "test",
            true,
        );
        program = require("../../index");
    });
    const outputs = await program();
    const secret = Object.fromEntries(
        await Promise.all(
            Object.entries(outputs).map(async ([k, v]) => [k, pulumi.Output.isInstance(v) ? await (v as unknown as { isSecret: Promise<boolean> }).isSecret : false]),
        ),
    );
    await pulumi.runtime.disconnect();
    return secret;
}

const VALUES = {
    pem: (kind: string, name: string) => `-----BEGIN ${kind}-----\n${name.replace(/[^A-Za-z0-9]/g, "")}\n-----END ${kind}-----\n`,
    validityEndTime: "2027-11-22T00:00:00Z",
    randomBytes: ENCRYPTION_KEY,
    password: VRRP_PASS,
};

describe("the program's stack outputs", () => {
    it("export the admin kubeconfig, and the break-glass one only when controlPlane.exportBreakGlassKubeconfig asks for it", async () => {
        const plain = await programOutputs(stackConfig());
        expect(plain).toMatchObject({ kubeconfig: true, apiserverUrl: false });
        expect(Object.keys(plain)).not.toContain("breakGlassKubeconfig");
        const no = await programOutputs(stackConfig({ exportBreakGlassKubeconfig: false }));
        expect(Object.keys(no).sort()).toEqual(Object.keys(plain).sort());
        const asked = await programOutputs(stackConfig({ adminGroup: "oidc:platform-admins", exportBreakGlassKubeconfig: true }));
        expect(Object.keys(asked).sort()).toEqual([...Object.keys(plain), "breakGlassKubeconfig"].sort());
        expect(asked).toMatchObject({ kubeconfig: true, breakGlassKubeconfig: true });
    });

    it("refuse system:masters as the admin group, with the stack's other problems, before anything is registered", async () => {
        const config = { ...stackConfig({ adminGroup: "system:masters" }), [`${NS}:clusterName`]: "Bad Name" };
        const err = await programOutputs(config).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(err?.message).toContain("the stack configuration has 2 problems; nothing was changed on any host:");
        expect(err?.message).toContain(`${NS}:controlPlane.adminGroup: admin group "system:masters" is a system: group (system:masters cannot be revoked by RBAC)`);
        expect(err?.message).toContain(`${NS}:clusterName: cluster name "Bad Name" must be a lower-case DNS label`);
    });
});
