import type { ToStringOptions } from "yaml";

/**
 * Options for YAML the Kubernetes components read. Their parsers follow YAML 1.1, where plain
 * scalars such as `yes`, `on`, `y` or `0755` are booleans or numbers: emitting in 1.1 mode quotes
 * such strings. `lineWidth: 0` keeps long values (base64 data) on one line.
 */
export const YAML_OPTIONS: ToStringOptions & { version: "1.1" } = { version: "1.1", lineWidth: 0 };
