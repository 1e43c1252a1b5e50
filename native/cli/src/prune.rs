//! `entrasnap prune`: removes snapshots a retention policy does not keep,
//! then the object files no kept snapshot refers to.

use std::collections::HashMap;
use std::io::{self, Write};

use entrasnap_core::SnapshotStore;
use entrasnap_core::store::{KeepPolicy, SnapshotId, SnapshotSummary};
use indicatif::HumanBytes;
use serde::Serialize;

use crate::error::CliError;
use crate::output::{Output, count};
use crate::store_arg::StoreArg;

#[derive(clap::Args, Debug)]
#[group(id = "keep", required = true, multiple = true, args = ["keep_daily", "keep_weekly", "keep_monthly"])]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArg,
    /// Keep the newest snapshot of each of the last N days that have one.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_daily: u32,
    /// Keep the newest snapshot of each of the last N ISO weeks that have one.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_weekly: u32,
    /// Keep the newest snapshot of each of the last N months that have one.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_monthly: u32,
    /// Show what would be removed; delete nothing.
    #[arg(long)]
    pub what_if: bool,
}

/// `--json --what-if`: what would happen. Same ids, newest first, as a real run.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WhatIf {
    what_if: bool,
    kept: Vec<SnapshotId>,
    removed: Vec<SnapshotId>,
}

/// `--json`: the PruneReport (`kept`, `removed`, `objectsRemoved`,
/// `bytesFreed`, `sweepSkipped` when unreferenced objects were left), or with
/// `--what-if` `{"whatIf": true, "kept": [...], "removed": [...]}`.
pub fn run(args: Args, out: Output) -> Result<(), CliError> {
    let store = args.store.open_readable()?;
    let policy = KeepPolicy {
        daily: args.keep_daily,
        weekly: args.keep_weekly,
        monthly: args.keep_monthly,
    };
    let snapshots = store.list()?;
    let created: HashMap<&SnapshotId, &SnapshotSummary> =
        snapshots.iter().map(|s| (&s.id, s)).collect();

    if args.what_if {
        let keep = store.prune_keeps(&policy)?;
        let (kept, removed): (Vec<_>, Vec<_>) = snapshots
            .iter()
            .map(|s| s.id.clone())
            .partition(|id| keep.contains(id));
        let plan = WhatIf {
            what_if: true,
            kept,
            removed,
        };
        return out.emit(&plan, |w| {
            lines(w, "would remove", &plan.removed, &created)?;
            lines(w, "would keep", &plan.kept, &created)?;
            writeln!(
                w,
                "what-if: would remove {} and keep {}; nothing was deleted",
                count(plan.removed.len(), "snapshot"),
                plan.kept.len()
            )
        });
    }

    let report = store.prune(&policy)?;
    out.emit(&report, |w| {
        lines(w, "removed", &report.removed, &created)?;
        lines(w, "kept", &report.kept, &created)?;
        writeln!(
            w,
            "removed {} and kept {}; deleted {} ({})",
            count(report.removed.len(), "snapshot"),
            report.kept.len(),
            count(report.objects_removed as usize, "unreferenced object file"),
            HumanBytes(report.bytes_freed)
        )
    })?;
    if let Some(why) = &report.sweep_skipped {
        out.warn(&format!(
            "unreferenced object files were left in place: {why}"
        ));
    }
    Ok(())
}

fn lines(
    w: &mut dyn Write,
    verb: &str,
    ids: &[SnapshotId],
    known: &HashMap<&SnapshotId, &SnapshotSummary>,
) -> io::Result<()> {
    for id in ids {
        match known.get(id) {
            Some(s) => writeln!(
                w,
                "{verb:<12}  {id}  created {}  tenant {}",
                s.created_at.format("%Y-%m-%d %H:%M:%S"),
                s.tenant_id
            )?,
            None => writeln!(w, "{verb:<12}  {id}  (manifest unreadable)")?,
        }
    }
    Ok(())
}
