//! `entrasnap compare`: what changed between two snapshots, or between a
//! snapshot and the live tenant (a fresh export into the same store), as a
//! change summary, a JSON report or a Markdown document.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use entrasnap_core::ObjectType;
use entrasnap_core::diff::{
    AttributeChange, Change, ChangeKind, Report, Severity, StoredSnapshot, compare,
};
use entrasnap_graph::export::ExportOptions;
use serde_json::Value;

use crate::error::CliError;
use crate::export::{GraphArgs, export_snapshot, parse_type};
use crate::output::{Output, count};
use crate::progress::Progress;
use crate::store_arg::{StoreArg, existing_snapshot};

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
    /// Not available yet.
    Html,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArg,
    /// The earlier side: a snapshot id, or `latest`.
    #[arg(long, value_name = "ID|latest")]
    pub from: String,
    /// The later side: a snapshot id, `latest`, or `live` (a fresh export into the store).
    #[arg(long, value_name = "ID|live")]
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
    /// text (default), json or markdown.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the rendering to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
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
        (Some(Format::Html), _) => {
            usage("--format html is not available yet; use text, json or markdown")
        }
        (None, true) => Format::Json,
        (None, false) => Format::Text,
        (Some(f), json) => {
            if json && f != Format::Json && args.output.is_none() {
                usage(
                    "--json prints the JSON report on stdout; give --output FILE for --format text or markdown",
                );
            }
            f
        }
    };
    if args.from.eq_ignore_ascii_case("live") {
        usage("--from takes a snapshot id or `latest`; only --to can be `live`");
    }

    let store = args.store.open_existing()?;
    // `latest` means the newest snapshot before any live export below.
    let from_id = existing_snapshot(&store, &args.from)?.to_string();
    let (to_id, live) = if args.to.eq_ignore_ascii_case("live") {
        let progress = Arc::new(if out.is_json() || args.output.is_some() {
            Progress::hidden()
        } else {
            Progress::stderr()
        });
        let options = ExportOptions {
            // The whole tenant, so the new snapshot is a complete `latest`;
            // --types only narrows the comparison.
            types: Vec::new(),
            full: false,
        };
        let report = export_snapshot(&store, &args.graph, &options, &progress).await?;
        progress.finish();
        (report.snapshot_id.to_string(), true)
    } else {
        (existing_snapshot(&store, &args.to)?.to_string(), false)
    };

    let before = StoredSnapshot::open(&store, &from_id)?;
    let after = StoredSnapshot::open(&store, &to_id)?;
    let types = (!args.types.is_empty()).then_some(&args.types[..]);
    let mut report = compare(&before, &after, types)?;
    let total = report.changes.len();
    report.changes.retain(|c| c.severity >= args.severity_min);
    let view = View {
        report: &report,
        live,
        hidden: total - report.changes.len(),
        severity_min: args.severity_min,
    };

    let mut rendered = Vec::new();
    match format {
        Format::Text => view.text(&mut rendered)?,
        Format::Markdown => view.markdown(&mut rendered)?,
        Format::Json | Format::Html => {
            serde_json::to_writer_pretty(&mut rendered, &report).map_err(io::Error::from)?;
            rendered.push(b'\n');
        }
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
fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
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

/// A filtered report and what the header says about it.
struct View<'a> {
    report: &'a Report,
    live: bool,
    /// Changes left out by --severity-min.
    hidden: usize,
    severity_min: Severity,
}

const ORDER: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

