//! `entrasnap keygen`: a new Ed25519 key pair for signing snapshots. The
//! private key is written owner-only and never replaces a file; the public
//! key is what `verify --verify-key` and runbooks that must trust a snapshot
//! are given.
//!
//! `keygen --age`: a new age X25519 key pair for encrypting a store at rest
//! instead: the identity (secret) goes to `--out`, owner-only, and the
//! recipient (`age1...`, for `export --recipient`) is printed.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::CliError;
use crate::output::Output;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where the private key goes (PEM, owner-only); the public key goes to
    /// the same path with `.pub` added.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Make an age X25519 identity for encryption at rest instead: written
    /// to --out (owner-only); its recipient (age1...) is printed.
    #[arg(long)]
    pub age: bool,
}

/// `--json`: `{"keyId", "privateKey", "publicKey"}` (paths, never key material).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Made {
    key_id: String,
    private_key: PathBuf,
    public_key: PathBuf,
}

pub fn run(args: Args, out: Output) -> Result<(), CliError> {
    if args.age {
        return run_age(args, out);
    }
    let mut public = args.out.clone().into_os_string();
    public.push(".pub");
    let public = PathBuf::from(public);
    if public.exists() {
        return Err(CliError::new(format!(
            "{} already exists; a key file is never replaced",
            public.display()
        )));
    }
    let (private_pem, public_pem, key_id) = entrasnap_core::store::generate_signing_key()?;
    entrasnap_core::store::write_private_key(&args.out, &private_pem)?;
    if let Err(e) = std::fs::write(&public, public_pem) {
        // Half a key pair is no use: take the private half back.
        let _ = std::fs::remove_file(&args.out);
        return Err(CliError::new(format!(
            "cannot write {}: {e}",
            public.display()
        )));
    }
    let made = Made {
        key_id,
        private_key: args.out,
        public_key: public,
    };
    out.emit(&made, |w| {
        writeln!(
            w,
            "key {}: private key {} (keep it secret; sign with --signing-key), public key {} (check with --verify-key)",
            made.key_id,
            made.private_key.display(),
            made.public_key.display()
        )
    })
}

/// `keygen --age`. `--json`: `{"identityFile", "recipient"}` (a path and a
/// public key, never the identity).
fn run_age(args: Args, out: Output) -> Result<(), CliError> {
    let (text, recipient) = entrasnap_core::store::generate_identity();
    entrasnap_core::store::write_private_key(&args.out, &text)?;
    let report = serde_json::json!({
        "identityFile": args.out.display().to_string(),
        "recipient": recipient,
    });
    out.emit(&report, |w| writeln!(w, "{recipient}"))
}
