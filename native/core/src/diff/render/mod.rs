//! Difference reports for people: a change summary (text), a Markdown
//! document and a self-contained HTML page. The CLI, the C ABI and the
//! PowerShell module all render from here, so a report reads the same
//! wherever it is asked for.

mod chart;
mod html;
mod markdown;
mod text;

use std::collections::BTreeMap;

use serde_json::Value;

use super::model::{AttributeChange, Change, ChangeKind, LinkChange, Report, Severity};
use crate::audit::{AttributionStatus, stamp};
use crate::registry::ObjectType;

pub use chart::color as severity_color;
pub use html::{BULK_THRESHOLD, esc, html};
pub use markdown::markdown;
pub use text::text;

/// What a rendering says about the report beyond its changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// The later side is the live tenant, exported as snapshot `report.to`.
    pub live: bool,
    /// Changes left out below `severity_min` (already removed from the report).
    pub hidden: usize,
    pub severity_min: Severity,
}

impl RenderOptions {
    /// Leaves out of `report` the changes below `severity_min`, and says how
    /// many were left out: what `--severity-min` does wherever a report is shown.
    pub fn at_least(report: &mut Report, severity_min: Severity, live: bool) -> RenderOptions {
        let total = report.changes.len();
        report.changes.retain(|c| c.severity >= severity_min);
        RenderOptions {
            live,
            hidden: total - report.changes.len(),
            severity_min,
        }
    }
}

/// The renderings a report has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Html,
    /// The report's records, pretty-printed.
    Json,
}

impl Format {
    /// `text`, `markdown`, `html` or `json`, case-insensitively.
    pub fn parse(s: &str) -> Option<Format> {
        [Format::Text, Format::Markdown, Format::Html, Format::Json]
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Json => "json",
        }
    }
}

/// `report` rendered as `format`.
pub fn render(format: Format, report: &Report, opts: &RenderOptions) -> String {
    match format {
        Format::Text => text(report, opts),
        Format::Markdown => markdown(report, opts),
        Format::Html => html(report, opts),
        Format::Json => serde_json::to_string_pretty(report).expect("a report serializes"),
    }
}

/// Most severe first: the order every rendering lists severities in.
pub const ORDER: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `snapshot X`, or the live tenant and the snapshot it became.
fn to_label(report: &Report, opts: &RenderOptions) -> String {
    if opts.live {
        format!("the live tenant (exported as snapshot {})", report.to)
    } else {
        format!("snapshot {}", report.to)
    }
}

/// `3 changes: 1 critical, 2 high (4 below medium not shown)`.
fn summary(report: &Report, opts: &RenderOptions) -> String {
    let counts = report.counts();
    let n = report.changes.len();
    let mut line = count(n, "change");
    if n > 0 {
        let parts: Vec<String> = ORDER
            .iter()
            .filter_map(|s| counts.get(s).map(|c| format!("{c} {s}")))
            .collect();
        line.push_str(&format!(": {}", parts.join(", ")));
    }
    if opts.hidden > 0 {
        line.push_str(&format!(
            " ({} below {} not shown)",
            opts.hidden, opts.severity_min
        ));
    }
    line
}

/// A registry type's name for people (`Conditional Access policy`).
pub fn type_label(name: &str) -> &str {
    ObjectType::find(name).map_or(name, |t| t.display_name)
}

