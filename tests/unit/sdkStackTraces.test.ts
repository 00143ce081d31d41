import { capturedBySdk, plainStack, unmapSdkStackTraces } from "../../lib/sdkStackTraces";

/** A call site in `file` (only what the formatter reads). */
const site = (file: string | null, text: string) => ({ getFileName: () => file, toString: () => text }) as unknown as NodeJS.CallSite;
const SDK = site("/app/node_modules/@pulumi/pulumi/runtime/debuggable.js", "debuggablePromise (/app/node_modules/@pulumi/pulumi/runtime/debuggable.js:250:77)");
const OURS = site("/app/components/remote.ts", "remoteFile (/app/components/remote.ts:84:12)");

describe("unmapSdkStackTraces", () => {
    it("formats a stack as V8 does: the error, then one `at` line per frame", () => {
        expect(plainStack(new Error("boom"), [SDK, OURS])).toBe(
            "Error: boom\n    at debuggablePromise (/app/node_modules/@pulumi/pulumi/runtime/debuggable.js:250:77)\n    at remoteFile (/app/components/remote.ts:84:12)",
        );
        expect(plainStack(new TypeError("x"), [])).toBe("TypeError: x");
    });

    it("tells the SDK's own stacks by their top frame", () => {
        expect(capturedBySdk([SDK, OURS])).toBe(true);
        expect(capturedBySdk([OURS, SDK])).toBe(false);
        expect(capturedBySdk([site(null, "native")])).toBe(false);
        expect(capturedBySdk([])).toBe(false);
        expect(capturedBySdk([site("/app/node_modules/@pulumi/command/remote/command.js", "x")])).toBe(false);
    });

    it("keeps the installed formatter for every other stack, and wraps it once", () => {
        const mapped = jest.fn(() => "mapped");
        const errorClass: { prepareStackTrace?: (e: Error, f: NodeJS.CallSite[]) => unknown } = { prepareStackTrace: mapped };
        unmapSdkStackTraces(errorClass);
        const installed = errorClass.prepareStackTrace!;
        expect(installed(new Error("sdk"), [SDK, OURS])).toBe(`Error: sdk\n    at ${SDK}\n    at ${OURS}`);
        expect(mapped).not.toHaveBeenCalled();
        expect(installed(new Error("ours"), [OURS, SDK])).toBe("mapped");
        expect(mapped).toHaveBeenCalledTimes(1);
        unmapSdkStackTraces(errorClass);
        expect(errorClass.prepareStackTrace).toBe(installed);
    });

    it("changes nothing where no formatter is installed (V8's own format already)", () => {
        const errorClass: { prepareStackTrace?: (e: Error, f: NodeJS.CallSite[]) => unknown } = {};
        unmapSdkStackTraces(errorClass);
        expect(errorClass.prepareStackTrace).toBeUndefined();
    });

    it("is installed in the unit tests: a stack captured here is still mapped to its TypeScript line", () => {
        const line = Number(/sdkStackTraces\.test\.ts:(\d+)/.exec(new Error("here").stack ?? "")?.[1]);
        expect(line).toBe(44);
        expect((Error.prepareStackTrace as unknown as Record<symbol, boolean> | undefined)?.[Symbol.for("ha-kubernetes.unmapSdkStackTraces")]).toBe(true);
    });
});
