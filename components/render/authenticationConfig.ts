import { renderYamlDocument } from "./yamlDocument";

/** The paths anonymous requests may reach: the health endpoints load balancers and probes ask. */
export const ANONYMOUS_PATHS = ["/healthz", "/livez", "/readyz"] as const;

/**
 * AuthenticationConfiguration (apiserver.config.k8s.io/v1beta1, read by --authentication-config;
 * the anonymous field needs Kubernetes 1.32 or newer): anonymous requests are authenticated only
 * for ANONYMOUS_PATHS, so every other anonymous request gets 401 whatever RBAC would allow.
 * Client certificates, service-account tokens and the front proxy are configured by flags. Pure.
 */
export function renderAuthenticationConfig(): string {
    return renderYamlDocument("apiserver.config.k8s.io/v1beta1", "AuthenticationConfiguration", {
        anonymous: { enabled: true, conditions: ANONYMOUS_PATHS.map((path) => ({ path })) },
    });
}