impl View<'_> {
    fn to_label(&self) -> String {
        if self.live {
            format!("the live tenant (exported as snapshot {})", self.report.to)
        } else {
            format!("snapshot {}", self.report.to)
        }
    }

    fn summary(&self) -> String {
        let counts = self.report.counts();
        let n = self.report.changes.len();
        let mut line = count(n, "change");
        if n > 0 {
            let parts: Vec<String> = ORDER
                .iter()
                .filter_map(|s| counts.get(s).map(|c| format!("{c} {s}")))
                .collect();
            line.push_str(&format!(": {}", parts.join(", ")));
        }
        if self.hidden > 0 {
            line.push_str(&format!(
                " ({} below {} not shown)",
                self.hidden, self.severity_min
            ));
        }
        line
    }

    fn text(&self, w: &mut dyn Write) -> io::Result<()> {
        writeln!(w, "From snapshot {}", self.report.from)?;
        writeln!(w, "To   {}", self.to_label())?;
        writeln!(w, "{}", self.summary())?;
        for c in &self.report.changes {
            writeln!(w)?;
            writeln!(
                w,
                "{:<8}  {}",
                c.severity.as_str().to_uppercase(),
                headline(c)
            )?;
            for line in detail_lines(c) {
                writeln!(w, "          {line}")?;
            }
        }
        Ok(())
    }

    fn markdown(&self, w: &mut dyn Write) -> io::Result<()> {
        writeln!(w, "# Difference report")?;
        writeln!(w)?;
        writeln!(
            w,
            "From snapshot `{}` to {}.",
            self.report.from,
            md(&self.to_label())
        )?;
        writeln!(w)?;
        writeln!(w, "{}", md(&self.summary()))?;
        writeln!(w)?;
        writeln!(w, "| Severity | Changes |")?;
        writeln!(w, "|---|---:|")?;
        let counts = self.report.counts();
        for s in ORDER {
            writeln!(w, "| {s} | {} |", counts.get(&s).copied().unwrap_or(0))?;
        }
        for c in &self.report.changes {
            writeln!(w)?;
            writeln!(
                w,
                "## {}: {} '{}'",
                c.severity.as_str().to_uppercase(),
                type_label(&c.object_type),
                md(&c.object_name)
            )?;
            writeln!(w)?;
            writeln!(w, "{}", md(&c.reason))?;
            let lines = detail_lines(c);
            if !lines.is_empty() {
                writeln!(w)?;
            }
            for line in lines {
                writeln!(w, "- {}", md(&line))?;
            }
        }
        Ok(())
    }
}

/// Escapes the characters Markdown would read as formatting.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(
            ch,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

fn type_label(name: &str) -> &str {
    ObjectType::find(name).map_or(name, |t| t.display_name)
}

/// `Conditional Access policy 'X' was disabled: ...`: the reason when it names
/// the object already, else the object and the reason.
fn headline(c: &Change) -> String {
    let object = format!("{} '{}'", type_label(&c.object_type), c.object_name);
    if c.reason.contains(&format!("'{}'", c.object_name)) {
        c.reason.clone()
    } else if c.reason.is_empty() {
        format!("{object} {}", kind_word(&c.kind))
    } else {
        format!("{object}: {}", c.reason)
    }
}

fn kind_word(kind: &ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Added => "was added",
        ChangeKind::Removed => "was removed",
        ChangeKind::Modified => "was changed",
        ChangeKind::Recreated { .. } => "was deleted and created again",
    }
}

/// The indented lines under a change: its kind when not a plain
/// modification, then attributes, then links; names instead of ids.
fn detail_lines(c: &Change) -> Vec<String> {
    let mut out = Vec::new();
    match &c.kind {
        ChangeKind::Modified => {}
        ChangeKind::Recreated { previous_id } => out.push(format!(
            "(deleted and created again; previous id {previous_id})"
        )),
        kind => out.push(format!("({})", kind_word(kind).trim_start_matches("was "))),
    }
    for a in &c.attributes {
        attribute_lines(a, &mut out);
    }
    for l in &c.links {
        for n in &l.removed {
            out.push(format!("{}: - {}", l.link, n.name));
        }
        for n in &l.added {
            out.push(format!("{}: + {}", l.link, n.name));
        }
    }
    out
}

fn attribute_lines(a: &AttributeChange, out: &mut Vec<String>) {
    if a.is_set() {
        for v in &a.removed {
            out.push(format!("{}: - {}", a.path, value(v, &a.names)));
        }
        for v in &a.added {
            out.push(format!("{}: + {}", a.path, value(v, &a.names)));
        }
    } else {
        let show = |v: &Option<Value>| {
            v.as_ref()
                .map_or_else(|| "(none)".to_string(), |v| value(v, &a.names))
        };
        out.push(format!("{}: {} -> {}", a.path, show(&a.old), show(&a.new)));
    }
}

