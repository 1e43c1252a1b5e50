//! The restore planner: from the known-good snapshot, the live tenant and its
//! recycle bins, the ordered list of Graph writes that brings the tenant back,
//! each explained. Pure: it reads snapshots and returns a plan.
//!
//! Objects whose body and links hashes match on both sides are skipped without
//! reading anything, so planning a tenant of 100,000 users costs what changed.
//! The work goes in passes: decide what becomes of each object missing from
//! the tenant (same object under another id, back from the recycle bin,
//! created again, or a note); bring those back; write every object's
//! attributes and links; check every reference a step writes; run the
//! break-glass guard; order the steps.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::{Map, Value, json};

use super::guard::{self, MemberChange, PolicyWrite};
use super::model::{DeletedItems, Note, Plan, PlanOptions, Step, StepKind, StepRequest};
use super::order::{self, Node};
use super::refs::{Found, Referents};
use super::scope::Scope;
use super::writes::{self, present};
use crate::diff::{Paired, Resolver, Snapshot, pair_entries};
use crate::dotpath;
use crate::error::{Error, ErrorKind, Result};
use crate::normalize::{normalize, strip_for_create, strip_for_write};
use crate::registry::{ApiVersion, ObjectType, PropertyWrite, Reference, SoftDelete, Source};
use crate::store::{Links, ObjectEntry};

const POLICY: &str = "conditionalAccessPolicy";
const REPORT_ONLY: &str = "enabledForReportingButNotEnforced";
/// Types POST could create that a restore must not: a new user needs a
/// password nobody knows, and is a stranger to every system keyed on the old id.
const NOT_RECREATED: &[&str] = &["user"];
/// Certificates are never PATCHed (key material is not returned), and Graph
/// removes one only with a proof signed by another key of the same object.
const CERTIFICATES: &str = "keyCredentials";
/// How many names the note about objects created since the snapshot lists.
const NAMES_LISTED: usize = 5;

/// Plans the restore of `target` (the known-good snapshot) onto the tenant
/// whose current state is `live`, with `deleted` its recycle bins' contents.
pub fn plan(
    target: &dyn Snapshot,
    live: &dyn Snapshot,
    deleted: &DeletedItems,
    options: &PlanOptions,
) -> Result<Plan> {
    let mut p = Planner::new(target, live, deleted, options)?;
    p.resolve_missing()?;
    p.bring_back()?;
    for ty in p.scope.types.clone() {
        p.plan_type(ty)?;
    }
    p.check_references()?;
    let guard = guard::check(&guard::Inputs {
        target,
        live,
        options,
        remap: &p.remap,
        policies: &p.policies,
        members: &p.members,
        removed: &p.removed_policies,
        active: !p.drafts.is_empty(),
    })?;
    let permissions: BTreeSet<&str> = p
        .drafts
        .iter()
        .flat_map(|d| d.ty.permissions.write.iter().copied())
        .collect();
    let permissions = permissions.into_iter().map(String::from).collect();
    let notes = std::mem::take(&mut p.notes);
    let steps = ordered(p.drafts)?;
    Ok(Plan {
        snapshot: target.label(),
        live: live.label(),
        options: options.clone(),
        steps,
        notes,
        guard,
        permissions,
    })
}

/// A step before its place in the plan is known.
struct Draft {
    ty: &'static ObjectType,
    kind: StepKind,
    object_id: String,
    object_name: String,
    summary: String,
    /// Indices of the drafts that must succeed first.
    deps: BTreeSet<usize>,
    request: StepRequest,
}

impl Draft {
    /// Objects first, then links (members may be objects brought back), then
    /// deletions, referencing types before the types they reference.
    fn key(&self) -> (u8, i32) {
        let rank = i32::from(self.ty.restore_rank);
        match self.kind {
            StepKind::Delete => (2, -rank),
            StepKind::AddLink
            | StepKind::RemoveLink
            | StepKind::SetManager
            | StepKind::RemoveManager => (1, rank),
            _ => (0, rank),
        }
    }
}

fn request(method: &str, version: &str, path: String, body: Option<Value>) -> StepRequest {
    StepRequest {
        method: method.to_string(),
        version: version.to_string(),
        path,
        body,
        new_ids: Default::default(),
    }
}

/// What becomes of a snapshot object missing from the tenant.
enum Fate {
    /// The same object under another id (the id map, or the same natural key).
    Mapped(String),
    /// Back from the recycle bin, with this body.
    Restore(Value),
    Create,
    /// Cannot or may not come back; the message says why.
    Note(String),
}

struct Missing<'a> {
    ty: &'static ObjectType,
    entry: &'a ObjectEntry,
    /// The snapshot body.
    body: Value,
    fate: Fate,
    /// The draft that restores or creates it.
    step: Option<usize>,
}

/// The object a write goes to.
struct Obj {
    ty: &'static ObjectType,
    source: &'static Source,
    snap_id: String,
    /// Its id in the tenant (the snapshot id when re-created: the executor
    /// replaces it with the new one).
    write_id: String,
    name: String,
    /// The draft that brings it back, which its other writes wait for.
    after: Option<usize>,
}

