//! `entrasnap verify`: re-reads and re-hashes what snapshots refer to. Any
//! problem fails the command (exit 1), each named by snapshot and object.

use std::collections::BTreeSet;

use entrasnap_core::SnapshotStore;

use crate::error::CliError;
use crate::output::{Output, count};
use crate::store_arg::{StoreArg, existing_snapshot};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArg,
    /// Check only this snapshot (an id or `latest`); default every snapshot.
    #[arg(long, value_name = "ID")]
    pub snapshot: Option<String>,
}

/// `--json`: the report (`snapshotsChecked`, `objectsChecked`,
/// `signaturesChecked`, `problems`: `snapshot`, `kind`, `type`, `objectId`,
/// `objectName`, `hash`, `message`; `warnings`: lines), printed whether or
/// not problems were found. Warnings (a store others can read, signatures
/// not checked) go to stderr as `warning:` lines and do not fail the command.
pub fn run(args: Args, out: Output) -> Result<(), CliError> {
    let store = args.store.open_readable()?;
    let report = match &args.snapshot {
        Some(id) => {
            let id = existing_snapshot(&store, id)?;
            store.verify(Some(id.as_str()))?
        }
        None => store.verify(None)?,
    };
    let signatures = if report.signatures_checked > 0 {
        format!(", {}", count(report.signatures_checked, "signature"))
    } else {
        String::new()
    };
    let checked = format!(
        "{}{signatures} and {} in store {}",
        count(report.snapshots_checked, "snapshot"),
        count(report.objects_checked, "object file"),
        store.root().display()
    );
    if !out.is_json() {
        for w in &report.warnings {
            eprintln!("warning: {w}");
        }
    }
    out.emit(&report, |w| {
        if report.is_ok() {
            writeln!(w, "ok: checked {checked}; no problems")
        } else {
            writeln!(w, "checked {checked}")
        }
    })?;
    if report.is_ok() {
        return Ok(());
    }
    let snapshots: BTreeSet<&str> = report
        .problems
        .iter()
        .map(|p| p.snapshot.as_str())
        .collect();
    let mut err = CliError::new(format!(
        "{} in {}",
        count(report.problems.len(), "problem"),
        count(snapshots.len(), "snapshot")
    ));
    for p in &report.problems {
        err = err.detail(&p.message);
    }
    Err(err)
}
