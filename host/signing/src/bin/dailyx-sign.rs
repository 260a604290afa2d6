//! The build's signer: `dailyx-sign <key file> <plugins dir> [component[=staged file]...]`.
//!
//! Creates the key (and `<key>.pub`) on first use, then signs the named components (all by
//! default). `scripts/build-guests.sh` runs it so that first-party components are signed with
//! a local key; operators use `dailyx plugins keygen` / `dailyx plugins sign`, which share
//! this code.

use dailyx_signing::{SigningKeyFile, sign_staged};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [key, plugins, only @ ..] = args.as_slice() else {
        eprintln!("usage: dailyx-sign <key file> <plugins dir> [component[=staged file]...]");
        return ExitCode::from(2);
    };
    let key_path = PathBuf::from(key);
    let key = if key_path.exists() {
        SigningKeyFile::load(&key_path)
    } else {
        let created = SigningKeyFile::generate(&key_path);
        if let Ok(k) = &created {
            println!(
                "    created signing key {} ({})",
                key_path.display(),
                k.public_key().id()
            );
        }
        created
    };
    let targets: Vec<(String, Option<PathBuf>)> = only
        .iter()
        .map(|t| match t.split_once('=') {
            Some((name, file)) => (name.to_owned(), Some(PathBuf::from(file))),
            None => (t.clone(), None),
        })
        .collect();
    let result = key.and_then(|k| sign_staged(&PathBuf::from(plugins), &k, &targets));
    match result {
        Ok(signed) => {
            for (name, key_id) in signed {
                println!("    signed {name:<16} with key {key_id}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("dailyx-sign: {e}");
            ExitCode::FAILURE
        }
    }
}
