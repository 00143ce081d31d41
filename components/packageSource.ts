import { PackagesArgs } from "./config";
import { fileOrTextValue } from "./fileInputs";

/** A host's package mirror as the install scripts take it (config `packages`, source `mirror`, resolved). */
export interface PackageSource {
    readonly url: string;
    /** Suite; absent: the host's own codename. */
    readonly suite?: string;
    readonly components: readonly string[];
    /** Armored public key the archive is signed with; absent: the keys the host's apt trusts. */
    readonly signedBy?: string;
}

/** Default archive components of a package mirror. */
export const DEFAULT_MIRROR_COMPONENTS: readonly string[] = ["main"];

/**
 * The package source hosts use, from validated settings: undefined for the host's own sources
 * (the default), else the mirror with its defaults applied and `signedByPath` read.
 */
export function packageSourceOf(p: PackagesArgs | undefined, readFile?: (path: string) => string): PackageSource | undefined {
    if (!p || p.source !== "mirror") return undefined;
    const signedBy = fileOrTextValue(p.signedBy, p.signedByPath, readFile);
    return {
        url: p.url,
        ...(p.suite !== undefined ? { suite: p.suite } : {}),
        components: p.components ?? DEFAULT_MIRROR_COMPONENTS,
        ...(signedBy !== undefined ? { signedBy: signedBy.trim() + "\n" } : {}),
    };
}
