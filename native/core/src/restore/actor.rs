//! Undoing exactly what one actor did: from the audit log, the attributes,
//! members and objects that actor changed since a time; from the snapshots,
//! what they were before. The result is a restore target that is the tenant
//! as it is now with only those changes undone, so every other change (other
//! admins' included, on the same objects) stays. It refuses, naming the gap,
//! when the log cannot cover the span, and when someone else changed the
//! same attribute after the actor (or between the snapshot and the actor,
//! so the snapshot's value is not the one the actor replaced), unless told
//! which wins.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::audit::{AuditWindow, ChangedBy, attribute, stamp};
use crate::diff::{Change, ChangeKind, Edits, PutObject, Snapshot, compare};
use crate::dotpath;
use crate::error::{Error, ErrorKind, Result};
use crate::registry::ObjectType;

/// When another actor changed an attribute the actor also changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnConflict {
    /// Stop, naming each conflict (the default).
    #[default]
    Refuse,
    /// Keep the other actor's value: that attribute is left as it is.
    KeepTheirs,
    /// Put the snapshot's value back anyway.
    Revert,
}

/// Whose changes to undo, since when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorScope {
    /// A user principal name, an app id, an object id or a display name.
    pub changed_by: String,
    pub since: DateTime<Utc>,
    #[serde(default)]
    pub on_conflict: OnConflict,
}

/// The restore target's edits over the live tenant, and what they cover.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reverted {
    /// Whose changes, since when.
    pub changed_by: String,
    pub since: DateTime<Utc>,
    #[serde(skip)]
    pub edits: Edits,
    /// Objects the plan may write.
    pub ids: BTreeSet<String>,
    pub types: BTreeSet<String>,
    /// The actor created objects: the plan deletes them.
    pub delete_added: bool,
    /// One line per undone part: `Conditional Access policy 'CA001': state`.
    pub undone: Vec<String>,
    /// Parts left as they are (another actor's later value kept), and why.
    pub kept: Vec<String>,
}

fn refuse(message: String) -> Error {
    Error::new(ErrorKind::InvalidArgument, message)
}

/// Checks that the audit log covers what an actor-scoped restore must know.
fn check_coverage(
    window: &AuditWindow,
    scope: &ActorScope,
    baseline_label: &str,
    baseline_taken: DateTime<Utc>,
) -> Result<()> {
    let c = &window.coverage;
    let who = &scope.changed_by;
    if let Some(why) = &c.unavailable {
        return Err(refuse(format!(
            "cannot tell what {who} changed: the audit log could not be read ({why})"
        )));
    }
    if scope.since < c.kept_since {
        return Err(refuse(format!(
            "cannot tell what {who} changed since {}: the audit log keeps events only since {} (give a later --since)",
            stamp(scope.since),
            stamp(c.kept_since)
        )));
    }
    if baseline_taken < c.kept_since {
        return Err(refuse(format!(
            "snapshot {baseline_label} was taken at {}, before the audit log's oldest event ({}): changes others made between the two cannot be checked (give a snapshot taken after {})",
            stamp(baseline_taken),
            stamp(c.kept_since),
            stamp(c.kept_since)
        )));
    }
    if baseline_taken > scope.since {
        return Err(refuse(format!(
            "snapshot {baseline_label} was taken at {}, after --since {}: it may already hold {who}'s changes (give a snapshot taken before --since)",
            stamp(baseline_taken),
            stamp(scope.since)
        )));
    }
    Ok(())
}

