import { deployCluster, installMocks, Recorded } from "./mocks";
import { PackagesArgs } from "../../components/config";
import { baseCluster } from "./fixtures";

const seen = installMocks();

const KEY = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEaxcc3BYJKwYBBAHaRw8BAQdAiGUYbQI6WWYnoS0eIzkI7EXVwTPpTS/o7y+Y\n=ukAB\n-----END PGP PUBLIC KEY BLOCK-----\n";
/** Every role on some host: stacked etcd, haproxy + keepalived on the masters, a worker. */
const cluster = (packages?: PackagesArgs) => baseCluster(packages ? { packages } : {});
const bases = (res: Map<string, Recorded>) => [...res.values()].filter((r) => r.type === "command:remote:Command" && r.name.endsWith("-base"));

describe("packages.source: mirror — every host's package installs read only the mirror", () => {
    let host: Map<string, Recorded>;
    let mirror: Map<string, Recorded>;
    beforeAll(async () => {
        host = (await deployCluster(seen, cluster())).res;
        mirror = (await deployCluster(seen, cluster({ source: "mirror", url: "http://10.213.0.1:3142/debian", signedBy: KEY }))).res;
    }, 600_000);

    it("gives the mirror's source and key to every component's install on every host (etcd, control plane, load balancer, node)", () => {
        const all = bases(mirror);
        expect(new Set(all.map((b) => b.name.replace(/^.*-(\w+)-base$/, "$1")))).toEqual(new Set(["etcd", "cp", "lb", "node"]));
        for (const b of all) {
            const create = b.inputs.create as string;
            expect({ base: b.name, only: create.includes("-o Dir::Etc::SourceList=") && create.includes("-o Dir::Etc::SourceParts=-") }).toEqual({ base: b.name, only: true });
            expect(create).toContain("http://10.213.0.1:3142/debian $suite main");
            expect(create).toContain("mDMEaxcc3BYJKwYBBAHaRw8BAQdAiGUYbQI6WWYnoS0eIzkI7EXVwTPpTS/o7y+Y");
        }
    });

    it("leaves the host's own sources alone by default (no mirror option in any install), and changes nothing else", () => {
        const all = bases(host);
        expect(all.length).toBe(bases(mirror).length);
        for (const b of all) expect(b.inputs.create).not.toContain("Dir::Etc::SourceList");
        for (const [name, r] of mirror) {
            if (name.endsWith("-base") && r.type === "command:remote:Command") continue;
            expect({ name, inputs: r.inputs }).toEqual({ name, inputs: host.get(name)?.inputs });
        }
    });

    it("installs curl with every component that downloads binaries (a minimal host has none)", async () => {
        const downloading = bases(host).filter((b) => /-(etcd|cp|node)-base$/.test(b.name));
        expect(downloading.map((b) => b.name.replace(/^.*-(\w+)-base$/, "$1")).sort()).toEqual(expect.arrayContaining(["cp", "etcd", "node"]));
        for (const b of downloading) expect({ base: b.name, curl: /^for p in [^;]*\bcurl\b/m.test(b.inputs.create as string) }).toEqual({ base: b.name, curl: true });
    });

    it("installs one component at a time on a host, under one lock, in the default mode too", () => {
        for (const b of [...bases(host), ...bases(mirror)]) {
            expect(b.inputs.create).toMatch(/exec 9>'\/run\/lock\/ha-kubernetes-packages.lock'\nflock -w 900 9 /);
            expect(b.inputs.delete).toMatch(/exec 9>'\/run\/lock\/ha-kubernetes-packages.lock'\nflock -w 900 9 /);
        }
    });
});
