//! One object's life across every snapshot of its tenant in a store, oldest
//! first: when it was first seen, each change (from the diff engine, so paths,
//! set members and names read exactly as `compare` shows them), when it was
//! deleted, restored with its id or recreated under a new one.
//!
//! Snapshots are walked oldest first, holding at most three manifests; an
//! object whose body and links hashes did not move is skipped without reading
//! anything, so the bodies read are that object's changed versions (and, while
//! it is gone, the objects created since, to find a recreation).

use std::fmt::Write;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::compare::compare_entries;
use super::model::{AttributeChange, Change, ChangeKind, LinkChange, Severity};
use super::render::{attribution_text, change_lines, type_label};
use super::snapshot::{MemorySnapshot, Snapshot, StoredSnapshot};
use crate::audit::{Attribution, AuditWindow, attribute};
use crate::diff::Report;
use crate::dotpath;
use crate::error::{Error, ErrorKind, Result};
use crate::registry::ObjectType;
use crate::store::{LocalStore, ObjectEntry, SnapshotKind, SnapshotStore, SnapshotSummary};

/// Which object a history is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Id(String),
    /// A display name, matched exactly but case-insensitively.
    Name(String),
}

/// What `entrasnap history` and `snapshot.history` ask for.
#[derive(Debug, Clone)]
pub struct HistoryQuery {
    pub target: Target,
    /// Look only at objects of this type.
    pub object_type: Option<&'static ObjectType>,
    /// Only changes to this dot path or below it (`conditions.users`), or to this link.
    pub attribute: Option<String>,
    /// A snapshot reference (id, `latest`, `label:NAME`) or an RFC 3339 time.
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A snapshot as a history entry names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotRef {
    pub id: String,
    pub kind: SnapshotKind,
    /// When its export began (a change made while it read may not be in it).
    #[serde(default)]
    pub created_at: DateTime<Utc>,
    pub completed_at: DateTime<Utc>,
}

impl SnapshotRef {
    fn of(s: &SnapshotSummary) -> SnapshotRef {
        SnapshotRef {
            id: s.id.to_string(),
            kind: s.kind,
            created_at: s.created_at,
            completed_at: s.completed_at,
        }
    }
}

/// What happened to the object between two snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HistoryEvent {
    /// First seen (in the first snapshot looked at, `from` is null).
    Created,
    /// Attributes or links changed.
    Changed,
    /// Gone.
    Deleted,
    /// Back with the same id after being gone.
    Restored,
    /// Back under a new id with the same natural key (`previousId` is the old id).
    Recreated,
}

impl HistoryEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryEvent::Created => "created",
            HistoryEvent::Changed => "changed",
            HistoryEvent::Deleted => "deleted",
            HistoryEvent::Restored => "restored",
            HistoryEvent::Recreated => "recreated",
        }
    }
}

/// One event in an object's life, in the snapshot pair where it was first seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub event: HistoryEvent,
    /// The earlier snapshot of the pair (null for the first one looked at).
    pub from: Option<SnapshotRef>,
    /// The snapshot the change was first seen in.
    pub to: SnapshotRef,
    pub object_id: String,
    pub object_name: String,
    /// For `recreated`: the id it had before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_id: Option<String>,
    /// Before/after per attribute, as `compare` reports them. For `created`
    /// and `deleted` only with an attribute filter (the value it had).
    pub attributes: Vec<AttributeChange>,
    pub links: Vec<LinkChange>,
    pub severity: Severity,
    pub reason: String,
    /// Who made the change, from the audit log (`history --audit`); absent when it was not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<Attribution>,
}

/// An object's history, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct History {
    pub object_type: String,
    /// The object's id in the newest snapshot looked at (after a recreation, the new one).
    pub object_id: String,
    /// Its newest name.
    pub object_name: String,
    pub tenant_id: String,
    /// The first and last snapshots of the tenant looked at, and how many.
    pub from: SnapshotRef,
    pub to: SnapshotRef,
    pub snapshots: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    pub entries: Vec<HistoryEntry>,
}

