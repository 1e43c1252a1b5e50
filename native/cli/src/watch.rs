//! `entrasnap watch`: an incremental export every interval that stores a
//! snapshot only when something changed, then reports what changed (at or
//! above `--severity-min`) on stdout and, with `--webhook`, to a Teams-style
//! incoming webhook. A failed poll is a warning and the loop goes on;
//! Ctrl+C or SIGTERM stops it between or during polls with nothing partial
//! (a poll in flight holds its snapshot in memory until it is known to differ).

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use entrasnap_core::LocalStore;
use entrasnap_core::ObjectType;
use entrasnap_core::diff::render::{
    RenderOptions, detail_lines, headline, severity_color, type_label,
};
use entrasnap_core::diff::{Report, Severity, StoredSnapshot, compare};
use entrasnap_core::store::{SnapshotKind, SnapshotSummary};
use entrasnap_graph::export::{ExportError, ExportOptions, ExportReport, export};
use entrasnap_graph::{CancellationToken, GraphClient};
use serde_json::{Value, json};

use crate::audit_arg::AuditArgs;
use crate::error::CliError;
use crate::export::{GraphArgs, parse_type};
use crate::output::Output;
use crate::store_arg::StoreArg;
use entrasnap_graph::audit::{AuditSettings, attribute_report};

/// At most this many changes are listed in one webhook card (Teams cuts long cards).
const CARD_FACTS: usize = 25;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArg,
    /// How long between polls: `30s`, `5m`, `1h`.
    #[arg(long, value_name = "INTERVAL", value_parser = parse_interval)]
    pub every: Duration,
    /// Report changes at or above this severity (info, low, medium, high, critical); every change is stored.
    #[arg(long, value_name = "SEVERITY", default_value = "info", value_parser = parse_severity)]
    pub severity_min: Severity,
    /// POST a MessageCard listing the reported changes to this incoming-webhook URL; a failure is a warning.
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
    /// Stop after N polls (default: until Ctrl+C or SIGTERM).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Object types to export, comma-separated (Graph entity names); all by default.
    #[arg(long, value_delimiter = ',', value_parser = parse_type)]
    pub types: Vec<&'static ObjectType>,
    /// Do not read the audit log (by default each reported change names who made it).
    #[arg(long)]
    pub no_audit: bool,
    #[command(flatten)]
    pub audit_log: AuditArgs,
    #[command(flatten)]
    pub graph: GraphArgs,
}

/// `30s`, `5m`, `1h` (a whole number and one unit), at least one second.
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let bad = || format!("interval '{s}' is not a number with s, m or h (30s, 5m, 1h)");
    let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60).ok_or_else(bad)?,
        "h" => n.checked_mul(3600).ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    if secs == 0 {
        return Err(format!("interval '{s}' must be at least 1s"));
    }
    Ok(Duration::from_secs(secs))
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s.trim()).ok_or_else(|| {
        format!("unknown severity '{s}'; expected info, low, medium, high or critical")
    })
}

/// What one poll found.
struct Poll {
    export: ExportReport,
    /// The snapshot compared with, when one was stored and an earlier one exists.
    previous: Option<String>,
    report: Option<Report>,
    hidden: usize,
}

