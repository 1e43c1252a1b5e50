//! `entrasnap list`: the complete snapshots in a store, newest first.

use entrasnap_core::SnapshotStore;
use entrasnap_core::store::SnapshotSummary;

use crate::error::CliError;
use crate::output::{Output, write_table};
use crate::store_arg::StoreArg;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArg,
}

/// `--json`: an array of snapshot summaries (`id`, `tenantId`, `createdAt`,
/// `completedAt`, `engineVersion`, `types`, `counts`, `intact`).
pub fn run(args: Args, out: Output) -> Result<(), CliError> {
    let store = args.store.open_existing()?;
    let snapshots = store.list()?;
    out.emit(&snapshots, |w| {
        if snapshots.is_empty() {
            return writeln!(
                w,
                "no complete snapshots in store {}",
                store.root().display()
            );
        }
        let rows: Vec<Vec<String>> = snapshots.iter().map(row).collect();
        write_table(
            w,
            &[
                "ID",
                "CREATED (UTC)",
                "TENANT",
                "OBJECTS",
                "INTACT",
                "TYPES",
            ],
            &rows,
        )
    })?;
    if let Some(edited) = snapshots.iter().find(|s| !s.intact) {
        out.warn(&format!(
            "snapshot {} was changed after it completed; run `entrasnap verify --store {} --snapshot {}`",
            edited.id,
            store.root().display(),
            edited.id
        ));
    }
    Ok(())
}

fn row(s: &SnapshotSummary) -> Vec<String> {
    let total: u64 = s.counts.values().sum();
    let types = s
        .types
        .iter()
        .map(|t| format!("{t} {}", s.counts.get(t).copied().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        s.id.to_string(),
        s.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        s.tenant_id.clone(),
        total.to_string(),
        if s.intact { "yes" } else { "NO" }.to_string(),
        types,
    ]
}
