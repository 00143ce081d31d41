import { APT_SOURCE_HEADER, isMirrorUrl, renderAptSource } from "../../../components/render/aptSource";

describe("renderAptSource", () => {
    it("matches the snapshot: one deb line, the key as signed-by, the suite given or left for the host", () => {
        const signed = renderAptSource({
            url: "http://10.213.0.1:3142/debian/",
            suite: "bookworm",
            components: ["main", "contrib"],
            keyring: "/var/lib/ha-kubernetes/packages/x.asc",
        });
        const hostSuite = renderAptSource({ url: "https://mirror.example/debian", components: ["main"] });
        expect({ signed, hostSuite }).toMatchSnapshot();
        expect(signed.split("\n")).toEqual([
            APT_SOURCE_HEADER.trim(),
            "deb [signed-by=/var/lib/ha-kubernetes/packages/x.asc] http://10.213.0.1:3142/debian bookworm main contrib",
            "",
        ]);
        expect(hostSuite.split("\n")[1]).toBe("deb https://mirror.example/debian $suite main");
    });

    it("refuses what apt or a shell could read as more than a URL or a name", () => {
        for (const url of ["ftp://m/d", "http://m/d e", "http://m/$(id)", "http://m/`id`", "http://m/d;id", "http://m/d'x", "", "http://"]) expect(isMirrorUrl(url)).toBe(false);
        for (const url of ["http://10.213.0.1:3142/debian", "https://deb.example/debian/", "http://m/d?x=1"]) expect(isMirrorUrl(url)).toBe(true);
        expect(() => renderAptSource({ url: "http://m/d", suite: "a b", components: ["main"] })).toThrow(/bad suite/);
        expect(() => renderAptSource({ url: "http://m/d", components: [] })).toThrow(/bad components/);
        expect(() => renderAptSource({ url: "http://m/d", components: ["main]"] })).toThrow(/bad components/);
        expect(() => renderAptSource({ url: "http://m/$(id)", components: ["main"] })).toThrow(/bad package mirror URL/);
    });
});