/// `--json`: one JSON document per poll, one line each: `{"poll", "at",
/// "stored", "snapshot", "previous"?, "changes"?, "hidden"?}`, or `{"poll",
/// "at", "error"}` for a failed poll (also a `warning:` on stderr).
pub async fn run(args: Args, out: Output) -> Result<(), CliError> {
    let store = args.store.open_or_create()?;
    // Telling a change needs the previous snapshot's bodies: an encrypted
    // store without its identity would store a full snapshot every poll.
    store.require_readable()?;
    let cancel = CancellationToken::new();
    // A misconfigured sign-in fails at once (a service manager restarts
    // or reports it); Graph being down later is only a failed poll.
    let client = args.graph.client(&cancel)?;
    let stopper = tokio::spawn(stop_on_signal(cancel.clone()));
    let options = ExportOptions {
        types: args.types.clone(),
        full: false,
        kind: SnapshotKind::Export,
        only_if_changed: true,
    };
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| CliError::new(format!("cannot set up the webhook client: {e}")))?;
    let mut n = 0u64;
    while !cancel.is_cancelled() {
        n += 1;
        let at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
        let audit = (!args.no_audit).then(|| args.audit_log.settings());
        match poll(
            &client,
            &store,
            &options,
            args.severity_min,
            audit.as_ref(),
            &cancel,
        )
        .await
        {
            Ok(p) => {
                print_poll(out, n, &at, &p, args.severity_min);
                if let (Some(url), Some(report)) = (&args.webhook, &p.report)
                    && !report.changes.is_empty()
                    && let Err(e) =
                        post_card(&http, url, &card(&p, report, args.severity_min)).await
                {
                    out.warn(&format!("poll {n}: the webhook was not told: {e}"));
                }
            }
            Err(PollError::Cancelled) => break,
            Err(PollError::Failed(e)) => {
                out.warn(&format!(
                    "poll {n} failed: {e}; nothing was stored, the next poll tries again"
                ));
                if out.is_json() {
                    println!("{}", json!({"poll": n, "at": at, "error": e}));
                }
            }
        }
        if args.count.is_some_and(|c| n >= c) {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep(args.every) => {}
            () = cancel.cancelled() => {}
        }
    }
    stopper.abort();
    if cancel.is_cancelled() {
        eprintln!("watch stopped after {n} poll(s); nothing partial was stored");
    }
    Ok(())
}

enum PollError {
    Cancelled,
    Failed(String),
}

async fn poll(
    client: &GraphClient,
    store: &LocalStore,
    options: &ExportOptions,
    severity_min: Severity,
    audit: Option<&AuditSettings>,
    cancel: &CancellationToken,
) -> Result<Poll, PollError> {
    let export = match export(client, store, options, &|_| {}, cancel).await {
        Ok(r) => r,
        Err(ExportError::Cancelled) => return Err(PollError::Cancelled),
        Err(_) if cancel.is_cancelled() => return Err(PollError::Cancelled),
        Err(e) => return Err(PollError::Failed(format!("export failed: {e}"))),
    };
    if !export.stored {
        return Ok(Poll {
            export,
            previous: None,
            report: None,
            hidden: 0,
        });
    }
    let failed = |e: entrasnap_core::Error| {
        PollError::Failed(format!(
            "stored a snapshot but could not compare it with the one before: {e}"
        ))
    };
    let previous = previous_of(store, &export).map_err(failed)?;
    let Some(previous) = previous else {
        return Ok(Poll {
            export,
            previous: None,
            report: None,
            hidden: 0,
        });
    };
    let (before, after) =
        StoredSnapshot::open_pair(store, previous.as_str(), &export.snapshot_id).map_err(failed)?;
    let types = (!options.types.is_empty()).then_some(&options.types[..]);
    let mut report = compare(&before, &after, types).map_err(failed)?;
    if let Some(settings) = audit {
        // Who made each change; a log that cannot be read says so per change.
        attribute_report(
            client,
            &mut report,
            before.manifest().summary.created_at,
            after.manifest().summary.completed_at,
            settings,
            None,
        )
        .await
        .map_err(failed)?;
    }
    let opts = RenderOptions::at_least(&mut report, severity_min, false);
    Ok(Poll {
        export,
        previous: Some(previous.to_string()),
        report: Some(report),
        hidden: opts.hidden,
    })
}