/// The history `query` asks for, from the snapshots in `store`.
pub fn history(store: &LocalStore, query: &HistoryQuery) -> Result<History> {
    let mut all = store.list_all()?.snapshots;
    all.sort_by(|a, b| (a.completed_at, &a.id).cmp(&(b.completed_at, &b.id)));
    let types: Vec<&'static ObjectType> = match query.object_type {
        Some(t) => vec![t],
        None => ObjectType::all().iter().collect(),
    };
    // References are resolved once, before anything else is read.
    let from = query
        .from
        .as_deref()
        .map(|r| Bound::parse(store, r))
        .transpose()?;
    let to = query
        .to
        .as_deref()
        .map(|r| Bound::parse(store, r))
        .transpose()?;

    let found = locate(store, &all, &types, &query.target)?;
    let tenant: Vec<&SnapshotSummary> =
        all.iter().filter(|s| s.tenant_id == found.tenant).collect();
    let start = match &from {
        Some(b) => b.index(&tenant, "--from", &found.tenant)?,
        None => 0,
    };
    let end = match &to {
        Some(b) => b.index(&tenant, "--to", &found.tenant)?,
        None => tenant.len() - 1,
    };
    if start > end {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "--from {} (snapshot {}) is later than --to {} (snapshot {})",
                query.from.as_deref().unwrap_or_default(),
                tenant[start].id,
                query.to.as_deref().unwrap_or_default(),
                tenant[end].id
            ),
        ));
    }
    let range = &tenant[start..=end];
    let mut entries = walk(store, range, found.ty, &found.id)?;
    if entries.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "{} {} is in none of the {} snapshots from {} to {}",
                found.ty.name,
                found.id,
                range.len(),
                range[0].id,
                range[range.len() - 1].id
            ),
        ));
    }
    let (object_id, object_name) = entries
        .last()
        .map(|e| (e.object_id.clone(), e.object_name.clone()))
        .unwrap_or_default();
    if query.attribute.is_none() {
        // A first sighting or a deletion is not a change of every property:
        // the values it had are shown only for a chosen attribute.
        for e in &mut entries {
            if matches!(e.event, HistoryEvent::Created | HistoryEvent::Deleted) {
                e.attributes.clear();
                e.links.clear();
            }
        }
    }
    if let Some(attribute) = &query.attribute {
        narrow(&mut entries, attribute);
        if !entries.iter().any(|e| touches(e, attribute)) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "attribute '{attribute}' matched nothing: {} '{object_name}' ({object_id}) has no {attribute} in any snapshot from {} to {}",
                    found.ty.name,
                    range[0].id,
                    range[range.len() - 1].id
                ),
            ));
        }
    }
    Ok(History {
        object_type: found.ty.name.to_string(),
        object_id,
        object_name,
        tenant_id: found.tenant,
        from: SnapshotRef::of(range[0]),
        to: SnapshotRef::of(range[range.len() - 1]),
        snapshots: range.len(),
        attribute: query.attribute.clone(),
        entries,
    })
}

/// One end of the range: a snapshot, or a time meaning the last snapshot of
/// the object's tenant completed at or before it.
enum Bound {
    Snapshot(SnapshotSummary),
    Time(DateTime<Utc>, String),
}

impl Bound {
    fn parse(store: &LocalStore, reference: &str) -> Result<Bound> {
        match parse_time(reference) {
            Some(t) => Ok(Bound::Time(t, reference.trim().to_string())),
            None => Ok(Bound::Snapshot(store.resolve(reference)?)),
        }
    }

    fn index(&self, tenant: &[&SnapshotSummary], option: &str, tenant_id: &str) -> Result<usize> {
        match self {
            Bound::Snapshot(s) => tenant.iter().position(|t| t.id == s.id).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!(
                        "{option} {}: that snapshot is of tenant {}, not the object's tenant {tenant_id}",
                        s.id, s.tenant_id
                    ),
                )
            }),
            Bound::Time(t, text) => tenant
                .iter()
                .rposition(|s| s.completed_at <= *t)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidArgument,
                        format!(
                            "{option} {text}: no snapshot of tenant {tenant_id} completed at or before then (the oldest completed at {})",
                            tenant.first().map_or("-".to_string(), |s| s.completed_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                        ),
                    )
                }),
        }
    }
}

/// An RFC 3339 time, seconds optional (`2026-12-01T14:00Z`); `None` for anything else.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Some(naive) = s.strip_suffix(['Z', 'z']) {
        return NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M")
            .ok()
            .map(|n| n.and_utc());
    }
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M%:z")
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

struct Found {
    ty: &'static ObjectType,
    id: String,
    tenant: String,
}

