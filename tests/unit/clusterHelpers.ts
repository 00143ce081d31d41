/** What the cluster tests (cluster.test.ts, clusterTopologies.test.ts) look up in a mocked deployment. */
import { Recorded, SECRET_MARKS } from "./mocks";
import { TEST_SSH_KEY_MARK } from "./fixtures";

export const commands = (res: Map<string, Recorded>) => [...res.values()].filter((r) => r.type === "command:remote:Command");
export const files = (res: Map<string, Recorded>) => [...res.values()].filter((r) => r.type.endsWith(":ManagedFile"));
/** The content a ManagedFile writes. */
export const content = (res: Map<string, Recorded>, name: string): string => {
    const r = get(res, name);
    expect(r.type).toMatch(/ManagedFile$/);
    return r.inputs.content;
};
export const get = (res: Map<string, Recorded>, name: string): Recorded => {
    const r = res.get(name);
    if (!r)
        throw new Error(
            `no resource ${name}; have e.g. ${[...res.keys()]
                .filter((k) => k.includes(name.split("-")[1] ?? ""))
                .slice(0, 20)
                .join(", ")}`,
        );
    return r;
};
// Key material as it appears in files: PEM, base64 inside kubeconfigs, raw secrets.
export const SECRETS = [...SECRET_MARKS, TEST_SSH_KEY_MARK, "s3cr3t-registry"];
