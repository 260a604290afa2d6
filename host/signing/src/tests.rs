use super::*;

const MANIFEST: &str = r#"
[defaults.limits]
wall_clock_ms = 10000

[[component]]
name = "writer"
version = "0.1.0"
world = "writer"
source = "agents/writer"
digest = "sha256:00"
[component.grants.llm]
max_tokens_per_run = 6000
[component.limits]
memory_bytes = 1024
"#;

fn entry(text: &str) -> SignedEntry {
    signed_entries(text).unwrap().remove(0)
}

#[test]
fn signed_form_is_canonical_without_location_and_with_default_limits() {
    let e = entry(MANIFEST);
    assert_eq!(e.name, "writer");
    assert_eq!(e.file, "writer.wasm");
    assert_eq!(
        e.form,
        r#"{"grants":{"llm":{"max_tokens_per_run":6000}},"limits":{"memory_bytes":1024,"wall_clock_ms":10000},"name":"writer","version":"0.1.0","world":"writer"}"#
    );
    // Where the file is does not matter; what it may do does.
    let moved = MANIFEST.replace("source = \"agents/writer\"", "file = \"w2.wasm\"");
    assert_eq!(entry(&moved).form, e.form);
    assert_eq!(entry(&moved).file, "w2.wasm");
    let widened = MANIFEST.replace("6000", "60000");
    assert_ne!(entry(&widened).form, e.form);
    let default_raised = MANIFEST.replace("wall_clock_ms = 10000", "wall_clock_ms = 99999");
    assert_ne!(entry(&default_raised).form, e.form);
}

#[test]
fn a_signature_verifies_only_for_its_digest_form_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKeyFile::generate(&dir.path().join("k.key")).unwrap();
    let public = PublicKey::read(&dir.path().join("k.pub")).unwrap();
    assert_eq!(public, key.public_key());
    let form = entry(MANIFEST).form;
    let digest = sha256_digest(b"component bytes");
    let sig = key.sign(&digest, &form);
    assert!(public.verifies(&digest, &form, &sig));
    assert!(public.verifies(&digest.to_uppercase().replace("SHA256:", ""), &form, &sig));
    assert!(!public.verifies(&sha256_digest(b"tampered bytes"), &form, &sig));
    assert!(!public.verifies(
        &digest,
        &entry(&MANIFEST.replace("6000", "60000")).form,
        &sig
    ));
    let other = SigningKeyFile::generate(&dir.path().join("other.key")).unwrap();
    assert!(!other.public_key().verifies(&digest, &form, &sig));
    let mut garbled = sig.clone();
    garbled.signature = "not base64!".into();
    assert!(!public.verifies(&digest, &form, &garbled));
}

#[test]
fn keys_are_created_once_private_and_reload() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys/local.key");
    let key = SigningKeyFile::generate(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(matches!(
        SigningKeyFile::generate(&path),
        Err(SigningError::KeyExists(_))
    ));
    let again = SigningKeyFile::load(&path).unwrap();
    assert_eq!(again.public_key(), key.public_key());
    assert_eq!(
        PublicKey::parse(&key.public_key().to_text(), "x").unwrap(),
        key.public_key()
    );
    assert!(PublicKey::parse("ed25519:AAAA", "config").is_err());
    assert!(PublicKey::parse("rsa:AAAA", "config").is_err());
    std::fs::write(dir.path().join("bad.key"), "not a key").unwrap();
    assert!(matches!(
        SigningKeyFile::load(&dir.path().join("bad.key")),
        Err(SigningError::BadKey { .. })
    ));
}

#[test]
fn sign_plugins_writes_a_sig_file_per_component() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("registry.toml"), MANIFEST).unwrap();
    std::fs::write(dir.path().join("writer.wasm"), b"bytes").unwrap();
    let key = SigningKeyFile::generate(&dir.path().join("k.key")).unwrap();
    let signed = sign_plugins(dir.path(), &key, &[]).unwrap();
    assert_eq!(
        signed,
        vec![("writer".into(), key.public_key().id().into())]
    );
    let sig = SignatureFile::read(&dir.path().join("writer.sig"))
        .unwrap()
        .unwrap();
    assert!(
        key.public_key()
            .verifies(&sha256_digest(b"bytes"), &entry(MANIFEST).form, &sig)
    );
    assert!(matches!(
        sign_plugins(dir.path(), &key, &["nope".into()]),
        Err(SigningError::Manifest(m)) if m.contains("nope")
    ));
    assert_eq!(
        SignatureFile::read(&dir.path().join("missing.sig")).unwrap(),
        None
    );
    std::fs::write(dir.path().join("bad.sig"), "{}").unwrap();
    assert!(SignatureFile::read(&dir.path().join("bad.sig")).is_err());
}
