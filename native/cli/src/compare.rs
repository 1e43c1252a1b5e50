//! `entrasnap compare`: what changed between two snapshots, or between a
//! snapshot and the live tenant (a fresh export into the same store), as a
//! change summary, a JSON report or a Markdown document.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use entrasnap_core::ObjectType;
use entrasnap_core::diff::{RenderOptions, Severity, StoredSnapshot, compare, render};
use entrasnap_core::store::{SnapshotKind, require_types};
use entrasnap_graph::CancellationToken;
use entrasnap_graph::audit::attribute_report;
use entrasnap_graph::export::ExportOptions;
use entrasnap_graph::restore::removed_restorable;

use crate::audit_arg::AuditArgs;
use crate::error::CliError;
use crate::export::{GraphArgs, export_snapshot, parse_type};
use crate::output::Output;
use crate::progress::Progress;
use crate::store_arg::{StoreArg, with_list_hint};

/// Exit code when `--exit-code` is given and changes at or above `--severity-min` remain.
pub const EXIT_DIFFERENCES: i32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A change summary for people, most severe first.
    Text,
    /// The report as one JSON document (the same as --json).
    Json,
    /// A table of counts and a section per changed object.
    Markdown,
    /// One self-contained HTML page: a chart by type and severity, then each change.
    Html,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArg,
    /// The earlier side: a snapshot id, `latest` (the newest export) or `label:NAME`.
    #[arg(long, value_name = "ID|latest|label:NAME")]
    pub from: String,
    /// The later side: a snapshot id, `latest`, `label:NAME`, or `live` (a fresh
    /// export into the store, kind compare-live: never `latest` afterwards).
    #[arg(long, value_name = "ID|latest|label:NAME|live")]
    pub to: String,
    /// Object types to compare, comma-separated (Graph entity names); all by default.
    #[arg(long, value_delimiter = ',', value_parser = parse_type)]
    pub types: Vec<&'static ObjectType>,
    /// Leave out changes below this severity (info, low, medium, high, critical).
    #[arg(long, value_name = "SEVERITY", default_value = "info", value_parser = parse_severity)]
    pub severity_min: Severity,
    /// Exit 3 when any change at or above --severity-min remains, else 0.
    #[arg(long)]
    pub exit_code: bool,
    /// text (default), json, markdown or html.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the rendering to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Read the directory audit log and say who made each change (the default with --to live).
    #[arg(long, conflicts_with = "no_audit")]
    pub audit: bool,
    /// Do not read the audit log, even with --to live.
    #[arg(long)]
    pub no_audit: bool,
    /// Only the changes this actor made, from the audit log: a user principal name, an app id, an object id or a display name.
    #[arg(long, value_name = "UPN|APPID", conflicts_with = "no_audit")]
    pub changed_by: Option<String>,
    #[command(flatten)]
    pub audit_log: AuditArgs,
    #[command(flatten)]
    pub graph: GraphArgs,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s.trim()).ok_or_else(|| {
        format!("unknown severity '{s}'; expected info, low, medium, high or critical")
    })
}

fn usage(message: &str) -> ! {
    clap::Error::raw(clap::error::ErrorKind::InvalidValue, format!("{message}\n")).exit()
}

pub async fn run(args: Args, out: Output) -> Result<(), CliError> {
    let format = match (args.format, out.is_json()) {
        (None, true) => Format::Json,
        (None, false) => Format::Text,
        (Some(f), json) => {
            if json && f != Format::Json && args.output.is_none() {
                usage(
                    "--json prints the JSON report on stdout; give --output FILE for --format text, markdown or html",
                );
            }
            f
        }
    };
    if args.from.eq_ignore_ascii_case("live") {
        usage("--from takes a snapshot id or `latest`; only --to can be `live`");
    }

    let store = args.store.open_readable()?;
    // Both sides are resolved once, before the live export below.
    let from = store.resolve(&args.from).map_err(with_list_hint(&store))?;
    let type_names: Vec<&str> = args.types.iter().map(|t| t.name).collect();
    require_types(from.id.as_str(), &from.types, &type_names)?;
    let from_id = from.id.to_string();
    let (to_id, live) = if args.to.eq_ignore_ascii_case("live") {
        let progress = Arc::new(if out.is_json() || args.output.is_some() {
            Progress::hidden()
        } else {
            Progress::stderr()
        });
        let options = ExportOptions {
            // The whole tenant; --types only narrows the comparison.
            types: Vec::new(),
            full: false,
            kind: SnapshotKind::CompareLive,
            only_if_changed: false,
        };
        let report = export_snapshot(&store, &args.graph, &options, &progress, None).await?;
        progress.finish();
        (report.snapshot_id.to_string(), true)
    } else {
        let to = store.resolve(&args.to).map_err(with_list_hint(&store))?;
        require_types(to.id.as_str(), &to.types, &type_names)?;
        (to.id.to_string(), false)
    };

    let (before, after) = StoredSnapshot::open_pair(&store, &from_id, &to_id)?;
    let types = (!args.types.is_empty()).then_some(&args.types[..]);
    let mut report = compare(&before, &after, types)?;
    if live && let Ok(client) = args.graph.client(&CancellationToken::new()) {
        report.mark_restorable(&removed_restorable(&client, &report).await);
    }
    if !args.no_audit && (live || args.audit || args.changed_by.is_some()) {
        let client = args.graph.client(&CancellationToken::new())?;
        // From the start of the earlier export (a change made while it read
        // may not be in it) to the end of the later one.
        attribute_report(
            &client,
            &mut report,
            before.manifest().summary.created_at,
            after.manifest().summary.completed_at,
            &args.audit_log.settings(),
            args.changed_by.as_deref(),
        )
        .await?;
    }
    let opts = RenderOptions::at_least(&mut report, args.severity_min, live);
    let format = match format {
        Format::Text => render::Format::Text,
        Format::Markdown => render::Format::Markdown,
        Format::Html => render::Format::Html,
        Format::Json => render::Format::Json,
    };
    let mut rendered = render::render(format, &report, &opts).into_bytes();
    if format == render::Format::Json {
        rendered.push(b'\n');
    }
    match &args.output {
        Some(path) => {
            write_atomic(path, &rendered).map_err(|e| {
                CliError::new(format!(
                    "cannot write the report to {}: {e}",
                    path.display()
                ))
            })?;
            if out.is_json() {
                out.emit(&report, |_| Ok(()))?;
            }
        }
        None => {
            let mut stdout = io::stdout().lock();
            stdout.write_all(&rendered)?;
            stdout.flush()?;
        }
    }

    if args.exit_code && !report.changes.is_empty() {
        return Err(CliError::silent(EXIT_DIFFERENCES));
    }
    Ok(())
}

/// Writes `bytes` to a temp file beside `path`, then renames it over `path`.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