/// A value for people: strings bare, ids by name, null as `(none)`,
/// everything else as compact JSON with ids named.
fn value(v: &Value, names: &BTreeMap<String, String>) -> String {
    match v {
        Value::Null => "(none)".to_string(),
        Value::String(s) => names.get(s).cloned().unwrap_or_else(|| s.clone()),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            let parts: Vec<String> = items.iter().map(|i| value(i, names)).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Array(_) | Value::Object(_) => named(v, names).to_string(),
        other => other.to_string(),
    }
}

fn named(v: &Value, names: &BTreeMap<String, String>) -> Value {
    match v {
        Value::String(s) => Value::String(names.get(s).cloned().unwrap_or_else(|| s.clone())),
        Value::Array(items) => Value::Array(items.iter().map(|i| named(i, names)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), named(v, names)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entrasnap_core::diff::{LinkChange, NamedId};
    use serde_json::json;

    fn change() -> Change {
        Change {
            object_type: "conditionalAccessPolicy".into(),
            object_id: "p1".into(),
            object_name: "CA001 - Require MFA for all users".into(),
            kind: ChangeKind::Modified,
            attributes: vec![
                AttributeChange {
                    path: "state".into(),
                    old: Some(json!("enabled")),
                    new: Some(json!("disabled")),
                    ..Default::default()
                },
                AttributeChange {
                    path: "conditions.users.excludeGroups".into(),
                    removed: vec![json!("g1")],
                    names: [("g1".to_string(), "SG-CA-Exclude-BreakGlass".to_string())].into(),
                    ..Default::default()
                },
            ],
            links: vec![LinkChange {
                link: "members".into(),
                added: vec![NamedId {
                    id: "u1".into(),
                    name: "Megan Bowen".into(),
                }],
                removed: vec![],
            }],
            severity: Severity::Critical,
            reason: "Conditional Access policy 'CA001 - Require MFA for all users' was disabled: MFA for all users is no longer enforced".into(),
        }
    }

    #[test]
    fn text_names_the_object_and_shows_each_attribute_by_name() {
        let report = Report {
            from: "a".into(),
            to: "b".into(),
            changes: vec![change()],
        };
        let view = View {
            report: &report,
            live: true,
            hidden: 2,
            severity_min: Severity::Medium,
        };
        let mut out = Vec::new();
        view.text(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "From snapshot a\n\
             To   the live tenant (exported as snapshot b)\n\
             1 change: 1 critical (2 below medium not shown)\n\
             \n\
             CRITICAL  Conditional Access policy 'CA001 - Require MFA for all users' was disabled: MFA for all users is no longer enforced\n\
             \x20         state: enabled -> disabled\n\
             \x20         conditions.users.excludeGroups: - SG-CA-Exclude-BreakGlass\n\
             \x20         members: + Megan Bowen\n"
        );
    }

    #[test]
    fn markdown_has_a_count_table_and_a_section_per_object() {
        let report = Report {
            from: "a".into(),
            to: "b".into(),
            changes: vec![change()],
        };
        let view = View {
            report: &report,
            live: false,
            hidden: 0,
            severity_min: Severity::Info,
        };
        let mut out = Vec::new();
        view.markdown(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("| critical | 1 |\n| high | 0 |"), "{text}");
        assert!(
            text.contains(
                "## CRITICAL: Conditional Access policy 'CA001 - Require MFA for all users'"
            ),
            "{text}"
        );
        assert!(
            text.contains("- conditions.users.excludeGroups: - SG-CA-Exclude-BreakGlass"),
            "{text}"
        );
    }

    #[test]
    fn values_name_ids_inside_objects_too() {
        let names = [("g1".to_string(), "Admins".to_string())].into();
        assert_eq!(value(&json!(["g1", "x"]), &names), "[Admins, x]");
        assert_eq!(value(&json!({"id": "g1"}), &names), r#"{"id":"Admins"}"#);
        assert_eq!(value(&Value::Null, &names), "(none)");
    }
}
