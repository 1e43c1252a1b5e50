//! `entrasnap list`: every snapshot in a store, newest first, with its kind
//! and labels; a snapshot that cannot be read is listed too, with the reason.

use entrasnap_core::store::{Listing, SnapshotKind, SnapshotSummary};

use crate::error::CliError;
use crate::output::{Output, write_table};
use crate::store_arg::StoreArg;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArg,
}

/// `--json`: an array, newest first, of snapshot summaries (`id`,
/// `tenantId`, `kind`, `labels`, `createdAt`, `completedAt`,
/// `engineVersion`, `types`, `counts`, `intact`, `readable: true`) and of
/// unreadable snapshots (`id`, `readable: false`, `reason`, `labels`).
pub fn run(args: Args, out: Output) -> Result<(), CliError> {
    let store = args.store.open_existing()?;
    let listing = store.list_all()?;
    out.emit(&listing.rows(), |w| {
        if listing.snapshots.is_empty() && listing.unreadable.is_empty() {
            return writeln!(
                w,
                "no complete snapshots in store {}",
                store.root().display()
            );
        }
        write_table(
            w,
            &[
                "ID",
                "KIND",
                "CREATED (UTC)",
                "TENANT",
                "OBJECTS",
                "INTACT",
                "LABELS",
                "TYPES",
            ],
            &rows(&listing),
        )?;
        if listing
            .snapshots
            .iter()
            .any(|s| s.kind != SnapshotKind::Export)
        {
            writeln!(
                w,
                "\n`latest` is the newest export; compare-live and undo-point snapshots are never latest."
            )?;
        }
        Ok(())
    })?;
    for u in &listing.unreadable {
        out.warn(&format!("snapshot {} cannot be read: {}", u.id, u.reason));
    }
    if let Some(edited) = listing.snapshots.iter().find(|s| !s.intact) {
        out.warn(&format!(
            "snapshot {} was changed after it completed; run `entrasnap verify --store {} --snapshot {}`",
            edited.id,
            store.root().display(),
            edited.id
        ));
    }
    Ok(())
}

/// Table rows newest first, the unreadable ones among them marked.
fn rows(listing: &Listing) -> Vec<Vec<String>> {
    let mut rows: Vec<(String, Vec<String>)> = listing
        .snapshots
        .iter()
        .map(|s| (s.id.to_string(), row(s)))
        .collect();
    for u in &listing.unreadable {
        rows.push((
            u.id.to_string(),
            vec![
                u.id.to_string(),
                "UNREADABLE".to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                u.labels.join(", "),
                u.reason.clone(),
            ],
        ));
    }
    rows.sort_by(|a, b| b.0.cmp(&a.0));
    rows.into_iter().map(|(_, r)| r).collect()
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
        s.kind.to_string(),
        s.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        s.tenant_id.clone(),
        total.to_string(),
        if s.intact { "yes" } else { "NO" }.to_string(),
        s.labels.join(", "),
        types,
    ]
}