/// The tenant's snapshot completed just before the one `export` stored.
fn previous_of(
    store: &LocalStore,
    export: &ExportReport,
) -> entrasnap_core::Result<Option<String>> {
    let mut same: Vec<SnapshotSummary> = store
        .list_all()?
        .snapshots
        .into_iter()
        .filter(|s| s.tenant_id == export.tenant_id)
        .collect();
    same.sort_by(|a, b| (a.completed_at, &a.id).cmp(&(b.completed_at, &b.id)));
    let at = same
        .iter()
        .position(|s| s.id.as_str() == export.snapshot_id);
    Ok(at
        .and_then(|i| i.checked_sub(1))
        .map(|i| same[i].id.to_string()))
}

fn print_poll(out: Output, n: u64, at: &str, p: &Poll, severity_min: Severity) {
    if out.is_json() {
        let mut line = json!({
            "poll": n,
            "at": at,
            "stored": p.export.stored,
            "snapshot": p.export.snapshot_id,
        });
        if let Some(prev) = &p.previous {
            line["previous"] = json!(prev);
        }
        if let Some(report) = &p.report {
            line["changes"] = json!(report.changes);
            line["hidden"] = json!(p.hidden);
        }
        println!("{line}");
        return;
    }
    if !p.export.stored {
        println!(
            "{at}  poll {n}: no change since snapshot {}; nothing stored",
            p.export.snapshot_id
        );
        return;
    }
    let Some(report) = &p.report else {
        println!(
            "{at}  poll {n}: stored snapshot {} (trigger: watch; the tenant's first)",
            p.export.snapshot_id
        );
        return;
    };
    let shown = report.changes.len();
    println!(
        "{at}  poll {n}: stored snapshot {} (trigger: watch; changes since {}): {shown} change{} at or above {severity_min}{}",
        p.export.snapshot_id,
        p.previous.as_deref().unwrap_or("-"),
        if shown == 1 { "" } else { "s" },
        if p.hidden > 0 {
            format!(", {} below", p.hidden)
        } else {
            String::new()
        }
    );
    for c in &report.changes {
        println!(
            "  {:<8}  {}",
            c.severity.as_str().to_uppercase(),
            headline(c)
        );
        for line in detail_lines(c) {
            println!("            {line}");
        }
    }
}

/// A Teams-style incoming-webhook MessageCard listing the reported changes.
fn card(p: &Poll, report: &Report, severity_min: Severity) -> Value {
    let top = report.max_severity().unwrap_or_default();
    let n = report.changes.len();
    let summary = format!(
        "EntraSnapshot: {n} change{} at or above {severity_min} in tenant {}",
        if n == 1 { "" } else { "s" },
        p.export.tenant_id
    );
    let mut facts: Vec<Value> = report
        .changes
        .iter()
        .take(CARD_FACTS)
        .map(|c| {
            let mut value = headline(c);
            for line in detail_lines(c) {
                value.push_str("  \n");
                value.push_str(&line);
            }
            json!({
                "name": format!("{} ({})", c.severity.as_str().to_uppercase(), type_label(&c.object_type)),
                "value": value,
            })
        })
        .collect();
    if n > CARD_FACTS {
        facts.push(json!({"name": "more", "value": format!("{} more changes; `entrasnap compare --from {} --to {}` lists them all", n - CARD_FACTS, p.previous.as_deref().unwrap_or("-"), p.export.snapshot_id)}));
    }
    json!({
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": summary,
        "themeColor": severity_color(top).trim_start_matches('#'),
        "title": summary,
        "sections": [{
            "activityTitle": format!(
                "Snapshot {} (changes since {})",
                p.export.snapshot_id,
                p.previous.as_deref().unwrap_or("-")
            ),
            "facts": facts,
        }],
    })
}

async fn post_card(http: &reqwest::Client, url: &str, card: &Value) -> Result<(), String> {
    let response = http
        .post(url)
        .json(card)
        .send()
        .await
        // Without the URL: an incoming webhook's URL is its secret.
        .map_err(|e| format!("POST failed: {}", e.without_url()))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the webhook answered {status}"))
    }
}

/// Cancels `cancel` on Ctrl+C, and on SIGTERM where there is one.
async fn stop_on_signal(cancel: CancellationToken) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    cancel.cancel();
}
