//! TLS set-up shared by every outbound client (LLM, HTTP capability, X, SendGrid, Twilio).

/// Installs ring as rustls' process-wide crypto provider (once).
///
/// reqwest is built without a default provider so that aws-lc (a long C
/// build) is not needed; ring is enough for a TLS client.
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err means another part of the process installed one first: fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
