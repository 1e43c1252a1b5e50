//! Attribution: which audit events explain each change of a difference
//! report, and who made them. An event explains an attribute when it targets
//! the object and names the property (directory objects log property by
//! property; Conditional Access logs the whole policy before and after, so
//! the attribute's value is compared inside it), a member or owner change
//! when it names the member, a creation or deletion by its operation. What no
//! event explains is said to be unexplained, with why the log may be silent
//! (older than its retention, not listed yet, or not a Graph write at all);
//! nothing is guessed.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::event::{Actor, AuditEvent, Target};
use crate::diff::{Change, ChangeKind, Report, Severity};

/// The events read for a comparison and what the log could cover.
#[derive(Debug, Clone, Default)]
pub struct AuditWindow {
    pub events: Vec<AuditEvent>,
    pub coverage: Coverage,
}

/// What the audit log could say about a comparison's time span.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    /// The span asked about: the earlier snapshot's start to the later one's end.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The oldest time the log still holds (now minus its retention).
    pub kept_since: DateTime<Utc>,
    /// Events after this may not be listed yet (now minus the log's delay).
    pub settled_until: DateTime<Utc>,
    /// Why the log could not be read at all (no permission, an outage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

impl Coverage {
    /// Whether every moment of the span is both still kept and already listed.
    pub fn is_complete(&self) -> bool {
        self.unavailable.is_none() && self.from >= self.kept_since && self.to <= self.settled_until
    }

    /// Why an event may be missing for a change in this span.
    pub fn gap(&self) -> String {
        if let Some(why) = &self.unavailable {
            return format!("the audit log could not be read: {why}");
        }
        if self.from < self.kept_since {
            return format!(
                "the audit log keeps events only since {} and this span starts at {}: the change may be older than the log",
                stamp(self.kept_since),
                stamp(self.from)
            );
        }
        if self.to > self.settled_until {
            return format!(
                "the audit log lists events late and may not hold changes after {} yet (this span ends at {})",
                stamp(self.settled_until),
                stamp(self.to)
            );
        }
        "no audit event explains it: it was not made through Graph's audited writes (directory sync, a Microsoft service) or the log dropped it".into()
    }
}

pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// How much of a change the log explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttributionStatus {
    /// Every attribute and link of the change has an event.
    Explained,
    /// Some do; `unexplained` names the rest.
    Partial,
    /// No event explains any of it; `reason` says why the log may be silent.
    Unexplained,
    /// The log could not be read.
    Unavailable,
}

impl AttributionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AttributionStatus::Explained => "explained",
            AttributionStatus::Partial => "partial",
            AttributionStatus::Unexplained => "unexplained",
            AttributionStatus::Unavailable => "unavailable",
        }
    }
}

/// One event that explains (part of) a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangedBy {
    pub actor: Actor,
    pub at: DateTime<Utc>,
    pub activity: String,
    pub event_id: String,
    /// The attribute paths and links (`members`) of the change this event explains.
    pub explains: Vec<String>,
    /// For a link: the ids of the members or owners this event added or removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
}

/// Who made a change, as far as the audit log tells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attribution {
    pub status: AttributionStatus,
    /// Oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by: Vec<ChangedBy>,
    /// Parts no event explains.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unexplained: Vec<String>,
    /// Why the log is silent about the unexplained parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Attribution {
    /// The distinct actors, in the order they first acted.
    pub fn actors(&self) -> Vec<&Actor> {
        let mut out: Vec<&Actor> = Vec::new();
        for b in &self.by {
            if !out.contains(&&b.actor) {
                out.push(&b.actor);
            }
        }
        out
    }

    /// Whether `who` made any part of the change.
    pub fn includes(&self, who: &str) -> bool {
        self.by.iter().any(|b| b.actor.is(who))
    }
}

/// Per actor: how many changes on how many objects, by severity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorSummary {
    pub actor: Actor,
    pub label: String,
    pub changes: usize,
    pub objects: usize,
    pub by_severity: BTreeMap<Severity, usize>,
}

impl ActorSummary {
    /// `admin@contoso: 7 changes on 5 objects, 1 critical, 3 high`.
    pub fn line(&self) -> String {
        let mut parts = vec![format!(
            "{}: {} change{} on {} object{}",
            self.label,
            self.changes,
            if self.changes == 1 { "" } else { "s" },
            self.objects,
            if self.objects == 1 { "" } else { "s" }
        )];
        for s in [Severity::Critical, Severity::High] {
            if let Some(n) = self.by_severity.get(&s).filter(|n| **n > 0) {
                parts.push(format!("{n} {s}"));
            }
        }
        parts.join(", ")
    }
}

