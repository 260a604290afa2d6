-- Credentials set at run time (the console's LLM key; providers' keys later), encrypted by the
-- host with XChaCha20-Poly1305 under the master key. Only the ciphertext and the last four
-- characters (to show which key is set) are stored.
CREATE TABLE credentials (
    name       TEXT PRIMARY KEY,
    ciphertext TEXT NOT NULL,
    last4      TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT
);
