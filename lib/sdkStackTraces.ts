/**
 * Stack traces of the Pulumi Node.js SDK's own bookkeeping, formatted without source maps.
 *
 * Pulumi runs a TypeScript program through its vendored ts-node, and jest runs the unit tests
 * through ts-jest; both install source-map-support, which maps every `error.stack` read through
 * the source maps. The SDK reads a stack for every resource it registers (its source position)
 * and for every promise it tracks, and never shows them: a no-op `pulumi preview` of a 3-master,
 * 3-worker cluster (600 resources) spent 7.3 s of its program's 23.6 s of CPU mapping them
 * (node --cpu-prof), and a unit test deploying the mocked cluster ran 2.2 times slower for it.
 * After `unmapSdkStackTraces()`, an error created inside the SDK gets V8's own format; every other
 * error (yours, the components', a failed test's) is still mapped to its TypeScript lines.
 *
 * A program of your own that uses the components pays the same cost; call it first
 * (`import { unmapSdkStackTraces } from "ha-kubernetes/bin/lib/sdkStackTraces"`).
 */

/** Files of the Pulumi Node.js SDK. */
const SDK_FILE = /[\\/]node_modules[\\/]@pulumi[\\/]pulumi[\\/]/;

type PrepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => unknown;
type ErrorConstructorLike = { prepareStackTrace?: PrepareStackTrace };

/** Marks a formatter installed by unmapSdkStackTraces (so that a second call does not wrap it again). */
const INSTALLED = Symbol.for("ha-kubernetes.unmapSdkStackTraces");

/** V8's own format of a stack: the error, then one `    at <frame>` line per frame. Pure. */
export function plainStack(error: Error, frames: readonly NodeJS.CallSite[]): string {
    let head: string;
    try {
        head = Error.prototype.toString.call(error);
    } catch {
        head = "Error";
    }
    return frames.length ? `${head}\n    at ${frames.map(String).join("\n    at ")}` : head;
}

/** Whether the stack was captured by the SDK itself (its top frame is in the SDK's files). */
export function capturedBySdk(frames: readonly NodeJS.CallSite[]): boolean {
    const file = frames[0]?.getFileName();
    return file !== undefined && file !== null && SDK_FILE.test(file);
}

/**
 * Formats the stacks the SDK captures with V8's own format, delegating every other stack to the
 * installed formatter (source-map-support's). Without an installed formatter it changes nothing.
 */
export function unmapSdkStackTraces(errorClass: ErrorConstructorLike = Error as ErrorConstructorLike): void {
    const mapped = errorClass.prepareStackTrace;
    if (!mapped || (mapped as unknown as Record<symbol, boolean>)[INSTALLED]) return;
    const prepare: PrepareStackTrace = (error, frames) => (capturedBySdk(frames) ? plainStack(error, frames) : mapped(error, frames));
    (prepare as unknown as Record<symbol, boolean>)[INSTALLED] = true;
    errorClass.prepareStackTrace = prepare;
}
