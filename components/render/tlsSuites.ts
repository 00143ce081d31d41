/**
 * The TLS cipher suites ha-kubernetes lets Kubernetes components use: forward-secret AEAD only,
 * in Go's names (as --tls-cipher-suites and KubeletConfiguration.tlsCipherSuites take them).
 */

/**
 * TLS 1.2: ECDHE with AES-GCM or ChaCha20-Poly1305, the ChaCha20 ones by their short names
 * (Kubernetes accepts both spellings): the names of the lists CIS 1.2.29 and 4.2.12 accept.
 */
export const STRONG_TLS12_CIPHER_SUITES = [
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
] as const;

/** Go's own names of the two ChaCha20 suites above (the same suites; accepted where a user chooses). */
export const CHACHA20_LONG_NAMES = ["TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"] as const;

/** TLS 1.3's suites (always on in Go; accepted by name). */
export const TLS13_CIPHER_SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"] as const;
