//! Snapshot against snapshot. Entries of each type are merged by id; an object
//! whose body hash and links hash are both unchanged is skipped without
//! reading anything, so the work follows what changed, not the tenant's size.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::attrs::{diff_bodies, whole_body};
use super::model::{Change, ChangeKind, LinkChange, NamedId, Report, Severity};
use super::names::Resolver;
use super::severity::{self, Context, Subject};
use super::snapshot::{Paired, Snapshot, pair_entries};
use crate::dotpath;
use crate::error::Result;
use crate::registry::ObjectType;
use crate::store::{Links, ObjectEntry};

/// A change with the bodies the severity rules look at (only the ones read).
struct Observed {
    /// Id -> name for the ids the bodies reference.
    names: std::collections::BTreeMap<String, String>,
    change: Change,
    before: Option<Value>,
    after: Option<Value>,
}

/// Compares `before` with `after`, for `types` (every registered type when `None`).
pub fn compare(
    before: &dyn Snapshot,
    after: &dyn Snapshot,
    types: Option<&[&ObjectType]>,
) -> Result<Report> {
    let all: Vec<&ObjectType> = ObjectType::all().iter().collect();
    let types = types.unwrap_or(&all);
    let resolver = Resolver::new(before, after);

    let mut observed = Vec::new();
    for ty in types {
        let (old, new) = (before.entries(ty.name), after.entries(ty.name));
        compare_type(ty, old, new, before, after, &resolver, &mut observed)?;
    }

    let mut changes = assessed(before, after, observed)?;
    changes.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.object_type.cmp(&b.object_type))
            .then_with(|| a.object_name.cmp(&b.object_name))
            .then_with(|| a.object_id.cmp(&b.object_id))
    });
    Ok(Report {
        from: before.label(),
        to: after.label(),
        changes,
        actors: Vec::new(),
    })
}

/// Compares only the entries `old` (of `before`) with `new` (of `after`), all
/// of type `ty`: one object's history. Names, severities and reasons come out
/// exactly as [`compare`] gives them, since ids are still named from the whole
/// snapshots; only the listed entries' bodies are read.
pub fn compare_entries(
    before: &dyn Snapshot,
    after: &dyn Snapshot,
    ty: &ObjectType,
    old: &[ObjectEntry],
    new: &[ObjectEntry],
) -> Result<Vec<Change>> {
    let resolver = Resolver::new(before, after);
    let mut observed = Vec::new();
    compare_type(ty, old, new, before, after, &resolver, &mut observed)?;
    assessed(before, after, observed)
}

/// The changes with each one's severity and reason.
fn assessed(
    before: &dyn Snapshot,
    after: &dyn Snapshot,
    mut observed: Vec<Observed>,
) -> Result<Vec<Change>> {
    let ctx = context(before, after, &observed)?;
    for o in &mut observed {
        let subject = Subject {
            change: &o.change,
            before: o.before.as_ref(),
            after: o.after.as_ref(),
        };
        let (severity, reason) = severity::assess(&subject, &ctx);
        o.change.severity = severity;
        o.change.reason = reason;
    }
    Ok(observed.into_iter().map(|o| o.change).collect())
}