/// Finds the object: by id, the first snapshot holding it; by name, every
/// object that ever had it, which must be one object (or one deleted and
/// created again under the same name, never two at once).
fn locate(
    store: &LocalStore,
    all: &[SnapshotSummary],
    types: &[&'static ObjectType],
    target: &Target,
) -> Result<Found> {
    let of_type = match types {
        [t] => format!(" of type {}", t.name),
        _ => String::new(),
    };
    match target {
        Target::Id(id) => {
            for s in all {
                let manifest = store.manifest(s.id.as_str())?;
                if let Some(ty) = types.iter().find(|t| manifest.find(t.name, id).is_some()) {
                    return Ok(Found {
                        ty,
                        id: id.clone(),
                        tenant: s.tenant_id.clone(),
                    });
                }
            }
            Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "no object with id {id}{of_type} in any of the {} snapshots in {}",
                    all.len(),
                    store.root().display()
                ),
            ))
        }
        Target::Name(name) => {
            // (type, id, tenant), in the order first seen.
            let mut found: Vec<(&'static ObjectType, String, String)> = Vec::new();
            let mut together = false;
            for s in all {
                let manifest = store.manifest(s.id.as_str())?;
                let mut here = 0;
                for ty in types {
                    for e in manifest.entries(ty.name) {
                        if e.name.eq_ignore_ascii_case(name) {
                            here += 1;
                            if !found
                                .iter()
                                .any(|(t, id, _)| t.name == ty.name && *id == e.id)
                            {
                                found.push((ty, e.id.clone(), s.tenant_id.clone()));
                            }
                        }
                    }
                }
                together |= here > 1;
            }
            let one_lineage = found
                .iter()
                .all(|(t, _, tenant)| t.name == found[0].0.name && *tenant == found[0].2);
            match found.first() {
                None => Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!(
                        "no object named '{name}'{of_type} in any of the {} snapshots in {}",
                        all.len(),
                        store.root().display()
                    ),
                )),
                Some((ty, id, tenant)) if found.len() == 1 || (one_lineage && !together) => {
                    Ok(Found {
                        ty,
                        id: id.clone(),
                        tenant: tenant.clone(),
                    })
                }
                Some(_) => Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!(
                        "{} objects are named '{name}': {}; give --id",
                        found.len(),
                        found
                            .iter()
                            .map(|(t, id, _)| format!("{} {id}", t.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
            }
        }
    }
}

