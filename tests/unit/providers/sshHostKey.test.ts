import { AddressInfo } from "net";
import { Server, utils } from "ssh2";
import { fingerprint, hostKeyLine, parseHostKey, sameHostKey } from "../../../lib/hostKeys";
import { sshExec, sshHostKey } from "../../../providers/ssh";
import { TEST_SSH_KEY } from "../fixtures";

/** A real sshd stand-in on loopback: counts authentication attempts and answers every exec with "ran". */
function sshServer(hostKeyPem: string): Promise<{ port: number; auths: () => number; close: () => void }> {
    let auths = 0;
    const server = new Server({ hostKeys: [hostKeyPem] }, (client) => {
        client
            .on("authentication", (ctx) => {
                auths++;
                ctx.accept();
            })
            .on("ready", () =>
                client.on("session", (accept) =>
                    accept().once("exec", (acceptExec) => {
                        const s = acceptExec();
                        s.write("ran\n");
                        s.exit(0);
                        s.end();
                    }),
                ),
            )
            .on("error", () => undefined);
    });
    return new Promise((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve({ port: (server.address() as AddressInfo).port, auths: () => auths, close: () => server.close() })),
    );
}

const keyPair = () => utils.generateKeyPairSync("ed25519");
/** The `<type> <base64>` line of a generated public key (as /etc/ssh/ssh_host_ed25519_key.pub holds it). */
const line = (pub: string) => pub.trim().split(/\s+/).slice(0, 2).join(" ");

describe("SSH host keys over a real SSH handshake (loopback)", () => {
    const hostKey = keyPair();
    const other = keyPair();
    let srv: Awaited<ReturnType<typeof sshServer>>;
    beforeAll(async () => (srv = await sshServer(hostKey.private)));
    afterAll(() => srv.close());
    const target = (extra: object = {}) => ({ host: "127.0.0.1", port: srv.port, user: "root", privateKey: TEST_SSH_KEY, dialErrorLimit: 1, ...extra });

    it("reads the key a host presents in the key exchange, without authenticating", async () => {
        const before = srv.auths();
        const presented = await sshHostKey(target());
        expect(sameHostKey(presented, line(hostKey.public))).toBe(true);
        expect(srv.auths()).toBe(before);
    });

    it("runs a command when the host presents the pinned key", async () => {
        const r = await sshExec(target({ hostKey: line(hostKey.public) }), "true");
        expect(r).toEqual({ code: 0, stdout: "ran\n", stderr: "" });
    });

    it("refuses another key before authentication (nothing sent), naming both fingerprints, without retrying", async () => {
        const before = srv.auths();
        const started = Date.now();
        const err = await sshExec(target({ hostKey: line(other.public), dialErrorLimit: 5 }), "true").catch((e: Error) => e);
        expect(err).toBeInstanceOf(Error);
        const msg = (err as Error).message;
        expect(msg).toContain(`expected ${fingerprint(line(other.public))}`);
        expect(msg).toContain(`presented ${fingerprint(line(hostKey.public))}`);
        expect(msg).toContain(`127.0.0.1:${srv.port}`);
        expect(srv.auths()).toBe(before);
        expect(Date.now() - started).toBeLessThan(2500); // five attempts would back off for seconds
    });
});

describe("host key lines", () => {
    const k = utils.generateKeyPairSync("ed25519");
    it("parse, print, compare and fingerprint as OpenSSH does", () => {
        const l = line(k.public);
        const parsed = parseHostKey(`${l} root@host`);
        expect(typeof parsed).not.toBe("string");
        if (typeof parsed === "string") return;
        expect(parsed.type).toBe("ssh-ed25519");
        expect(hostKeyLine(parsed.blob)).toBe(l);
        expect(sameHostKey(`${l} a comment`, l)).toBe(true);
        expect(sameHostKey(l, line(utils.generateKeyPairSync("ed25519").public))).toBe(false);
        expect(fingerprint(l)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    });
    it("say what is wrong without quoting the value", () => {
        expect(parseHostKey("/etc/ssh/ssh_host_ed25519_key.pub")).toMatch(/must start with a host key type/);
        expect(parseHostKey("ssh-ed25519")).toMatch(/<type> <base64>/);
        expect(parseHostKey(`ecdsa-sha2-nistp256 ${line(k.public).split(" ")[1]}`)).toMatch(/not a ecdsa-sha2-nistp256 key/);
        expect(parseHostKey(42)).toMatch(/must be a string/);
    });
});
