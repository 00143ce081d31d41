import * as pulumi from "@pulumi/pulumi";
import { installMocks, dependsOnNames, outputResourceNames, promiseOf, recordOptions, settle } from "./mocks";
import { HostWork, installHost, restartHost } from "../../components/hostWork";

const seen = installMocks();

const host = { name: "h1", address: "10.213.0.11", connection: { host: "10.213.0.11", user: "root", privateKey: "k" } };
const work: HostWork = {
    host,
    prefix: "t-h1",
    role: "svc",
    packages: ["curl"],
    cleanup: "rm -rf /etc/svc",
    files: [
        { key: "conf", path: "/etc/svc/conf", content: "a=1\n" },
        { key: "tool", path: "/usr/local/bin/svc-tool", content: "#!/bin/sh\n", mode: "0755", restarts: false },
    ],
    binaries: { names: ["svc"], source: { kind: "download", baseUrl: "http://10.213.0.1:8080", sha256: { svc: "a".repeat(64) } } },
    restartOn: ["a".repeat(64)],
    services: ["svc"],
};

async function build(w: HostWork) {
    seen.clear();
    const parent = new pulumi.ComponentResource("test:index:Host", "t", {}, { transformations: [recordOptions(seen)] });
    const gate = new pulumi.ComponentResource("test:index:Gate", "previous-gate", {}, { parent });
    const install = installHost(w, { parent });
    const restart = restartHost(w, install, { script: "systemctl restart svc", triggers: ["ready"], after: [gate] }, { parent });
    await promiseOf(restart.id);
    await settle();
    return { install, restart, res: new Map(seen) };
}

describe("the host-work engine", () => {
    it("names every resource from the prefix and role, in one order: packages, files and binaries, services, restart", async () => {
        const { res } = await build(work);
        expect([...res.keys()].filter((k) => k.startsWith("t-h1")).sort()).toEqual([
            "t-h1-bin-svc",
            "t-h1-svc-base",
            "t-h1-svc-conf",
            "t-h1-svc-restart",
            "t-h1-svc-tool",
            "t-h1-svc-unit",
        ]);
        expect(dependsOnNames(res.get("t-h1-svc-conf"))).toEqual(["t-h1-svc-base"]);
        expect(dependsOnNames(res.get("t-h1-bin-svc"))).toEqual(["t-h1-svc-base"]);
        expect(dependsOnNames(res.get("t-h1-svc-unit")).sort()).toEqual(["t-h1-bin-svc", "t-h1-svc-conf", "t-h1-svc-tool"]);
        // the restart waits for the services and for what the rollout order says (here: a gate)
        expect(dependsOnNames(res.get("t-h1-svc-restart")).sort()).toEqual(["previous-gate", "t-h1-svc-unit"]);
        expect(res.get("t-h1-svc-base")!.inputs).toMatchObject({ create: expect.stringContaining("curl"), delete: expect.stringContaining("rm -rf /etc/svc") });
    });

    it("the restart is triggered by the files that restart the host and the checksums, then the extra triggers", async () => {
        const { install, restart, res } = await build(work);
        expect(res.get("t-h1-svc-restart")!.inputs).toMatchObject({ create: "systemctl restart svc", logging: "stderr" });
        const triggers = res.get("t-h1-svc-restart")!.inputs.triggers as string[];
        expect(triggers).toEqual([await promiseOf(install.digest), "ready"]);
        // a file marked restarts: false (a helper script) is not behind the digest
        const behind = await outputResourceNames(install.digest);
        expect(behind).toContain("t-h1-svc-conf");
        expect(behind).not.toContain("t-h1-svc-tool");
        // what restartHost returns is that registered restart
        expect(await promiseOf(restart.urn)).toMatch(/::t-h1-svc-restart$/);
    });

    it("a host without managed services restarts after its files and binaries", async () => {
        const { res } = await build({ ...work, services: [] });
        expect(res.has("t-h1-svc-unit")).toBe(false);
        expect(dependsOnNames(res.get("t-h1-svc-restart")).sort()).toEqual(["previous-gate", "t-h1-bin-svc", "t-h1-svc-conf", "t-h1-svc-tool"]);
    });
});
