import { MANAGED_BY } from "../../../components/render/header";
import { isHostName, renderHostsEntries } from "../../../components/render/hostsEntries";

describe("renderHostsEntries", () => {
    it("matches the snapshot: the header, then one `address<TAB>names` line per entry", () => {
        const text = renderHostsEntries([
            { address: "10.213.0.41", names: ["registry.lab.internal"] },
            { address: "fd00::41", names: ["mirror.lab.internal", "mirror"] },
        ]);
        expect(text).toMatchSnapshot();
        const lines = text.split("\n");
        expect(lines[0]).toBe(`# ${MANAGED_BY}`);
        expect(lines.slice(1)).toEqual(["10.213.0.41\tregistry.lab.internal", "fd00::41\tmirror.lab.internal mirror", ""]);
    });

    it("refuses what hosts(5) cannot hold or a shell could read as more than a name", () => {
        expect(() => renderHostsEntries([{ address: "10.0.0.300", names: ["a"] }])).toThrow(/bad hosts entry address/);
        expect(() => renderHostsEntries([{ address: "10.0.0.3", names: [] }])).toThrow(/bad hosts entry names/);
        for (const bad of ["a b", "a;b", "$(id)", "-a", "a-", "a..b", "a\nb", "x".repeat(64)]) expect(isHostName(bad)).toBe(false);
        for (const good of ["registry", "registry.lab.internal", "r-1.example.com", "x".repeat(63)]) expect(isHostName(good)).toBe(true);
    });
});
