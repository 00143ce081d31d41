/** Name and reference syntaxes the renderers and validation share (each checked once, here). */

/**
 * A container image reference as ha-kubernetes accepts it: `[registry[:port]/]path[:tag][@digest]`
 * in the characters references use.
 */
export const IMAGE_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/;

/** A lower-case DNS name: dot-separated RFC 1123 labels (length checked apart: at most 253). */
export const DNS_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Is `s` an image reference? Pure. */
export function isImageReference(s: unknown): s is string {
    return typeof s === "string" && IMAGE_REFERENCE.test(s);
}

/** Is `s` a lower-case DNS name of at most 253 characters? Pure. */
export function isDnsName(s: unknown): s is string {
    return typeof s === "string" && s.length <= 253 && DNS_NAME.test(s);
}
