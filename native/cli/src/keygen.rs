//! `entrasnap keygen`: a new Ed25519 key pair for signing snapshots. The
//! private key is written owner-only and never replaces a file; the public
//! key is what `verify --verify-key` and runbooks that must trust a snapshot
//! are given.
//!
//! `keygen --age`: a new age X25519 key pair for encrypting a store at rest
//! instead: the identity (secret) goes to `--out`, owner-only, and the
//! recipient (`age1...`, for `export --recipient`) is printed.

use std::path::PathBuf;

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
pub fn run(args: Args, out: Output) -> Result<(), CliError> {
    if args.age {
        return run_age(args, out);
    }
    let made = entrasnap_core::store::write_key_pair(&args.out)?;
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