impl Obj {
    fn version(&self) -> &'static str {
        self.ty.api_version.as_str()
    }
    fn item(&self) -> String {
        self.source.patch_path(&self.write_id)
    }
}

struct Planner<'a> {
    target: &'a dyn Snapshot,
    live: &'a dyn Snapshot,
    deleted: &'a DeletedItems,
    options: &'a PlanOptions,
    scope: Scope<'a>,
    resolver: Resolver<'a>,
    /// Snapshot id (or appId) -> the tenant's, for objects found under another id.
    remap: HashMap<String, String>,
    missing: Vec<Missing<'a>>,
    /// Ids of live objects standing for a snapshot object: not "created since".
    claimed: HashSet<String>,
    /// Values the executor replaces with a created object's (ids, appIds).
    created: HashSet<String>,
    /// Types with objects created or found under another id: whoever
    /// references them may need re-pointing even when its hash is unchanged.
    touched: HashSet<&'static str>,
    referents: Referents<'a>,
    drafts: Vec<Draft>,
    notes: Vec<Note>,
    policies: Vec<PolicyWrite>,
    removed_policies: Vec<String>,
    members: Vec<MemberChange>,
}

/// Built-in objects (role templates, Microsoft's authentication strengths)
/// are read-only in every tenant.
fn is_builtin(body: &Value) -> bool {
    body.get("isBuiltIn") == Some(&Value::Bool(true))
        || body.get("policyType").and_then(Value::as_str) == Some("builtIn")
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn read_links(side: &dyn Snapshot, e: &ObjectEntry) -> Result<Links> {
    match &e.links {
        Some(h) => side.read_links(h),
        None => Ok(Links::new()),
    }
}

impl<'a> Planner<'a> {
    fn new(
        target: &'a dyn Snapshot,
        live: &'a dyn Snapshot,
        deleted: &'a DeletedItems,
        options: &'a PlanOptions,
    ) -> Result<Self> {
        Ok(Planner {
            target,
            live,
            deleted,
            options,
            scope: Scope::new(options)?,
            resolver: Resolver::new(live, target),
            remap: options.id_map.clone().into_iter().collect(),
            missing: Vec::new(),
            claimed: options.id_map.values().cloned().collect(),
            created: HashSet::new(),
            touched: HashSet::new(),
            referents: Referents::new(live),
            drafts: Vec::new(),
            notes: Vec::new(),
            policies: Vec::new(),
            removed_policies: Vec::new(),
            members: Vec::new(),
        })
    }

    fn push(&mut self, draft: Draft) -> usize {
        self.drafts.push(draft);
        self.drafts.len() - 1
    }

    fn step(&mut self, obj: &Obj, kind: StepKind, summary: String, request: StepRequest) -> usize {
        self.push(Draft {
            ty: obj.ty,
            kind,
            object_id: obj.snap_id.clone(),
            object_name: obj.name.clone(),
            summary,
            deps: obj.after.into_iter().collect(),
            request,
        })
    }

    fn note(&mut self, ty: &ObjectType, id: &str, name: &str, message: String) {
        self.notes.push(Note {
            object_type: ty.name.to_string(),
            object_id: id.to_string(),
            object_name: name.to_string(),
            message,
        });
    }

    // ---- pass 1: what becomes of each missing object

    fn resolve_missing(&mut self) -> Result<()> {
        let (target, live) = (self.target, self.live);
        for ty in self.scope.types.clone() {
            let mut by_key: Option<HashMap<String, String>> = None;
            for e in target.entries(ty.name) {
                if live.find(ty.name, &e.id).is_some() {
                    continue;
                }
                let named = self.scope.has_id(&e.id);
                if !named && !self.scope.names_ids() {
                    continue;
                }
                let body = target.read_body(&e.hash)?;
                // A re-created object is named by its new, live id (that is
                // what a compare's Recreated change carries): it selects the
                // snapshot object whose live counterpart it is.
                if !named && !self.counterpart_named(ty, e, &body, &mut by_key)? {
                    continue;
                }
                let fate = self.fate(ty, e, &body, &mut by_key)?;
                match &fate {
                    Fate::Mapped(l) => {
                        self.remap.insert(e.id.clone(), l.clone());
                        self.claimed.insert(l.clone());
                        self.touched.insert(ty.name);
                    }
                    Fate::Create => {
                        self.touched.insert(ty.name);
                    }
                    _ => {}
                }
                self.missing.push(Missing {
                    ty,
                    entry: e,
                    body,
                    fate,
                    step: None,
                });
            }
        }
        Ok(())
    }

    fn fate(
        &self,
        ty: &'static ObjectType,
        e: &ObjectEntry,
        body: &Value,
        by_key: &mut Option<HashMap<String, String>>,
    ) -> Result<Fate> {
        if let Some(l) = self.options.id_map.get(&e.id)
            && self.live.find(ty.name, l).is_some()
        {
            return Ok(Fate::Mapped(l.clone()));
        }
        let in_bin = if ty.soft_delete == SoftDelete::None {
            None
        } else {
            self.deleted.get(ty.name, &e.id)
        };
        if !self.scope.filtered
            && let Some(d) = in_bin
        {
            return Ok(Fate::Restore(d.clone()));
        }
        if let Some(key) = ty.natural_key_of(body).filter(|k| *k != e.id) {
            if by_key.is_none() {
                *by_key = Some(self.unclaimed_by_key(ty)?);
            }
            if let Some(l) = by_key.as_mut().and_then(|m| m.remove(&key.to_lowercase())) {
                return Ok(Fate::Mapped(l));
            }
        }
        if self.scope.filtered {
            return Ok(Fate::Note(if in_bin.is_some() {
                "is in the deleted items; an attribute restore changes only objects in the tenant: restore the whole object to bring it back".to_string()
            } else {
                "is not in the tenant; an attribute restore changes only objects in the tenant"
                    .to_string()
            }));
        }
        if is_builtin(body) {
            return Ok(Fate::Note(
                "is built in and cannot be created; Microsoft provides it".to_string(),
            ));
        }
        if ty.source_for(body).create && !NOT_RECREATED.contains(&ty.name) {
            return Ok(Fate::Create);
        }
        Ok(Fate::Note(if NOT_RECREATED.contains(&ty.name) {
            format!(
                "was permanently deleted; a restore does not create a {} again (it would need a password nobody knows, and gets a new id): create it by hand with the same {}, and the next restore brings back its attributes and memberships",
                ty.display_name,
                ty.natural_key.join(", ")
            )
        } else {
            format!(
                "is missing and a {} cannot be created through Graph",
                ty.display_name
            )
        }))
    }

    /// Whether the filters name the live counterpart of missing snapshot
    /// object `e`: the object an earlier run re-created, or the one with the
    /// same natural key.
    fn counterpart_named(
        &self,
        ty: &'static ObjectType,
        e: &ObjectEntry,
        body: &Value,
        by_key: &mut Option<HashMap<String, String>>,
    ) -> Result<bool> {
        if let Some(l) = self.options.id_map.get(&e.id)
            && self.scope.has_id(l)
        {
            return Ok(true);
        }
        let Some(key) = ty.natural_key_of(body).filter(|k| *k != e.id) else {
            return Ok(false);
        };
        if by_key.is_none() {
            *by_key = Some(self.unclaimed_by_key(ty)?);
        }
        Ok(by_key
            .as_ref()
            .and_then(|m| m.get(&key.to_lowercase()))
            .is_some_and(|l| self.scope.has_id(l)))
    }

    /// Live objects of `ty` not in the snapshot and not standing for another
    /// snapshot object, by lowercase natural key. Read only when an object of
    /// `ty` is missing, and then only the objects created since.
    fn unclaimed_by_key(&self, ty: &'static ObjectType) -> Result<HashMap<String, String>> {
        let mut out = HashMap::new();
        for e in self.live.entries(ty.name) {
            if self.target.find(ty.name, &e.id).is_some() || self.claimed.contains(&e.id) {
                continue;
            }
            let body = self.live.read_body(&e.hash)?;
            if let Some(k) = ty.natural_key_of(&body) {
                out.entry(k.to_lowercase()).or_insert_with(|| e.id.clone());
            }
        }
        Ok(out)
    }

    // ---- pass 2: restore and create

    fn bring_back(&mut self) -> Result<()> {
        for i in 0..self.missing.len() {
            let (ty, e) = (self.missing[i].ty, self.missing[i].entry);
            let obj = Obj {
                ty,
                source: ty.source_for(&self.missing[i].body),
                snap_id: e.id.clone(),
                write_id: e.id.clone(),
                name: e.name.clone(),
                after: None,
            };
            let step = match &self.missing[i].fate {
                Fate::Restore(bin) => {
                    let bin = bin.clone();
                    self.restore_step(&obj, &bin)
                }
                Fate::Create => {
                    let body = self.missing[i].body.clone();
                    self.create_step(&obj, &body)?
                }
                _ => continue,
            };
            self.missing[i].step = Some(step);
        }
        Ok(())
    }

    fn restore_step(&mut self, obj: &Obj, bin: &Value) -> usize {
        let ty = obj.ty;
        // Directory objects come back through v1.0 whatever version they are read with.
        let version = match ty.soft_delete {
            SoftDelete::Directory { .. } => ApiVersion::V1.as_str(),
            _ => obj.version(),
        };
        let path = ty
            .soft_delete
            .restore_path(&obj.snap_id)
            .unwrap_or_default();
        let step = self.step(
            obj,
            StepKind::RestoreDeleted,
            "bring back from deleted items".to_string(),
            request("POST", version, path, None),
        );
        self.referents.provide(ty.name, "id", &obj.snap_id, step);
        for property in ["appId", "templateId"] {
            if let Some(v) = bin.get(property).and_then(Value::as_str) {
                self.referents.provide(ty.name, property, v, step);
            }
        }
        step
    }

    fn create_step(&mut self, obj: &Obj, body: &Value) -> Result<usize> {
        let ty = obj.ty;
        let desired = self.remapped(ty, body)?;
        let mut create = strip_for_create(ty, &desired);
        // Properties PATCH cannot set are accepted when creating
        // (an authentication strength's allowedCombinations).
        for w in ty.write.property_writes {
            if let PropertyWrite::Action { property, .. } = *w
                && let Some(v) = present(desired.get(property))
            {
                dotpath::set(&mut create, property, v.clone());
            }
        }
        let staged = self.stage_report_only(ty, &mut create);
        let mut new_ids = std::collections::BTreeMap::new();
        new_ids.insert(obj.snap_id.clone(), "id".to_string());
        self.created.insert(obj.snap_id.clone());
        // The service assigns an application its appId: references follow it.
        let assigned_app_id = desired
            .get("appId")
            .and_then(Value::as_str)
            .filter(|_| create.get("appId").is_none())
            .map(String::from);
        if let Some(app_id) = &assigned_app_id {
            new_ids.insert(app_id.clone(), "appId".to_string());
            self.created.insert(app_id.clone());
        }
        let mut summary = "re-create (it was permanently deleted; it gets a new id)".to_string();
        if staged {
            summary.push_str(", as report-only");
        }
        let mut req = request(
            "POST",
            obj.version(),
            obj.source.path.to_string(),
            Some(create.clone()),
        );
        req.new_ids = new_ids;
        let step = self.step(obj, StepKind::Create, summary, req);
        self.referents.provide(ty.name, "id", &obj.snap_id, step);
        if let Some(app_id) = &assigned_app_id {
            self.referents.provide(ty.name, "appId", app_id, step);
        }
        if ty.name == POLICY {
            self.policies.push(PolicyWrite {
                id: obj.write_id.clone(),
                name: obj.name.clone(),
                live: None,
                result: create,
            });
        }
        Ok(step)
    }

    /// With `report_only`, a policy body whose state is `enabled` lands as
    /// report-only instead; true when it changed.
    fn stage_report_only(&self, ty: &ObjectType, body: &mut Value) -> bool {
        if ty.name != POLICY || !self.options.report_only {
            return false;
        }
        match body.get_mut("state") {
            Some(state) if state == "enabled" => {
                *state = json!(REPORT_ONLY);
                true
            }
            _ => false,
        }
    }

    /// `body` with every reference to an object found under another id pointed
    /// at that id (set arrays sorted again, as in the live bodies).
    fn remapped(&self, ty: &ObjectType, body: &Value) -> Result<Value> {
        let mut out = body.clone();
        if self.remap.is_empty() {
            return Ok(out);
        }
        let mut changed = false;
        let mut swap = |s: &mut String| {
            if let Some(n) = self.remap.get(s.as_str()) {
                *s = n.clone();
                changed = true;
            }
        };
        for r in ty.references {
            dotpath::visit_mut(&mut out, r.path, &mut |v| match v {
                Value::String(s) => swap(s),
                Value::Array(items) => items.iter_mut().for_each(|i| {
                    if let Value::String(s) = i {
                        swap(s)
                    }
                }),
                _ => {}
            });
        }
        if !changed {
            return Ok(out);
        }
        Ok(normalize(ty, out)?.body)
    }

    fn remapped_links(&self, mut links: Links) -> Links {
        if self.remap.is_empty() {
            return links;
        }
        for ids in links.values_mut() {
            for id in ids.iter_mut() {
                if let Some(n) = self.remap.get(id) {
                    *id = n.clone();
                }
            }
            ids.sort();
            ids.dedup();
        }
        links
    }

    // ---- pass 3: attributes and links

    /// Whether objects of `ty` must be read even when their hash is unchanged:
    /// they may still hold the old id of an object that now has another.
    fn needs_full_read(&self, ty: &ObjectType) -> bool {
        !ty.references.is_empty()
            && (!self.options.id_map.is_empty()
                || ty
                    .references
                    .iter()
                    .any(|r| r.targets.iter().any(|t| self.touched.contains(t))))
    }

    fn plan_type(&mut self, ty: &'static ObjectType) -> Result<()> {
        let (target, live) = (self.target, self.live);
        let force = self.needs_full_read(ty);
        let (old, new) = (target.entries(ty.name), live.entries(ty.name));
        let mut added = Vec::new();
        for pair in pair_entries(old, new) {
            match pair {
                Paired::First(_) => {}
                Paired::Second(l) => {
                    if !self.claimed.contains(&l.id) && self.scope.has_id(&l.id) {
                        added.push(l);
                    }
                }
                Paired::Both(t, l) => {
                    if self.scope.has_id(&t.id) && (force || t.hash != l.hash || t.links != l.links)
                    {
                        self.plan_existing(ty, t, l, force)?;
                    }
                }
            }
        }
        for m in 0..self.missing.len() {
            if self.missing[m].ty == ty {
                self.plan_missing(m)?;
            }
        }
        self.plan_added(ty, &added)
    }

    /// An object in the tenant (`l`) that stands for snapshot object `t`.
    fn plan_existing(
        &mut self,
        ty: &'static ObjectType,
        t: &ObjectEntry,
        l: &ObjectEntry,
        force: bool,
    ) -> Result<()> {
        let (target, live) = (self.target, self.live);
        let mut obj = Obj {
            ty,
            source: &ty.sources[0],
            snap_id: t.id.clone(),
            write_id: l.id.clone(),
            name: t.name.clone(),
            after: None,
        };
        if force || t.hash != l.hash {
            let snapshot_body = target.read_body(&t.hash)?;
            let current = if t.hash == l.hash {
                snapshot_body.clone()
            } else {
                live.read_body(&l.hash)?
            };
            obj.source = ty.source_for(&snapshot_body);
            let desired = self.remapped(ty, &snapshot_body)?;
            self.object_writes(&obj, &desired, &current, Some(&current))?;
        }
        if t.links != l.links || t.id != l.id {
            let want = self.remapped_links(read_links(target, t)?);
            let have = read_links(live, l)?;
            self.link_writes(&obj, &want, &have);
        }
        Ok(())
    }

    fn plan_missing(&mut self, m: usize) -> Result<()> {
        let (ty, e, step) = (
            self.missing[m].ty,
            self.missing[m].entry,
            self.missing[m].step,
        );
        let obj = Obj {
            ty,
            source: ty.source_for(&self.missing[m].body),
            snap_id: e.id.clone(),
            write_id: e.id.clone(),
            name: e.name.clone(),
            after: step,
        };
        match &self.missing[m].fate {
            Fate::Mapped(l) => {
                let live = self.live;
                if let Some(le) = live.find(ty.name, l) {
                    let force = self.needs_full_read(ty);
                    self.plan_existing(ty, e, le, force)?;
                }
            }
            Fate::Restore(bin) => {
                let bin = bin.clone();
                let desired = self.remapped(ty, &self.missing[m].body)?;
                self.object_writes(&obj, &desired, &bin, None)?;
                let want = self.remapped_links(read_links(self.target, e)?);
                // The recycle bin does not say which links survive; adding one
                // that came back with the object is answered "already so".
                self.link_writes(&obj, &want, &Links::new());
            }
            Fate::Create => {
                let desired = self.remapped(ty, &self.missing[m].body)?;
                self.lost_credentials(&obj, &desired);
                let want = self.remapped_links(read_links(self.target, e)?);
                self.link_writes(&obj, &want, &Links::new());
            }
            Fate::Note(message) => {
                let message = message.clone();
                self.note(ty, &e.id, &e.name, message);
            }
        }
        Ok(())
    }

    /// Steps that bring `current` (the tenant's body, or the recycle bin's)
    /// to `desired` (the snapshot's, references re-pointed).
    fn object_writes(
        &mut self,
        obj: &Obj,
        desired: &Value,
        current: &Value,
        live: Option<&Value>,
    ) -> Result<()> {
        let ty = obj.ty;
        if is_builtin(desired) || is_builtin(current) {
            return Ok(());
        }
        let wanted = if self.scope.filtered {
            writes::with_attributes(current, desired, self.scope.attributes())
        } else {
            desired.clone()
        };
        let mut patch = {
            let scope = &self.scope;
            writes::top_level_patch(ty, current, &wanted, &|k| scope.has_property(k))
        };

        // A property that still names a re-created object's old id is written
        // again, so that the executor's id substitution re-points it.
        let writable = strip_for_write(ty, &wanted);
        let mut repointed = Vec::new();
        for r in ty.references {
            let top = r.path.split('.').next().unwrap_or(r.path);
            if patch.contains_key(top)
                || !self.scope.has_property(top)
                || writable.get(top).is_none()
            {
                continue;
            }
            if r.values(&wanted).iter().any(|v| self.created.contains(*v)) {
                patch.insert(top.to_string(), writable[top].clone());
                repointed.push(top);
            }
        }

        let mut staged = false;
        if ty.name == POLICY && (!patch.is_empty() || obj.after.is_some()) {
            let mut state = json!({
                "state": patch.get("state").or(current.get("state")).cloned().unwrap_or(Value::Null)
            });
            if self.stage_report_only(ty, &mut state) {
                // Already report-only in the tenant: nothing to write for it.
                if present(current.get("state")) == Some(&state["state"]) {
                    patch.remove("state");
                } else {
                    patch.insert("state".to_string(), state["state"].clone());
                    staged = true;
                }
            }
        }

        let mut result = current.clone();
        if !patch.is_empty() {
            let preview = writes::patched(current, &patch);
            let mut summary = writes::describe(ty, current, &preview, &self.resolver);
            if !repointed.is_empty() {
                if !summary.is_empty() {
                    summary.push_str("; ");
                }
                summary.push_str(&format!(
                    "{}: point at the re-created object's new id",
                    repointed.join(", ")
                ));
            }
            if staged {
                summary.push_str(" (report-only: the restore was asked to stage policies)");
            }
            if obj.source.patch {
                if ty.write.needs_odata_type
                    && let Some(t) = wanted.get("@odata.type")
                {
                    patch.insert("@odata.type".to_string(), t.clone());
                }
                result = preview;
                let req = request(
                    "PATCH",
                    obj.version(),
                    obj.item(),
                    Some(Value::Object(patch)),
                );
                self.step(obj, StepKind::Update, summary, req);
            } else {
                self.note(
                    ty,
                    &obj.snap_id,
                    &obj.name,
                    format!(
                        "differs from the snapshot ({summary}), but a {} cannot be changed, only deleted and created again: do that by hand if it matters",
                        ty.display_name
                    ),
                );
            }
        }
        if ty.name == POLICY && (result != *current || obj.after.is_some()) {
            self.policies.push(PolicyWrite {
                id: obj.write_id.clone(),
                name: obj.name.clone(),
                live: live.cloned(),
                result,
            });
        }

        for w in ty.write.property_writes {
            match *w {
                PropertyWrite::Action { property, action } if self.scope.has_property(property) => {
                    let want = present(wanted.get(property));
                    let Some(v) = want.filter(|w| Some(*w) != present(current.get(property)))
                    else {
                        continue;
                    };
                    let mut after = current.clone();
                    dotpath::set(&mut after, property, v.clone());
                    let summary = writes::describe(ty, current, &after, &self.resolver);
                    let mut body = Map::new();
                    body.insert(property.to_string(), v.clone());
                    let req = request(
                        "POST",
                        obj.version(),
                        format!("{}/{action}", obj.item()),
                        Some(Value::Object(body)),
                    );
                    self.step(obj, StepKind::UpdateAction, summary, req);
                }
                PropertyWrite::AddRemove {
                    property, remove, ..
                } if self.scope.has_property(property) => {
                    let (added, lost) = writes::credential_diff(current, &wanted, property);
                    for (key, name) in added {
                        let req = request(
                            "POST",
                            obj.version(),
                            format!("{}/{remove}", obj.item()),
                            Some(json!({ "keyId": key })),
                        );
                        self.step(
                            obj,
                            StepKind::RevokeCredential,
                            format!(
                                "revoke secret \"{name}\" (keyId {key}), added after the snapshot"
                            ),
                            req,
                        );
                    }
                    for (key, name) in lost {
                        self.note(ty, &obj.snap_id, &obj.name, lost_secret(&name, &key));
                    }
                }
                _ => {}
            }
        }
        if ty.set_array(CERTIFICATES).is_some() && self.scope.has_property(CERTIFICATES) {
            let (added, lost) = writes::credential_diff(current, &wanted, CERTIFICATES);
            for (key, name) in added {
                self.note(
                    ty,
                    &obj.snap_id,
                    &obj.name,
                    format!(
                        "certificate \"{name}\" (keyId {key}) was added after the snapshot: remove it by hand (Graph's removeKey needs a proof signed by an existing key)"
                    ),
                );
            }
            for (key, name) in lost {
                self.note(ty, &obj.snap_id, &obj.name, lost_certificate(&name, &key));
            }
        }
        Ok(())
    }

    /// Notes for the credentials a re-created object cannot get back.
    fn lost_credentials(&mut self, obj: &Obj, desired: &Value) {
        let ty = obj.ty;
        for w in ty.write.property_writes {
            if let PropertyWrite::AddRemove { property, .. } = *w {
                for (key, name) in writes::credentials(desired, property) {
                    self.note(ty, &obj.snap_id, &obj.name, lost_secret(&name, &key));
                }
            }
        }
        if ty.set_array(CERTIFICATES).is_some() {
            for (key, name) in writes::credentials(desired, CERTIFICATES) {
                self.note(ty, &obj.snap_id, &obj.name, lost_certificate(&name, &key));
            }
        }
    }

    /// Steps that bring links `have` to `want` (member ids in tenant terms).
    fn link_writes(&mut self, obj: &Obj, want: &Links, have: &Links) {
        let empty = Vec::new();
        for link in obj.ty.links {
            if !self.scope.has_link(link.name) {
                continue;
            }
            let (w, h) = (
                want.get(link.name).unwrap_or(&empty),
                have.get(link.name).unwrap_or(&empty),
            );
            let singular = link.name.strip_suffix('s').unwrap_or(link.name);
            let item = format!("{}/{}", obj.item(), link.name);
            let tracked = obj.ty.name == "group" && link.name == "members";
            let reference = |id: &str| json!({ "@odata.id": format!("directoryObjects/{id}") });
            if link.many {
                for id in w.iter().filter(|id| !h.contains(id)) {
                    let Some(dep) = self.member_ready(obj, link.targets, singular, id) else {
                        continue;
                    };
                    let req = request(
                        "POST",
                        obj.version(),
                        format!("{item}/$ref"),
                        Some(reference(id)),
                    );
                    let summary = format!("add {singular} {}", self.member_name(link.targets, id));
                    let s = self.step(obj, StepKind::AddLink, summary, req);
                    self.drafts[s].deps.extend(dep);
                    if tracked {
                        self.members.push(MemberChange {
                            group: obj.write_id.clone(),
                            member: id.clone(),
                            added: true,
                        });
                    }
                }
                for id in h.iter().filter(|id| !w.contains(id)) {
                    let req = request("DELETE", obj.version(), format!("{item}/{id}/$ref"), None);
                    let summary =
                        format!("remove {singular} {}", self.member_name(link.targets, id));
                    self.step(obj, StepKind::RemoveLink, summary, req);
                    if tracked {
                        self.members.push(MemberChange {
                            group: obj.write_id.clone(),
                            member: id.clone(),
                            added: false,
                        });
                    }
                }
            } else {
                match (w.first(), h.first()) {
                    (Some(id), current) if Some(id) != current => {
                        let Some(dep) = self.member_ready(obj, link.targets, singular, id) else {
                            continue;
                        };
                        let mut summary =
                            format!("set {singular} {}", self.member_name(link.targets, id));
                        if let Some(c) = current {
                            summary
                                .push_str(&format!(" (now {})", self.member_name(link.targets, c)));
                        }
                        let req = request(
                            "PUT",
                            obj.version(),
                            format!("{item}/$ref"),
                            Some(reference(id)),
                        );
                        let s = self.step(obj, StepKind::SetManager, summary, req);
                        self.drafts[s].deps.extend(dep);
                    }
                    (None, Some(current)) => {
                        let summary = format!(
                            "remove {singular} {}",
                            self.member_name(link.targets, current)
                        );
                        let req = request("DELETE", obj.version(), format!("{item}/$ref"), None);
                        self.step(obj, StepKind::RemoveManager, summary, req);
                    }
                    _ => {}
                }
            }
        }
    }

    fn member_name(&self, targets: &[&str], id: &str) -> String {
        self.resolver
            .by_id(targets, id)
            .unwrap_or_else(|| self.resolver.any(id))
    }

    /// Whether link member `id` can be linked: `Some(step)` to wait for when
    /// the plan brings it back, `Some(None)` when it is in the tenant, `None`
    /// (after a note) when it is neither.
    fn member_ready(
        &mut self,
        obj: &Obj,
        targets: &'static [&'static str],
        singular: &str,
        id: &str,
    ) -> Option<Option<usize>> {
        match self.referents.find_member(targets, id) {
            Found::Step(s) => Some(Some(s)),
            Found::Present => Some(None),
            Found::Missing => {
                let name = self.member_name(targets, id);
                let binned = targets
                    .iter()
                    .find(|t| self.deleted.get(t, id).is_some())
                    .and_then(|t| ObjectType::find(t));
                let why = match binned {
                    Some(t) => format!(
                        "it is in the deleted items: include {}s in the restore to bring it back",
                        t.name
                    ),
                    None => "it is not in the tenant and this restore does not bring it back"
                        .to_string(),
                };
                self.note(
                    obj.ty,
                    &obj.snap_id,
                    &obj.name,
                    format!("cannot add {singular} \"{name}\" ({id}): {why}"),
                );
                None
            }
        }
    }

    /// Objects created after the snapshot: deleted only when asked, else counted.
    fn plan_added(&mut self, ty: &'static ObjectType, added: &[&ObjectEntry]) -> Result<()> {
        if added.is_empty() || self.scope.filtered {
            return Ok(());
        }
        if !self.options.delete_added {
            let names: Vec<&str> = added
                .iter()
                .take(NAMES_LISTED)
                .map(|e| e.name.as_str())
                .collect();
            let more = added.len().saturating_sub(NAMES_LISTED);
            let more = if more > 0 {
                format!(", and {more} more")
            } else {
                String::new()
            };
            let what = if added.len() == 1 {
                format!("1 {} was", ty.display_name)
            } else {
                format!("{} {}s were", added.len(), ty.display_name)
            };
            self.note(
                ty,
                "",
                "",
                format!(
                    "{what} created after the snapshot and {} left in place (restore with deleteAdded to delete): \"{}\"{more}",
                    if added.len() == 1 { "is" } else { "are" },
                    names.join("\", \"")
                ),
            );
            return Ok(());
        }
        for e in added {
            let body = self.live.read_body(&e.hash)?;
            if is_builtin(&body) {
                continue;
            }
            let source = ty.source_for(&body);
            let obj = Obj {
                ty,
                source,
                snap_id: e.id.clone(),
                write_id: e.id.clone(),
                name: e.name.clone(),
                after: None,
            };
            if source.create {
                let req = request("DELETE", obj.version(), obj.item(), None);
                self.step(
                    &obj,
                    StepKind::Delete,
                    "delete (created after the snapshot)".to_string(),
                    req,
                );
                if ty.name == POLICY {
                    self.removed_policies.push(e.id.clone());
                }
            } else {
                self.note(
                    ty,
                    &e.id,
                    &e.name,
                    format!(
                        "was created after the snapshot, but a {} cannot be deleted",
                        ty.display_name
                    ),
                );
            }
        }
        Ok(())
    }

    // ---- pass 4: references

    fn check_references(&mut self) -> Result<()> {
        for i in 0..self.drafts.len() {
            let d = &self.drafts[i];
            if !matches!(
                d.kind,
                StepKind::Create | StepKind::Update | StepKind::UpdateAction
            ) {
                continue;
            }
            let Some(body) = &d.request.body else {
                continue;
            };
            let mut deps = Vec::new();
            for r in d.ty.references {
                for v in r.values(body) {
                    match self.referents.find(r, v)? {
                        Found::Step(s) if s != i => deps.push(s),
                        Found::Step(_) | Found::Present => {}
                        Found::Missing => return Err(self.dangling(d, r, v)),
                    }
                }
            }
            self.drafts[i].deps.extend(deps);
        }
        Ok(())
    }

    fn dangling(&self, d: &Draft, r: &Reference, value: &str) -> Error {
        let found = r.targets.iter().find_map(|t| {
            let ty = ObjectType::find(t)?;
            let e = self.target.find(t, value)?;
            Some((ty.display_name, e.name.clone()))
        });
        let (kind, name) = found.unwrap_or_else(|| {
            let kind = r
                .targets
                .first()
                .and_then(|t| ObjectType::find(t))
                .map_or("object", |t| t.display_name);
            let name = self
                .resolver
                .resolve(r.targets, r.match_by, value)
                .unwrap_or_else(|| crate::diff::model::UNKNOWN_NAME.to_string());
            (kind, name)
        });
        Error::new(
            ErrorKind::NotFound,
            format!(
                "{} \"{}\" references {kind} \"{name}\" ({} {value}), which is neither in the tenant nor restorable: include it in the restore or restore it first",
                capitalized(d.ty.display_name),
                d.object_name,
                r.match_by.property(),
            ),
        )
    }
}