/// The events of object `id` of `ty` across `range` (one tenant's snapshots, oldest first).
fn walk(
    store: &LocalStore,
    range: &[&SnapshotSummary],
    ty: &'static ObjectType,
    id: &str,
) -> Result<Vec<HistoryEntry>> {
    let mut out = Vec::new();
    let mut id = id.to_string();
    let mut prev: Option<(SnapshotRef, StoredSnapshot<'_, LocalStore>)> = None;
    // While the object is gone: the last snapshot that held it.
    let mut gone: Option<(SnapshotRef, StoredSnapshot<'_, LocalStore>)> = None;
    let mut seen = false;
    for summary in range {
        let here_ref = SnapshotRef::of(summary);
        let here = StoredSnapshot::open(store, summary.id.as_str())?;
        let entry = here.find(ty.name, &id).cloned();
        let before = prev.as_ref().map(|(r, _)| r.clone());
        let (mut now_gone, mut recreated) = (false, false);
        match entry {
            Some(e) if !seen => {
                seen = true;
                let empty = MemorySnapshot::new("");
                let side: &dyn Snapshot = match &prev {
                    Some((_, p)) => p,
                    None => &empty,
                };
                let changes = compare_entries(side, &here, ty, &[], one(&e))?;
                push(&mut out, HistoryEvent::Created, before, &here_ref, changes);
            }
            Some(e) => {
                if let Some((_, last)) = gone.take() {
                    // Back with the same id: what differs from the last version seen.
                    let old: Vec<ObjectEntry> =
                        last.find(ty.name, &id).cloned().into_iter().collect();
                    let mut changes = compare_entries(&last, &here, ty, &old, one(&e))?;
                    if changes.is_empty() {
                        changes.push(unchanged(ty, &e));
                    }
                    push(&mut out, HistoryEvent::Restored, before, &here_ref, changes);
                } else if let Some((_, p)) = &prev
                    && let Some(old) = p.find(ty.name, &id)
                    && (old.hash != e.hash || old.links != e.links)
                {
                    let changes = compare_entries(p, &here, ty, one(old), one(&e))?;
                    push(&mut out, HistoryEvent::Changed, before, &here_ref, changes);
                }
            }
            None if seen => {
                if let Some((_, p)) = &prev {
                    let last: &StoredSnapshot<'_, LocalStore> = match &gone {
                        Some((_, g)) => g,
                        None => p,
                    };
                    if let Some(old) = last.find(ty.name, &id).cloned() {
                        if let Some(new) = recreation(ty, last, &old, p, &here)? {
                            let changes = compare_entries(last, &here, ty, one(&old), one(&new))?;
                            id = new.id.clone();
                            recreated = true;
                            push(
                                &mut out,
                                HistoryEvent::Recreated,
                                before,
                                &here_ref,
                                changes,
                            );
                        } else if gone.is_none() {
                            let changes = compare_entries(p, &here, ty, one(&old), &[])?;
                            push(&mut out, HistoryEvent::Deleted, before, &here_ref, changes);
                            now_gone = true;
                        }
                    }
                }
            }
            None => {}
        }
        if recreated {
            gone = None;
        }
        let here = Some((here_ref, here));
        if now_gone {
            gone = std::mem::replace(&mut prev, here);
        } else {
            prev = here;
        }
    }
    Ok(out)
}

/// The object created in `here` (not in `prev`) under the natural key `old`
/// had in `last`, if any: the same object deleted and created again.
fn recreation(
    ty: &ObjectType,
    last: &dyn Snapshot,
    old: &ObjectEntry,
    prev: &dyn Snapshot,
    here: &dyn Snapshot,
) -> Result<Option<ObjectEntry>> {
    let Some(key) = ty.natural_key_of(&last.read_body(&old.hash)?) else {
        return Ok(None);
    };
    for e in here.entries(ty.name) {
        if e.id == old.id || prev.find(ty.name, &e.id).is_some() {
            continue;
        }
        if ty.natural_key_of(&here.read_body(&e.hash)?).as_deref() == Some(key.as_str()) {
            return Ok(Some(e.clone()));
        }
    }
    Ok(None)
}

/// A restore that brought the object back exactly as it was.
fn unchanged(ty: &ObjectType, e: &ObjectEntry) -> Change {
    Change {
        object_type: ty.name.to_string(),
        object_id: e.id.clone(),
        object_name: e.name.clone(),
        kind: ChangeKind::Modified,
        attributes: Vec::new(),
        links: Vec::new(),
        severity: Severity::Info,
        reason: String::new(),
        restorable: None,
        attribution: None,
    }
}

fn one(e: &ObjectEntry) -> &[ObjectEntry] {
    std::slice::from_ref(e)
}

fn push(
    out: &mut Vec<HistoryEntry>,
    event: HistoryEvent,
    from: Option<SnapshotRef>,
    to: &SnapshotRef,
    changes: Vec<Change>,
) {
    let Some(c) = changes.into_iter().next() else {
        return;
    };
    let previous_id = match &c.kind {
        ChangeKind::Recreated { previous_id } => Some(previous_id.clone()),
        _ => None,
    };
    out.push(HistoryEntry {
        event,
        from,
        to: to.clone(),
        object_id: c.object_id,
        object_name: c.object_name,
        previous_id,
        attributes: c.attributes,
        links: c.links,
        severity: c.severity,
        reason: c.reason,
        attribution: None,
    });
}

/// Whether `path` is `attribute` or below it (`conditions.users` covers
/// `conditions.users.excludeGroups` and `ipRanges` covers `ipRanges[10.0.0.0/8]`).
fn covers(attribute: &str, path: &str) -> bool {
    path.strip_prefix(attribute)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

fn touches(e: &HistoryEntry, attribute: &str) -> bool {
    !e.attributes.is_empty() || e.links.iter().any(|l| covers(attribute, &l.link))
}

/// Keeps only what `attribute` covers: changes that touch nothing else go;
/// `created` and `deleted` keep the value the attribute had.
fn narrow(entries: &mut Vec<HistoryEntry>, attribute: &str) {
    for e in entries.iter_mut() {
        e.links.retain(|l| covers(attribute, &l.link));
        let whole = matches!(e.event, HistoryEvent::Created | HistoryEvent::Deleted);
        if whole {
            // Top-level properties from nothing (or to nothing): take the value under `attribute`.
            let top = attribute.split(['.', '[']).next().unwrap_or_default();
            let rest = attribute
                .strip_prefix(top)
                .unwrap_or_default()
                .trim_start_matches('.');
            e.attributes = e
                .attributes
                .iter()
                .filter(|a| a.path == top)
                .filter_map(|a| {
                    let side = a.new.as_ref().or(a.old.as_ref())?;
                    let v = value_at(side, rest)?;
                    let v = Some(v);
                    Some(AttributeChange {
                        path: attribute.to_string(),
                        old: if a.new.is_some() { None } else { v.clone() },
                        new: if a.new.is_some() { v } else { None },
                        names: a.names.clone(),
                        ..AttributeChange::default()
                    })
                })
                .collect();
        } else {
            e.attributes.retain(|a| covers(attribute, &a.path));
        }
    }
    entries.retain(|e| {
        !matches!(e.event, HistoryEvent::Changed) || !e.attributes.is_empty() || !e.links.is_empty()
    });
}

/// The value at dot path `path` (`""`: `v` itself); through arrays, an array
/// of what each element holds there.
fn value_at(v: &Value, path: &str) -> Option<Value> {
    if path.is_empty() {
        return (!v.is_null()).then(|| v.clone());
    }
    let mut found = Vec::new();
    dotpath::visit(v, path, &mut |x| {
        if !x.is_null() {
            found.push(x.clone());
        }
    });
    match found.len() {
        0 => None,
        1 if !v.is_array() => found.pop(),
        _ => Some(Value::Array(found)),
    }
}

/// Says who made each entry's change, from the audit events of `log`: each
/// entry is attributed over its own pair of snapshots, from the earlier
/// one's start to the later one's end, exactly as `compare --audit` would.
/// The first sighting (no earlier snapshot) is left unattributed.
pub fn attribute_history(h: &mut History, log: &AuditWindow) {
    // Only the events naming one of the ids the object had: a history's log
    // window can hold the whole tenant's.
    let ids: Vec<&str> = h
        .entries
        .iter()
        .flat_map(|e| std::iter::once(e.object_id.as_str()).chain(e.previous_id.as_deref()))
        .collect();
    // One window over those events; each entry moves its span to its own pair.
    let mut window = AuditWindow {
        events: log
            .events
            .iter()
            .filter(|ev| ids.iter().any(|id| ev.target(id).is_some()))
            .cloned()
            .collect(),
        coverage: log.coverage.clone(),
    };
    for e in &mut h.entries {
        let Some(from) = &e.from else { continue };
        let kind = match e.event {
            HistoryEvent::Created | HistoryEvent::Restored => ChangeKind::Added,
            HistoryEvent::Changed => ChangeKind::Modified,
            HistoryEvent::Deleted => ChangeKind::Removed,
            HistoryEvent::Recreated => ChangeKind::Recreated {
                previous_id: e.previous_id.clone().unwrap_or_default(),
            },
        };
        let mut report = Report {
            from: from.id.clone(),
            to: e.to.id.clone(),
            changes: vec![Change {
                object_type: h.object_type.clone(),
                object_id: e.object_id.clone(),
                object_name: e.object_name.clone(),
                kind,
                attributes: e.attributes.clone(),
                links: e.links.clone(),
                severity: e.severity,
                reason: e.reason.clone(),
                restorable: None,
                attribution: None,
            }],
            actors: Vec::new(),
        };
        window.coverage.from = from.created_at;
        window.coverage.to = e.to.completed_at;
        attribute(&mut report, &window);
        e.attribution = report.changes.pop().and_then(|c| c.attribution);
    }
}

/// The history for people: a header, then one line per event with the
/// attribute lines indented under it.
pub fn text(h: &History) -> String {
    let mut w = String::new();
    // Writing into a String cannot fail.
    let _ = write_text(&mut w, h);
    w
}

fn write_text(w: &mut String, h: &History) -> std::fmt::Result {
    writeln!(
        w,
        "History of {} '{}' ({}) in tenant {}",
        type_label(&h.object_type),
        h.object_name,
        h.object_id,
        h.tenant_id
    )?;
    let only = h
        .attribute
        .as_ref()
        .map_or(String::new(), |a| format!(", only {a}"));
    writeln!(
        w,
        "{} snapshot{} from {} to {}{only}: {} event{}",
        h.snapshots,
        if h.snapshots == 1 { "" } else { "s" },
        h.from.id,
        h.to.id,
        h.entries.len(),
        if h.entries.len() == 1 { "" } else { "s" }
    )?;
    for e in &h.entries {
        let pair = match &e.from {
            Some(f) => format!("{} ({}) -> {} ({})", f.id, f.kind, e.to.id, e.to.kind),
            None => format!("first seen in {} ({})", e.to.id, e.to.kind),
        };
        let mut what = match (&e.event, &e.previous_id) {
            (HistoryEvent::Recreated, Some(p)) => format!("as {} (was {p})", e.object_id),
            _ => String::new(),
        };
        if !e.reason.is_empty() && e.event != HistoryEvent::Created {
            if !what.is_empty() {
                what.push_str("; ");
            }
            let _ = write!(what, "{}: {}", e.severity, e.reason);
        }
        writeln!(
            w,
            "{}  {:<9}  {pair}{}{what}",
            e.to.completed_at.format("%Y-%m-%dT%H:%M:%SZ"),
            e.event.as_str(),
            if what.is_empty() { "" } else { "  " }
        )?;
        for line in change_lines(&e.attributes, &e.links) {
            writeln!(w, "    {line}")?;
        }
        for line in e.attribution.iter().flat_map(attribution_text) {
            writeln!(w, "    {line}")?;
        }
    }
    Ok(())
}
