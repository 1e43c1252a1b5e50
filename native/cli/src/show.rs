//! `entrasnap show`: one snapshot's header and the objects it holds.

use std::collections::BTreeMap;

use entrasnap_core::store::{ObjectEntry, SnapshotSummary};
use entrasnap_core::{ObjectType, SnapshotStore};
use serde::Serialize;

use crate::error::CliError;
use crate::output::{Output, write_table};
use crate::store_arg::{StoreArg, existing_snapshot};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArg,
    /// The snapshot: an id, `latest` (the newest export) or `label:NAME`.
    #[arg(long, value_name = "ID")]
    pub snapshot: String,
    /// Only objects of this type (e.g. `conditionalAccessPolicy`).
    #[arg(long = "type", value_name = "TYPE")]
    pub type_name: Option<String>,
}

/// `--json`: `{"snapshot": <summary as in list>, "objects": {"<type>":
/// [{"id", "hash", "name", "volatile"?, "links"?}]}}`.
#[derive(Serialize)]
struct Shown<'a> {
    snapshot: &'a SnapshotSummary,
    objects: BTreeMap<&'a str, &'a [ObjectEntry]>,
}

pub fn run(args: Args, out: Output) -> Result<(), CliError> {
    let store = args.store.open_readable()?;
    let id = existing_snapshot(&store, &args.snapshot)?;
    let manifest = store.manifest(id.as_str())?;
    let objects: BTreeMap<&str, &[ObjectEntry]> = match &args.type_name {
        None => manifest
            .objects
            .iter()
            .map(|(ty, entries)| (ty.as_str(), entries.as_slice()))
            .collect(),
        Some(name) => {
            let ty = ObjectType::find(name).ok_or_else(|| unknown_type(name))?;
            if !manifest.objects.contains_key(ty.name) {
                return Err(CliError::new(format!(
                    "snapshot {} did not export {} (it holds {})",
                    manifest.id(),
                    ty.name,
                    manifest.summary.types.join(", ")
                )));
            }
            BTreeMap::from([(ty.name, manifest.entries(ty.name))])
        }
    };
    let shown = Shown {
        snapshot: &manifest.summary,
        objects,
    };
    out.emit(&shown, |w| {
        let s = shown.snapshot;
        writeln!(w, "snapshot  {}", s.id)?;
        writeln!(w, "kind      {}", s.kind)?;
        if !s.labels.is_empty() {
            writeln!(w, "labels    {}", s.labels.join(", "))?;
        }
        writeln!(w, "tenant    {}", s.tenant_id)?;
        writeln!(
            w,
            "created   {}",
            s.created_at.format("%Y-%m-%d %H:%M:%S UTC")
        )?;
        writeln!(w, "engine    {}", s.engine_version)?;
        writeln!(w)?;
        let rows: Vec<Vec<String>> = shown
            .objects
            .iter()
            .flat_map(|(ty, entries)| {
                entries
                    .iter()
                    .map(|e| vec![ty.to_string(), e.id.clone(), e.name.clone()])
            })
            .collect();
        write_table(w, &["TYPE", "ID", "NAME"], &rows)
    })
}

fn unknown_type(name: &str) -> CliError {
    CliError::new(format!("unknown object type '{name}'"))
        .detail(format!("known types: {}", ObjectType::known_names()))
}
