import { parse } from "smol-toml";
import { ContainerdSpec, renderContainerdConfig } from "../../../components/render/containerd";
import { MANAGED_BY } from "../../../components/render/header";

const spec: ContainerdSpec = {
    sandboxImage: "registry.lab.test:5000/pause:3.10",
    systemdCgroup: true,
    registryAuth: [{ host: "registry.lab.test:5000", username: "puller", password: 'pa"ss$word\\x' }],
};

const cri = (toml: string): any => (parse(toml) as any).plugins["io.containerd.grpc.v1.cri"];

describe("renderContainerdConfig", () => {
    it("matches the snapshot", () => {
        expect(renderContainerdConfig(spec)).toMatchSnapshot();
    });

    it("is containerd 1.6 config version 2 with the CRI settings", () => {
        const out = renderContainerdConfig(spec);
        expect(out.startsWith(`# ${MANAGED_BY}\n`)).toBe(true);
        expect((parse(out) as { version: number }).version).toBe(2);
        const c = cri(out);
        expect(c.sandbox_image).toBe("registry.lab.test:5000/pause:3.10");
        expect(c.containerd.snapshotter).toBe("overlayfs");
        expect(c.containerd.default_runtime_name).toBe("runc");
        expect(c.containerd.runtimes.runc.runtime_type).toBe("io.containerd.runc.v2");
        expect(c.containerd.runtimes.runc.options.SystemdCgroup).toBe(true);
        expect(c.cni).toEqual({ bin_dir: "/usr/lib/cni", conf_dir: "/etc/cni/net.d" });
        expect(c.registry.config_path).toBe("/etc/containerd/certs.d");
        expect(c.registry.configs["registry.lab.test:5000"].auth).toEqual({ username: "puller", password: 'pa"ss$word\\x' });
    });

    it("honours options and leaves out what is not set", () => {
        const c = cri(
            renderContainerdConfig({
                systemdCgroup: false,
                cniBinDir: "/opt/cni/bin",
                cniConfDir: "/etc/cni/other",
                snapshotter: "native",
                registryConfigPath: "/etc/containerd/hosts",
            }),
        );
        expect(c.sandbox_image).toBeUndefined();
        expect(c.containerd.runtimes.runc.options.SystemdCgroup).toBe(false);
        expect(c.containerd.snapshotter).toBe("native");
        expect(c.cni).toEqual({ bin_dir: "/opt/cni/bin", conf_dir: "/etc/cni/other" });
        expect(c.registry).toEqual({ config_path: "/etc/containerd/hosts" });
    });

    it("rejects bad specs", () => {
        expect(() => renderContainerdConfig({ ...spec, sandboxImage: "pause 3.10" })).toThrow(/sandboxImage/);
        expect(() => renderContainerdConfig({ ...spec, cniBinDir: "usr/lib/cni" })).toThrow(/cniBinDir/);
        expect(() => renderContainerdConfig({ ...spec, registryAuth: [{ host: "https://r.test", username: "u", password: "p" }] })).toThrow(/host/);
        expect(() => renderContainerdConfig({ ...spec, registryAuth: [spec.registryAuth![0], spec.registryAuth![0]] })).toThrow(/duplicate/);
        expect(() => renderContainerdConfig({ ...spec, registryAuth: [{ host: "r.test", username: "", password: "p" }] })).toThrow(/username/);
        expect(() => renderContainerdConfig({ ...spec, systemdCgroup: "yes" as never })).toThrow(/systemdCgroup/);
    });
});
