//! `entrasnap history`: one object's life across every snapshot of its
//! tenant in a store, oldest first: first seen, each change with before and
//! after, deleted, restored or recreated, each in the snapshot pair where it
//! was first seen.

use entrasnap_core::ObjectType;
use entrasnap_core::diff::history::{HistoryQuery, Target, attribute_history, history, text};
use entrasnap_graph::CancellationToken;
use entrasnap_graph::audit::read_window;

use crate::audit_arg::AuditArgs;
use crate::error::CliError;
use crate::export::{GraphArgs, parse_type};
use crate::output::Output;
use crate::store_arg::StoreArg;

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("object").required(true).args(["id", "name"])))]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArg,
    /// The object's id.
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// The object's display name, exactly but case-insensitively; several objects with it are an error listing their ids.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Only objects of this type (Graph entity name, e.g. `conditionalAccessPolicy`).
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_type)]
    pub object_type: Option<&'static ObjectType>,
    /// Only changes to this attribute (a dot path; covers the paths below it) or link (`members`).
    #[arg(long, value_name = "PATH")]
    pub attribute: Option<String>,
    /// Start at this snapshot (id, `latest`, `label:NAME`) or at the last one
    /// completed at or before this time (RFC 3339, `2026-12-01T14:00Z`).
    #[arg(long, value_name = "SNAPSHOT|TIME")]
    pub from: Option<String>,
    /// End at this snapshot, or at the last one completed at or before this time.
    #[arg(long, value_name = "SNAPSHOT|TIME")]
    pub to: Option<String>,
    /// Read the directory audit log and say who made each change (signs in to Graph).
    #[arg(long)]
    pub audit: bool,
    #[command(flatten)]
    pub audit_log: AuditArgs,
    #[command(flatten)]
    pub graph: GraphArgs,
}

/// `--json`: the history record `{"objectType", "objectId", "objectName",
/// "tenantId", "from", "to", "snapshots", "attribute"?, "entries": [{"event",
/// "from", "to", "objectId", "objectName", "previousId"?, "attributes",
/// "links", "severity", "reason", "attribution"?}]}`.
pub async fn run(args: Args, out: Output) -> Result<(), CliError> {
    let store = args.store.open_readable()?;
    let target = match (args.id, args.name) {
        (Some(id), _) => Target::Id(id.trim().to_string()),
        (None, Some(name)) => Target::Name(name),
        (None, None) => return Err(CliError::new("give --id ID or --name NAME")),
    };
    let query = HistoryQuery {
        target,
        object_type: args.object_type,
        attribute: args.attribute.map(|a| a.trim().to_string()),
        from: args.from,
        to: args.to,
    };
    let mut h = history(&store, &query)?;
    if args.audit {
        let client = args.graph.client(&CancellationToken::new())?;
        let log = read_window(
            &client,
            h.from.created_at,
            h.to.completed_at,
            &args.audit_log.settings(),
        )
        .await;
        attribute_history(&mut h, &log);
    }
    out.emit(&h, |w| w.write_all(text(&h).as_bytes()))
}
