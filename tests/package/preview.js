// Runs a program that imports the packed ha-kubernetes under Pulumi's mocks, as a preview of it
// would register its resources, and checks what it registered. Run by check.sh inside a temporary
// project where `ha-kubernetes` is the installed tarball:
//   node preview.js <compiled program> <config JSON file> <repository>
// Prints the resource count per type; exits non-zero when an expected resource is missing.
"use strict";
const fs = require("fs");
const pulumi = require("@pulumi/pulumi");

const [program, configFile, repo] = process.argv.slice(2);
// the outputs each resource type gets, as in the unit tests (compiled by `npm run build`)
const { mockOutputs } = require(`${repo}/bin/tests/mockOutputs.js`);
const VALUES = {
    pem: (kind, name) => `-----BEGIN ${kind}-----\n${Buffer.from(name).toString("base64")}\n-----END ${kind}-----\n`,
    validityEndTime: "2036-01-01T00:00:00Z",
    randomBytes: Buffer.alloc(32, 7).toString("base64"),
    password: "mock-password",
};
pulumi.runtime.setAllConfig(JSON.parse(fs.readFileSync(configFile, "utf8")), []);
const seen = [];
pulumi.runtime.setMocks(
    {
        newResource(args) {
            const state = { ...args.inputs, ...mockOutputs(args.type, args.name, args.inputs, VALUES) };
            seen.push({ type: args.type, name: args.name });
            return { id: `${args.name}-id`, state };
        },
        call: (args) => args.inputs,
    },
    "ha-kubernetes-example",
    "example",
    true,
);

(async () => {
    require(program);
    // until registrations stop (resources registered inside applies come late)
    for (let quiet = 0, last = -1; quiet < 50;) {
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