/// `Conditional Access policy 'X' was disabled: ...`: the reason when it names
/// the object already, else the object and the reason.
pub fn headline(c: &Change) -> String {
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

/// What a change's kind adds to its details, if anything: added, removed
/// (and whether the recycle bin still holds it), recreated under a new id.
pub fn kind_note(c: &Change) -> Option<String> {
    match &c.kind {
        ChangeKind::Modified => None,
        ChangeKind::Recreated { previous_id } => Some(format!(
            "deleted and created again; previous id {previous_id}"
        )),
        ChangeKind::Removed => Some(match c.restorable {
            Some(true) => "removed; soft-deleted, restorable from the recycle bin".to_string(),
            Some(false) => {
                "removed; permanently deleted (not in the recycle bin), a restore recreates it under a new id"
                    .to_string()
            }
            None => "removed".to_string(),
        }),
        ChangeKind::Added => Some("added".to_string()),
    }
}

/// Who made a change, one line per audit event (at most five), then what the
/// log does not explain and why; nothing when the log was not read.
pub fn attribution_lines(c: &Change) -> Vec<String> {
    c.attribution
        .as_ref()
        .map(attribution_text)
        .unwrap_or_default()
}

/// The lines of one attribution: `changed by ...` per event, then what the log does not explain.
pub fn attribution_text(a: &crate::audit::Attribution) -> Vec<String> {
    const SHOWN: usize = 5;
    let mut out: Vec<String> =
        a.by.iter()
            .take(SHOWN)
            .map(|b| {
                format!(
                    "changed by {} at {} ({}: {})",
                    b.actor.label(),
                    stamp(b.at),
                    b.activity,
                    b.explains.join(", ")
                )
            })
            .collect();
    if a.by.len() > SHOWN {
        out.push(format!("... and {} more audit events", a.by.len() - SHOWN));
    }
    match a.status {
        AttributionStatus::Explained => {}
        AttributionStatus::Unavailable => out.push(format!(
            "changed by: unknown; {}",
            a.reason
                .as_deref()
                .unwrap_or("the audit log could not be read")
        )),
        AttributionStatus::Unexplained | AttributionStatus::Partial => out.push(format!(
            "not in the audit log: {}; {}",
            a.unexplained.join(", "),
            a.reason.as_deref().unwrap_or("")
        )),
    }
    out
}

/// `Changed by` lines of a report that was attributed: one per actor.
pub fn actor_lines(report: &Report) -> Vec<String> {
    report.actors.iter().map(|s| s.line()).collect()
}

/// The lines under a change: its kind when not a plain modification, then
/// attributes, then links; names instead of ids; then who made it.
pub fn detail_lines(c: &Change) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(note) = kind_note(c) {
        out.push(format!("({note})"));
    }
    out.extend(change_lines(&c.attributes, &c.links));
    out.extend(attribution_lines(c));
    out
}

/// One line per attribute value and link member changed (`state: enabled ->
/// disabled`, `members: + Megan Bowen`): a change's details, and a history entry's.
pub fn change_lines(attributes: &[AttributeChange], links: &[LinkChange]) -> Vec<String> {
    let mut out = Vec::new();
    for a in attributes {
        attribute_lines(a, &mut out);
    }
    for l in links {
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
        out.push(format!(
            "{}: {} -> {}",
            a.path,
            shown(&a.old, &a.names),
            shown(&a.new, &a.names)
        ));
    }
}

/// A side of a scalar change: `(none)` when absent.
fn shown(v: &Option<Value>, names: &BTreeMap<String, String>) -> String {
    v.as_ref()
        .map_or_else(|| "(none)".to_string(), |v| value(v, names))
}