/// The parts of a change an attribution accounts for: attribute paths and link names.
fn parts(c: &Change) -> Vec<String> {
    let mut out: Vec<String> = c.attributes.iter().map(|a| a.path.clone()).collect();
    out.extend(c.links.iter().map(|l| l.link.clone()));
    out
}

/// The property name a dot path starts with (`conditions` of `conditions.users...`).
fn top(path: &str) -> &str {
    let end = path.find(['.', '[']).unwrap_or(path.len());
    &path[..end]
}

/// The value at a dot path of raw Graph JSON, up to the first keyed segment.
fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let plain = &path[..path.find('[').unwrap_or(path.len())];
    let mut cur = v;
    for seg in plain.split('.').filter(|s| !s.is_empty()) {
        cur = cur.get(seg)?;
    }
    Some(cur)
}

fn parse(text: Option<&str>) -> Value {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

/// Whether the target's logged properties account for attribute `path`.
fn names_attribute(target: &Target, path: &str) -> bool {
    let first = top(path);
    target.modified.iter().any(|p| {
        if p.name.eq_ignore_ascii_case(first) {
            return true;
        }
        if p.name == "KeyDescription" {
            return first == "passwordCredentials" || first == "keyCredentials";
        }
        // The whole object before and after (Conditional Access): look inside.
        let (old, new) = (parse(p.old_value.as_deref()), parse(p.new_value.as_deref()));
        (old.is_object() || new.is_object()) && at(&old, path) != at(&new, path)
    })
}

fn is_creation(e: &AuditEvent) -> bool {
    e.operation.eq_ignore_ascii_case("Add")
        || e.activity.starts_with("Add ")
        || e.activity.starts_with("Restore ")
}

fn is_deletion(e: &AuditEvent) -> bool {
    e.operation.eq_ignore_ascii_case("Delete")
        || e.activity.starts_with("Delete ")
        || e.activity.starts_with("Hard delete ")
        || e.activity.starts_with("Remove service principal")
        || e.activity.starts_with("Remove member from role")
}

/// A role assignment's principal and role: "Add member to role" names those,
/// never the assignment's own id.
fn role_pair(c: &Change) -> Option<(&str, &str)> {
    if c.object_type != "roleAssignment" {
        return None;
    }
    let value = |name: &str| {
        c.attributes
            .iter()
            .find(|a| a.path == name)
            .and_then(|a| a.new.as_ref().or(a.old.as_ref()))
            .and_then(Value::as_str)
    };
    Some((value("principalId")?, value("roleDefinitionId")?))
}

/// The link members of change `c` that event `e` names.
fn members(c: &Change, e: &AuditEvent) -> Vec<String> {
    c.links
        .iter()
        .flat_map(|l| l.added.iter().chain(&l.removed))
        .filter(|m| e.target(&m.id).is_some() && m.id != c.object_id)
        .map(|m| m.id.clone())
        .collect()
}

/// What of change `c` event `e` explains.
fn explains(c: &Change, e: &AuditEvent) -> Vec<String> {
    let ids: Vec<&str> = match &c.kind {
        ChangeKind::Recreated { previous_id } => vec![&c.object_id, previous_id],
        _ => vec![&c.object_id],
    };
    if let Some((principal, role)) = role_pair(c)
        && e.target(principal).is_some()
        && e.target(role).is_some()
        && e.activity.contains("member")
    {
        match &c.kind {
            ChangeKind::Added if is_creation(e) => return vec!["created".into()],
            ChangeKind::Removed if is_deletion(e) => return vec!["deleted".into()],
            _ => {}
        }
    }
    let Some(target) = ids.iter().find_map(|id| e.target(id)) else {
        return Vec::new();
    };
    match &c.kind {
        ChangeKind::Added | ChangeKind::Recreated { .. } if is_creation(e) => {
            return vec!["created".into()];
        }
        ChangeKind::Removed if is_deletion(e) => return vec!["deleted".into()],
        _ => {}
    }
    let mut out = Vec::new();
    for a in &c.attributes {
        if names_attribute(target, &a.path) {
            out.push(a.path.clone());
        }
    }
    for l in &c.links {
        let word = match l.link.as_str() {
            "members" => "member",
            "owners" => "owner",
            other => other,
        };
        let manager = l.link == "manager"
            && target
                .modified
                .iter()
                .any(|p| p.name.eq_ignore_ascii_case("manager"));
        let member = e.activity.to_ascii_lowercase().contains(word)
            && l.added
                .iter()
                .chain(&l.removed)
                .any(|m| e.target(&m.id).is_some());
        if manager || member {
            out.push(l.link.clone());
        }
    }
    out
}

/// Annotates every change of `report` with the events of `log` that explain
/// it, and sets the per-actor summary.
pub fn attribute(report: &mut Report, log: &AuditWindow) {
    let cover = &log.coverage;
    let mut events: Vec<&AuditEvent> = log
        .events
        .iter()
        .filter(|e| e.at >= cover.from && e.at <= cover.to)
        .collect();
    events.sort_by_key(|e| e.at);
    // Events by the ids they target, so a 5,000-change report against 5,000
    // events costs a lookup per change, not a scan.
    let mut by_target: std::collections::HashMap<String, Vec<usize>> = Default::default();
    for (i, e) in events.iter().enumerate() {
        for t in &e.targets {
            let list = by_target.entry(t.id.to_ascii_lowercase()).or_default();
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
    }
    for c in &mut report.changes {
        if cover.unavailable.is_some() {
            c.attribution = Some(Attribution {
                status: AttributionStatus::Unavailable,
                by: Vec::new(),
                unexplained: Vec::new(),
                reason: Some(cover.gap()),
            });
            continue;
        }
        let mut by = Vec::new();
        let mut covered: BTreeSet<String> = BTreeSet::new();
        let mut ids = vec![c.object_id.to_ascii_lowercase()];
        if let ChangeKind::Recreated { previous_id } = &c.kind {
            ids.push(previous_id.to_ascii_lowercase());
        }
        if let Some((principal, _)) = role_pair(c) {
            ids.push(principal.to_ascii_lowercase());
        }
        let mut candidates: Vec<usize> = ids
            .iter()
            .flat_map(|id| by_target.get(id).into_iter().flatten().copied())
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        for e in candidates.into_iter().map(|i| events[i]) {
            let parts = explains(c, e);
            if parts.is_empty() {
                continue;
            }
            covered.extend(parts.iter().cloned());
            by.push(ChangedBy {
                actor: e.actor.clone(),
                at: e.at,
                activity: e.activity.clone(),
                event_id: e.id.clone(),
                members: members(c, e),
                explains: parts,
            });
        }
        let whole = matches!(
            c.kind,
            ChangeKind::Added | ChangeKind::Removed | ChangeKind::Recreated { .. }
        ) && (covered.contains("created") || covered.contains("deleted"));
        let unexplained: Vec<String> = if whole {
            Vec::new()
        } else {
            let all = parts(c);
            if all.is_empty() && by.is_empty() {
                vec![match c.kind {
                    ChangeKind::Removed => "deleted".into(),
                    _ => "created".into(),
                }]
            } else {
                all.into_iter().filter(|p| !covered.contains(p)).collect()
            }
        };
        let status = match (by.is_empty(), unexplained.is_empty()) {
            (true, _) => AttributionStatus::Unexplained,
            (false, true) => AttributionStatus::Explained,
            (false, false) => AttributionStatus::Partial,
        };
        c.attribution = Some(Attribution {
            status,
            by,
            reason: (!unexplained.is_empty()).then(|| cover.gap()),
            unexplained,
        });
    }
    report.actors = summarize(report);
}

/// One line per actor, most changes first.
pub fn summarize(report: &Report) -> Vec<ActorSummary> {
    let mut out: Vec<ActorSummary> = Vec::new();
    let mut objects: Vec<BTreeSet<String>> = Vec::new();
    for c in &report.changes {
        let Some(a) = &c.attribution else { continue };
        for actor in a.actors() {
            let i = match out.iter().position(|s| &s.actor == actor) {
                Some(i) => i,
                None => {
                    out.push(ActorSummary {
                        actor: actor.clone(),
                        label: actor.label(),
                        changes: 0,
                        objects: 0,
                        by_severity: BTreeMap::new(),
                    });
                    objects.push(BTreeSet::new());
                    out.len() - 1
                }
            };
            out[i].changes += 1;
            *out[i].by_severity.entry(c.severity).or_default() += 1;
            objects[i].insert(format!("{}/{}", c.object_type, c.object_id));
        }
    }
    for (s, o) in out.iter_mut().zip(&objects) {
        s.objects = o.len();
    }
    out.sort_by(|a, b| b.changes.cmp(&a.changes).then(a.label.cmp(&b.label)));
    out
}

/// Keeps only the changes `who` made (any part of); fails naming `who` when none.
pub fn keep_changed_by(report: &mut Report, who: &str) -> crate::Result<()> {
    report
        .changes
        .retain(|c| c.attribution.as_ref().is_some_and(|a| a.includes(who)));
    if report.changes.is_empty() {
        return Err(crate::Error::new(
            crate::ErrorKind::NotFound,
            format!(
                "--changed-by matched nothing: the audit log names '{who}' for none of the changes (give a user principal name, an app id, an object id or a display name)"
            ),
        ));
    }
    report.actors = summarize(report);
    Ok(())
}
