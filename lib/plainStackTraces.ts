/**
 * Plain V8 stack traces for the Pulumi program.
 *
 * Pulumi runs a TypeScript program through its vendored ts-node, which installs source-map-support:
 * every `error.stack` read is then mapped through the program's source maps. The Node.js SDK reads a
 * stack for every resource (its source position) and for every promise it tracks, so a no-op
 * `pulumi preview` of a 3-master, 3-worker cluster (600 resources) spent 7.3 s of its program's
 * 23.6 s of CPU formatting stack traces (node --cpu-prof). Importing this module first puts back
 * V8's own formatting: stacks then give the lines of the transpiled code, which TypeScript keeps
 * close to the source; error messages are unchanged.
 *
 * A program of your own that uses the components pays the same cost; import this module first
 * (`import "ha-kubernetes/bin/lib/plainStackTraces"`) to drop it.
 */
delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;

export {};