/// The drafts in execution order, numbered, dependencies as seqs.
fn ordered(drafts: Vec<Draft>) -> Result<Vec<Step>> {
    let nodes: Vec<Node> = drafts
        .iter()
        .map(|d| Node {
            key: d.key(),
            deps: d.deps.iter().copied().collect(),
        })
        .collect();
    let order = order::sort(&nodes).map_err(|cycle| {
        let names: Vec<String> = cycle
            .iter()
            .chain(cycle.first())
            .map(|&i| {
                let d = &drafts[i];
                format!(
                    "{} \"{}\" ({})",
                    d.ty.display_name, d.object_name, d.summary
                )
            })
            .collect();
        Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "the restore cannot be ordered: its steps wait on each other in a cycle: {}",
                names.join(" waits for ")
            ),
        )
    })?;
    let mut seq = vec![0u32; drafts.len()];
    for (position, &i) in order.iter().enumerate() {
        seq[i] = u32::try_from(position + 1).unwrap_or(u32::MAX);
    }
    let mut drafts: Vec<Option<Draft>> = drafts.into_iter().map(Some).collect();
    Ok(order
        .iter()
        .filter_map(|&i| {
            let d = drafts[i].take()?;
            let mut depends_on: Vec<u32> = d.deps.iter().map(|&j| seq[j]).collect();
            depends_on.sort_unstable();
            Some(Step {
                seq: seq[i],
                kind: d.kind,
                object_type: d.ty.name.to_string(),
                object_id: d.object_id,
                object_name: d.object_name,
                summary: d.summary,
                depends_on,
                request: d.request,
            })
        })
        .collect())
}

