// Runs a program that imports the packed ha-kubernetes under Pulumi's mocks, as a preview of it
// would register its resources, and checks what it registered. Run by check.sh inside a temporary
// project where `ha-kubernetes` is the installed tarball:
//   node preview.js <compiled program> <config JSON file>
// Prints the resource count per type; exits non-zero when an expected resource is missing.
"use strict";
const fs = require("fs");
const pulumi = require("@pulumi/pulumi");
const { topology } = require("ha-kubernetes");

const [program, configFile] = process.argv.slice(2);
pulumi.runtime.setAllConfig(JSON.parse(fs.readFileSync(configFile, "utf8")), []);
const seen = [];
pulumi.runtime.setMocks({
    newResource(args) {
        const state = { ...args.inputs };
        const pem = (kind, body) => `-----BEGIN ${kind}-----\n${Buffer.from(body).toString("base64")}\n-----END ${kind}-----\n`;
        switch (args.type) {
            case "tls:index/privateKey:PrivateKey":
                state.privateKeyPem = pem("PRIVATE KEY", args.name);
                state.publicKeyPem = pem("PUBLIC KEY", args.name);
                break;
            case "tls:index/selfSignedCert:SelfSignedCert":
            case "tls:index/locallySignedCert:LocallySignedCert":
                state.certPem = pem("CERTIFICATE", args.name);
                state.validityEndTime = "2036-01-01T00:00:00Z";
                break;
            case "random:index/randomBytes:RandomBytes":
                state.base64 = Buffer.alloc(32, 7).toString("base64");
                break;
            case "random:index/randomPassword:RandomPassword":
                state.result = "mock-password";
                break;
            case "pulumi-nodejs:dynamic/ha-kubernetes:PodCidrAllocation":
                state.allocations = Object.fromEntries(topology.allocatePodCidrs(args.inputs.nodes, args.inputs.podCidr, args.inputs.maskSize));
                break;
            case "pulumi-nodejs:dynamic/ha-kubernetes:EtcdJoin":
                state.state = "new";
                state.initialCluster = args.inputs.members;
                break;
            case "pulumi-nodejs:dynamic/ha-kubernetes:EtcdLeave":
                state.removed = [];
                break;
            case "pulumi-nodejs:dynamic/ha-kubernetes:NodeMembership":
                state.ready = true;
                break;
            case "command:remote:Command":
            case "command:local:Command":
                state.stdout = "";
                state.stderr = "";
                break;
        }
        seen.push({ type: args.type, name: args.name });
        return { id: `${args.name}-id`, state };
    },
    call: (args) => args.inputs,
}, "ha-kubernetes-example", "example", true);

(async () => {
    require(program);
    // until registrations stop (resources registered inside applies come late)
    for (let quiet = 0, last = -1; quiet < 50; ) {
        await new Promise((r) => setTimeout(r, 5));
        quiet = seen.length === last ? quiet + 1 : 0;
        last = seen.length;
    }
    const byType = {};
    for (const r of seen) byType[r.type] = (byType[r.type] ?? 0) + 1;
    for (const [t, n] of Object.entries(byType).sort()) console.log(`${String(n).padStart(5)}  ${t}`);
    console.log(`${String(seen.length).padStart(5)}  resources in all`);
    const names = new Set(seen.map((r) => r.name));
    const missing = ["team-namespace", "kubeconfig-file"].filter((n) => !names.has(n));
    if (!byType["ha-kubernetes:components:Cluster"]) missing.push("the ha-kubernetes:components:Cluster component");
    if (missing.length > 0) {
        console.error(`missing: ${missing.join(", ")}`);
        process.exit(1);
    }
})().catch((e) => {
    console.error(e);
    process.exit(1);
});
