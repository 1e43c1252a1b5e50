//! `entrasnap keygen`: a new age X25519 key pair for encrypting a store at
//! rest. The identity (secret) goes to a new file readable by its owner only;
//! the recipient (public key, `age1...`) is printed, for `export --recipient`.

use std::io::Write;
use std::path::PathBuf;

use crate::error::CliError;
use crate::output::Output;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The identity file to create (refused when it exists). Keep it out of the store.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// `--json`: `{"identityFile": ..., "recipient": "age1..."}`.
pub fn run(args: Args, out: Output) -> Result<(), CliError> {
    let (text, recipient) = entrasnap_core::store::generate_identity();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&args.out).map_err(|e| {
        CliError::new(format!(
            "cannot create identity file {}: {e}",
            args.out.display()
        ))
    })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| {
            CliError::new(format!(
                "cannot write identity file {}: {e}",
                args.out.display()
            ))
        })?;
    let report = serde_json::json!({
        "identityFile": args.out.display().to_string(),
        "recipient": recipient,
    });
    out.emit(&report, |w| writeln!(w, "{recipient}"))
}
