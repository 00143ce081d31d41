import * as fs from "fs";
import * as path from "path";
import { manifestProblems, parseManifest } from "../../components/manifests";

const CNI = path.join(__dirname, "fixtures", "manifests", "cni.yaml");

describe("user manifests", () => {
    it("parses every document of a file, skipping empty ones and expanding Lists", () => {
        const objs = parseManifest(fs.readFileSync(CNI, "utf8"), CNI);
        expect(objs.map((o) => `${o.kind}/${(o.metadata as { name: string }).name}`)).toEqual(["Namespace/demo-cni", "ConfigMap/demo-cni-config", "DaemonSet/demo-cni-node"]);
        const list = parseManifest(
            "apiVersion: v1\nkind: List\nitems:\n  - { apiVersion: v1, kind: ConfigMap, metadata: { name: a } }\n  - { apiVersion: v1, kind: ConfigMap, metadata: { name: b } }\n",
            "list.yaml",
        );
        expect(list.map((o) => (o.metadata as { name: string }).name)).toEqual(["a", "b"]);
    });

    it("names the file and document of bad YAML or of a document that is no object", () => {
        expect(() => parseManifest("a: [1,\n", "bad.yaml")).toThrow(/^bad.yaml: document 1: /);
        expect(() => parseManifest("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ok }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "noname.yaml")).toThrow(
            /noname.yaml: document 2 is not a Kubernetes object/,
        );
        expect(() => parseManifest("- 1\n- 2\n", "list.yaml")).toThrow(/document 1 is not a Kubernetes object/);
    });

    it("reports a missing file, a bad file and an object declared twice, each under its path", () => {
        const text = fs.readFileSync(CNI, "utf8");
        expect(
            manifestProblems([
                { path: "addons.manifests[0]", file: CNI, text },
                { path: "addons.manifests[1]", file: "/nowhere.yaml", text: undefined },
                { path: "addons.manifests[2]", file: "bad.yaml", text: "kind: [" },
                { path: "addons.manifests[3]", file: "again.yaml", text: "apiVersion: v1\nkind: Namespace\nmetadata: { name: demo-cni }\n" },
            ]).map((p) => `${p.propertyPath}: ${p.reason.split(":")[0]}`),
        ).toEqual([
            'addons.manifests[1]: manifest file "/nowhere.yaml" does not exist',
            "addons.manifests[2]: bad.yaml",
            `addons.manifests[3]: Namespace demo-cni is declared twice (also in ${CNI})`,
        ]);
        expect(manifestProblems([{ path: "p", file: CNI, text }])).toEqual([]);
    });
});