/// `old` and `new` are id-sorted entries of `ty` from `before` and `after`.
fn compare_type(
    ty: &ObjectType,
    old: &[ObjectEntry],
    new: &[ObjectEntry],
    before: &dyn Snapshot,
    after: &dyn Snapshot,
    resolver: &Resolver,
    out: &mut Vec<Observed>,
) -> Result<()> {
    let mut removed: Vec<(&ObjectEntry, Value)> = Vec::new();
    let mut added: Vec<(&ObjectEntry, Value)> = Vec::new();
    for pair in pair_entries(old, new) {
        match pair {
            Paired::First(a) => removed.push((a, before.read_body(&a.hash)?)),
            Paired::Second(b) => added.push((b, after.read_body(&b.hash)?)),
            Paired::Both(a, b) => {
                if a.hash != b.hash || a.links != b.links {
                    out.extend(modified(ty, before, after, a, b, resolver)?);
                }
            }
        }
    }

    // A new id under a natural key that just disappeared is the same object
    // deleted and created again (a policy re-imported, a user re-provisioned).
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for (n, (e, body)) in added.iter().enumerate() {
        if let Some(k) = ty.natural_key_of(body)
            && k != e.id
        {
            by_key.entry(k).or_insert(n);
        }
    }
    let mut paired = BTreeSet::new();
    for (e_old, body_old) in &removed {
        let partner = ty
            .natural_key_of(body_old)
            .filter(|k| *k != e_old.id)
            .and_then(|k| by_key.get(&k).copied())
            .filter(|n| !paired.contains(n));
        let Some(n) = partner else {
            let links = read_links(before, e_old)?;
            out.push(observed(
                ty,
                e_old,
                ChangeKind::Removed,
                whole_body(body_old, false),
                link_changes(ty, &links, &Links::new(), resolver),
                Some(body_old.clone()),
                None,
                resolver,
            ));
            continue;
        };
        paired.insert(n);
        let (e_new, body_new) = &added[n];
        let links = link_changes(
            ty,
            &read_links(before, e_old)?,
            &read_links(after, e_new)?,
            resolver,
        );
        out.push(observed(
            ty,
            e_new,
            ChangeKind::Recreated {
                previous_id: e_old.id.clone(),
            },
            diff_bodies(ty, body_old, body_new),
            links,
            Some(body_old.clone()),
            Some(body_new.clone()),
            resolver,
        ));
    }
    for (n, (e, body)) in added.iter().enumerate() {
        if paired.contains(&n) {
            continue;
        }
        let links = read_links(after, e)?;
        out.push(observed(
            ty,
            e,
            ChangeKind::Added,
            whole_body(body, true),
            link_changes(ty, &Links::new(), &links, resolver),
            None,
            Some(body.clone()),
            resolver,
        ));
    }
    Ok(())
}

/// The change of an object present on both sides, if anything but volatile
/// properties changed. Only the parts whose hashes differ are read.
fn modified(
    ty: &ObjectType,
    before: &dyn Snapshot,
    after: &dyn Snapshot,
    a: &ObjectEntry,
    b: &ObjectEntry,
    resolver: &Resolver,
) -> Result<Option<Observed>> {
    let (mut body_a, mut body_b, mut attributes) = (None, None, Vec::new());
    if a.hash != b.hash {
        let (x, y) = (before.read_body(&a.hash)?, after.read_body(&b.hash)?);
        attributes = diff_bodies(ty, &x, &y);
        (body_a, body_b) = (Some(x), Some(y));
    }
    let links = if a.links != b.links {
        link_changes(
            ty,
            &read_links(before, a)?,
            &read_links(after, b)?,
            resolver,
        )
    } else {
        Vec::new()
    };
    if attributes.is_empty() && links.is_empty() {
        return Ok(None);
    }
    Ok(Some(observed(
        ty,
        b,
        ChangeKind::Modified,
        attributes,
        links,
        body_a,
        body_b,
        resolver,
    )))
}

#[allow(clippy::too_many_arguments)]
fn observed(
    ty: &ObjectType,
    entry: &ObjectEntry,
    kind: ChangeKind,
    mut attributes: Vec<super::model::AttributeChange>,
    links: Vec<LinkChange>,
    before: Option<Value>,
    after: Option<Value>,
    resolver: &Resolver,
) -> Observed {
    for a in &mut attributes {
        resolver.name_attribute(ty, a);
    }
    // The rules name what an object references even when only another
    // property changed (a grant's client and resource when its scope grew).
    let mut names = std::collections::BTreeMap::new();
    for r in ty.references {
        for body in [&before, &after].into_iter().flatten() {
            for v in r.values(body) {
                if let Some(n) = resolver.by_id(r.targets, v) {
                    names.insert(v.to_string(), n);
                }
            }
        }
    }
    Observed {
        names,
        change: Change {
            object_type: ty.name.to_string(),
            object_id: entry.id.clone(),
            object_name: entry.name.clone(),
            kind,
            attributes,
            links,
            severity: Severity::Info,
            reason: String::new(),
            restorable: None,
            attribution: None,
        },
        before,
        after,
    }
}