/// A value for people: strings bare, ids by name, null as `(none)`,
/// credentials in words, everything else as compact JSON with ids named.
pub fn value(v: &Value, names: &BTreeMap<String, String>) -> String {
    if let Some(words) = credential(v) {
        return words;
    }
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

/// An application's or service principal's secret or certificate in words:
/// `secret 'sync-2' (hint anq, expires 2028-12-01)`, `certificate 'signing'
/// (Verify, expires 2027-06-30)`; `None` for anything else. Graph's
/// passwordCredential carries a `hint`, a keyCredential a `usage` or `type`.
pub fn credential(v: &Value) -> Option<String> {
    let map = v.as_object()?;
    map.get("keyId")?;
    let text = |k: &str| map.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let (noun, mut details) = if map.contains_key("hint") || map.contains_key("secretText") {
        (
            "secret",
            text("hint")
                .map(|h| format!("hint {h}"))
                .into_iter()
                .collect::<Vec<_>>(),
        )
    } else if map.contains_key("usage") || map.contains_key("type") {
        (
            "certificate",
            text("usage").map(str::to_string).into_iter().collect(),
        )
    } else {
        return None;
    };
    if let Some(end) = text("endDateTime") {
        details.push(format!("expires {}", end.get(..10).unwrap_or(end)));
    }
    let name =
        text("displayName").map_or_else(|| "without a name".to_string(), |n| format!("'{n}'"));
    Some(if details.is_empty() {
        format!("{noun} {name}")
    } else {
        format!("{noun} {name} ({})", details.join(", "))
    })
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

/// `20260301T120000Z-ab12cd` -> `2026-03-01 12:00:00 UTC`: when a snapshot was
/// taken, read from its id; `None` for anything else.
fn snapshot_time(id: &str) -> Option<String> {
    let b = id.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    if !(digits(0..8) && b.get(8) == Some(&b'T') && digits(9..15) && b.get(15) == Some(&b'Z')) {
        return None;
    }
    Some(format!(
        "{}-{}-{} {}:{}:{} UTC",
        &id[0..4],
        &id[4..6],
        &id[6..8],
        &id[9..11],
        &id[11..13],
        &id[13..15]
    ))
}

#[cfg(test)]
mod tests {
    use super::super::model::{LinkChange, NamedId};
    use super::*;
    use serde_json::json;

    pub(super) fn change() -> Change {
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
            restorable: None,
            attribution: None,
        }
    }

    #[test]
    fn credentials_read_as_words_not_json() {
        let names = BTreeMap::new();
        let secret = json!({"displayName": "sync-2", "hint": "anq", "keyId": "k1",
            "endDateTime": "2028-12-01T00:00:00Z", "startDateTime": "2026-12-01T00:00:00Z"});
        assert_eq!(
            value(&secret, &names),
            "secret 'sync-2' (hint anq, expires 2028-12-01)"
        );
        let cert = json!({"displayName": "signing", "keyId": "k2", "type": "AsymmetricX509Cert",
            "usage": "Verify", "endDateTime": "2027-06-30T12:00:00Z"});
        assert_eq!(
            value(&cert, &names),
            "certificate 'signing' (Verify, expires 2027-06-30)"
        );
        assert_eq!(
            value(&json!({"keyId": "k3", "hint": null}), &names),
            "secret without a name"
        );
        assert_eq!(value(&json!({"keyId": "k4"}), &names), r#"{"keyId":"k4"}"#);
    }

    #[test]
    fn values_name_ids_inside_objects_too() {
        let names = [("g1".to_string(), "Admins".to_string())].into();
        assert_eq!(value(&json!(["g1", "x"]), &names), "[Admins, x]");
        assert_eq!(value(&json!({"id": "g1"}), &names), r#"{"id":"Admins"}"#);
        assert_eq!(value(&Value::Null, &names), "(none)");
    }

    #[test]
    fn a_removed_object_says_whether_the_recycle_bin_holds_it() {
        let mut c = change();
        c.kind = ChangeKind::Removed;
        assert_eq!(detail_lines(&c)[0], "(removed)");
        c.restorable = Some(true);
        assert_eq!(
            detail_lines(&c)[0],
            "(removed; soft-deleted, restorable from the recycle bin)"
        );
        c.restorable = Some(false);
        assert!(detail_lines(&c)[0].starts_with("(removed; permanently deleted"));
    }

    #[test]
    fn snapshot_ids_tell_their_time() {
        assert_eq!(
            snapshot_time("20260301T120005Z-ab12cd").as_deref(),
            Some("2026-03-01 12:00:05 UTC")
        );
        assert_eq!(snapshot_time("live"), None);
        assert_eq!(snapshot_time("2026"), None);
    }
}