fn lost_secret(name: &str, key: &str) -> String {
    format!(
        "secret \"{name}\" (keyId {key}) existed in the snapshot and cannot be brought back: secrets are never readable; create a new one"
    )
}

fn lost_certificate(name: &str, key: &str) -> String {
    format!(
        "certificate \"{name}\" (keyId {key}) existed in the snapshot and is gone: upload the certificate again"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(ty: &str, kind: StepKind, name: &str, deps: &[usize]) -> Draft {
        Draft {
            ty: ObjectType::find(ty).unwrap(),
            kind,
            object_id: name.to_lowercase(),
            object_name: name.to_string(),
            summary: "s".to_string(),
            deps: deps.iter().copied().collect(),
            request: request("POST", "v1.0", "x".to_string(), None),
        }
    }

    #[test]
    fn steps_run_by_rank_links_after_objects_and_deletes_last() {
        let steps = ordered(vec![
            draft("group", StepKind::AddLink, "G", &[2]),
            draft("namedLocation", StepKind::Delete, "L", &[]),
            draft("group", StepKind::Create, "G", &[]),
            draft("conditionalAccessPolicy", StepKind::Update, "P", &[2]),
            draft("conditionalAccessPolicy", StepKind::Delete, "Q", &[]),
            draft("namedLocation", StepKind::RestoreDeleted, "H", &[]),
        ])
        .unwrap();
        let order: Vec<(StepKind, &str, &[u32])> = steps
            .iter()
            .map(|s| (s.kind, s.object_name.as_str(), s.depends_on.as_slice()))
            .collect();
        assert_eq!(
            order,
            [
                (StepKind::RestoreDeleted, "H", &[][..]),
                (StepKind::Create, "G", &[]),
                (StepKind::Update, "P", &[2]),
                (StepKind::AddLink, "G", &[2]),
                // Policies go before the locations they may still name.
                (StepKind::Delete, "Q", &[]),
                (StepKind::Delete, "L", &[]),
            ]
        );
        assert_eq!(
            steps.iter().map(|s| s.seq).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5, 6]
        );
    }

    #[test]
    fn a_cycle_stops_the_plan_naming_its_objects() {
        let err = ordered(vec![
            draft("namedLocation", StepKind::Create, "Corporate HQ", &[1]),
            draft("conditionalAccessPolicy", StepKind::Create, "CA005", &[0]),
        ])
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("in a cycle"), "{msg}");
        assert!(
            msg.contains("named location \"Corporate HQ\"")
                && msg.contains("Conditional Access policy \"CA005\""),
            "{msg}"
        );
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    }
}