fn read_links(side: &dyn Snapshot, e: &ObjectEntry) -> Result<Links> {
    match &e.links {
        Some(h) => side.read_links(h),
        None => Ok(Links::new()),
    }
}

/// Members, owners or manager added and removed, each id named.
fn link_changes(ty: &ObjectType, old: &Links, new: &Links, resolver: &Resolver) -> Vec<LinkChange> {
    let names: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let empty = Vec::new();
    let mut out = Vec::new();
    for link in names {
        let (a, b) = (
            old.get(link).unwrap_or(&empty),
            new.get(link).unwrap_or(&empty),
        );
        let targets = ty.link(link).map(|l| l.targets).unwrap_or_default();
        let named = |id: &String| NamedId {
            id: id.clone(),
            name: resolver
                .by_id(targets, id)
                .unwrap_or_else(|| resolver.any(id)),
        };
        let added: Vec<NamedId> = b.iter().filter(|id| !a.contains(id)).map(named).collect();
        let removed: Vec<NamedId> = a.iter().filter(|id| !b.contains(id)).map(named).collect();
        if !added.is_empty() || !removed.is_empty() {
            out.push(LinkChange {
                link: link.clone(),
                added,
                removed,
            });
        }
    }
    out
}

/// What the rules need beyond the change itself: every resolved name, and
/// which Conditional Access policies exclude each group or user and reference
/// each named location. A policy counts when it is enabled in either snapshot:
/// an attacker who disables a policy and adds a member to its exclusion group
/// has planted that member for the day the policy is turned back on. The
/// policies are read only when a change could need them.
fn context(before: &dyn Snapshot, after: &dyn Snapshot, observed: &[Observed]) -> Result<Context> {
    let mut ctx = Context::default();
    for o in observed {
        ctx.names.extend(o.names.clone());
        for a in &o.change.attributes {
            ctx.names.extend(a.names.clone());
        }
        for l in &o.change.links {
            for n in l.added.iter().chain(&l.removed) {
                ctx.names.insert(n.id.clone(), n.name.clone());
            }
        }
    }
    let needs_policies = observed
        .iter()
        .any(|o| matches!(o.change.object_type.as_str(), "group" | "namedLocation"));
    if !needs_policies {
        return Ok(ctx);
    }
    for (newer, side, e) in
        [(false, before), (true, after)]
            .into_iter()
            .flat_map(|(newer, side)| {
                side.entries("conditionalAccessPolicy")
                    .iter()
                    .map(move |e| (newer, side, e))
            })
    {
        let body = side.read_body(&e.hash)?;
        let state = body
            .get("state")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let users = &body["conditions"]["users"];
        if state == "enabled" {
            for key in ["excludeGroups", "excludeUsers"] {
                for id in dotpath::strings(&users[key]) {
                    ctx.excluded_by
                        .entry(id.to_string())
                        .or_default()
                        .push(e.name.clone());
                }
            }
        }
        let locations = &body["conditions"]["locations"];
        for key in ["includeLocations", "excludeLocations"] {
            for id in dotpath::strings(&locations[key]) {
                let users = if newer {
                    &mut ctx.location_used_by
                } else {
                    &mut ctx.location_used_before
                };
                users
                    .entry(id.to_string())
                    .or_default()
                    .push(e.name.clone());
            }
        }
    }
    for v in ctx
        .excluded_by
        .values_mut()
        .chain(ctx.location_used_by.values_mut())
        .chain(ctx.location_used_before.values_mut())
    {
        v.sort();
        v.dedup();
    }
    Ok(ctx)
}
