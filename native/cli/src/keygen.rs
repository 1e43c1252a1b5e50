//! `entrasnap keygen`: a new Ed25519 key pair for signing snapshots. The
//! private key is written owner-only and never replaces a file; the public
//! key is what `verify --verify-key` and runbooks that must trust a snapshot
//! are given.

use std::path::PathBuf;

use crate::error::CliError;
use crate::output::Output;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where the private key goes (PEM, owner-only); the public key goes to
    /// the same path with `.pub` added.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// `--json`: `{"keyId", "privateKey", "publicKey"}` (paths, never key material).
pub fn run(args: Args, out: Output) -> Result<(), CliError> {
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