/// The target of a restore of `scope`'s changes: over `live`, their parts
/// set back to `baseline`'s values. `window` holds the audit events from the
/// baseline's start until now.
pub fn revert_actor(
    baseline: &dyn Snapshot,
    baseline_taken: DateTime<Utc>,
    live: &dyn Snapshot,
    window: &AuditWindow,
    scope: &ActorScope,
) -> Result<Reverted> {
    check_coverage(window, scope, &baseline.label(), baseline_taken)?;
    let mut report = compare(baseline, live, None)?;
    attribute(&mut report, window);
    let who = &scope.changed_by;
    let mut out = Reverted {
        changed_by: who.clone(),
        since: scope.since,
        ..Reverted::default()
    };
    let mut conflicts = Vec::new();
    for c in &report.changes {
        let Some(a) = &c.attribution else { continue };
        let mine: Vec<&ChangedBy> =
            a.by.iter()
                .filter(|b| b.actor.is(who) && b.at >= scope.since)
                .collect();
        if mine.is_empty() {
            continue;
        }
        let parts: BTreeSet<&str> = mine
            .iter()
            .flat_map(|b| b.explains.iter().map(String::as_str))
            .collect();
        let mut chosen = Vec::new();
        for part in parts {
            let first = mine
                .iter()
                .filter(|b| b.explains.iter().any(|p| p == part))
                .map(|b| b.at)
                .min();
            let last = mine
                .iter()
                .filter(|b| b.explains.iter().any(|p| p == part))
                .map(|b| b.at)
                .max();
            let others = |pred: &dyn Fn(DateTime<Utc>) -> bool| -> Vec<String> {
                a.by.iter()
                    .filter(|b| !b.actor.is(who) && b.explains.iter().any(|p| p == part))
                    .filter(|b| pred(b.at))
                    .map(|b| format!("{} at {}", b.actor.label(), stamp(b.at)))
                    .collect()
            };
            let later = others(&|at| last.is_some_and(|l| at > l));
            let earlier = others(&|at| first.is_some_and(|f| at < f));
            let object = format!("{} '{}'", type_label(&c.object_type), c.object_name);
            if !earlier.is_empty() && scope.on_conflict != OnConflict::Revert {
                conflicts.push(format!(
                    "{object} {part}: changed by {} after snapshot {} and before {who}, so the snapshot does not hold the value {who} replaced",
                    earlier.join(", "),
                    baseline.label()
                ));
                continue;
            }
            if !later.is_empty() {
                match scope.on_conflict {
                    OnConflict::Refuse => {
                        conflicts.push(format!(
                            "{object} {part}: changed again by {} after {who}",
                            later.join(", ")
                        ));
                        continue;
                    }
                    OnConflict::KeepTheirs => {
                        out.kept.push(format!(
                            "{object} {part}: kept as {} left it",
                            later.join(", ")
                        ));
                        continue;
                    }
                    OnConflict::Revert => {}
                }
            }
            out.undone.push(format!("{object}: {part}"));
            chosen.push(part.to_string());
        }
        if !chosen.is_empty() {
            edit(baseline, live, c, &chosen, &mine, &mut out)?;
        }
    }
    if !conflicts.is_empty() {
        return Err(refuse(format!(
            "someone else changed what {who} changed; nothing was planned: {} (--on-conflict keep-theirs keeps their values, --on-conflict revert restores the snapshot's anyway)",
            conflicts.join("; ")
        )));
    }
    if out.undone.is_empty() {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!(
                "--changed-by matched nothing: the audit log names '{who}' for no change since {} that snapshot {} and the tenant show",
                stamp(scope.since),
                baseline.label()
            ),
        ));
    }
    Ok(out)
}

fn type_label(name: &str) -> &str {
    ObjectType::find(name).map_or(name, |t| t.display_name)
}

fn body_of(
    side: &dyn Snapshot,
    ty: &str,
    id: &str,
) -> Result<Option<(Value, crate::store::Links)>> {
    let Some(e) = side.find(ty, id) else {
        return Ok(None);
    };
    let body = side.read_body(&e.hash)?;
    let links = match &e.links {
        Some(h) => side.read_links(h)?,
        None => Default::default(),
    };
    Ok(Some((body, links)))
}

/// Adds to `out` the target state of change `c` with `parts` undone.
fn edit(
    baseline: &dyn Snapshot,
    live: &dyn Snapshot,
    c: &Change,
    parts: &[String],
    mine: &[&ChangedBy],
    out: &mut Reverted,
) -> Result<()> {
    let ty = c.object_type.as_str();
    out.types.insert(ty.to_string());
    out.ids.insert(c.object_id.clone());
    if parts.iter().any(|p| p == "created") {
        // The actor made it: the target does not hold it, and the plan deletes it.
        out.edits.remove.push((ty.to_string(), c.object_id.clone()));
        out.delete_added = true;
        return Ok(());
    }
    let was = body_of(
        baseline,
        ty,
        match &c.kind {
            ChangeKind::Recreated { previous_id } => previous_id,
            _ => &c.object_id,
        },
    )?;
    if parts.iter().any(|p| p == "deleted") {
        if let Some((body, links)) = was {
            out.edits.put.push(PutObject {
                object_type: ty.to_string(),
                id: c.object_id.clone(),
                body,
                links,
            });
        }
        return Ok(());
    }
    let (Some((old_body, old_links)), Some((mut body, mut links))) =
        (was, body_of(live, ty, &c.object_id)?)
    else {
        return Ok(());
    };
    for part in parts {
        if let Some(l) = c.links.iter().find(|l| &l.link == part) {
            // Only the members the actor's own events name move back.
            let by_actor = |id: &str| mine.iter().any(|b| b.members.iter().any(|m| m == id));
            let set = links.entry(l.link.clone()).or_default();
            for m in l.added.iter().filter(|m| by_actor(&m.id)) {
                set.retain(|x| x != &m.id);
            }
            for m in l.removed.iter().filter(|m| by_actor(&m.id)) {
                if !set.contains(&m.id) && old_links.get(&l.link).is_some_and(|o| o.contains(&m.id))
                {
                    set.push(m.id.clone());
                }
            }
            set.sort();
            continue;
        }
        // The value up to the first keyed segment (`ipRanges[10.0.0.0/8]` is all of ipRanges).
        let path = &part[..part.find('[').unwrap_or(part.len())];
        match dotpath::get(&old_body, path) {
            Some(v) => dotpath::set(&mut body, path, v.clone()),
            None => dotpath::remove(&mut body, path),
        }
    }
    out.edits.put.push(PutObject {
        object_type: ty.to_string(),
        id: c.object_id.clone(),
        body,
        links,
    });
    Ok(())
}
