//! The tenant's whole state: objects by kind, links (members, owners, manager),
//! deleted items, singletons, and the change log that delta queries read.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::kind::{Kind, Rel};

pub type Obj = Map<String, Value>;

/// A soft-deleted object and the links it had, so a restore brings both back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeletedObject {
    pub object: Obj,
    /// (relation, source, target) triples removed when the object was deleted.
    pub links: Vec<(Rel, String, String)>,
    pub manager: Option<String>,
    pub reports: Vec<String>,
}

/// What unlinking an object removed, so a restore can put it back.
struct Detached {
    links: Vec<(Rel, String, String)>,
    manager: Option<String>,
    reports: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeWhat {
    Created,
    Updated(Vec<String>),
    SoftDeleted,
    HardDeleted,
    Link {
        rel: Rel,
        target: String,
        added: bool,
    },
    Manager,
}

#[derive(Debug, Clone)]
pub struct Change {
    pub version: u64,
    pub kind: Kind,
    pub id: String,
    pub what: ChangeWhat,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Tenant {
    pub tenant_id: String,
    pub domain: String,
    pub objects: BTreeMap<Kind, BTreeMap<String, Obj>>,
    pub deleted: BTreeMap<Kind, BTreeMap<String, DeletedObject>>,
    /// rel -> source id -> target ids (group members, group/app/SP owners, AU members).
    pub links: BTreeMap<Rel, HashMap<String, BTreeSet<String>>>,
    /// user id -> manager id.
    pub manager: HashMap<String, String>,
    /// authorizationPolicy, authenticationMethodsPolicy, crossTenantAccessPolicy, crossTenantAccessPolicyDefault.
    pub singletons: BTreeMap<String, Obj>,
    pub version: u64,
    /// Changes on every load of a saved state, so delta tokens from before go stale
    /// (the change log itself is not saved).
    pub epoch: u64,
    #[serde(skip)]
    pub log: Vec<Change>,
    /// target id -> (rel, source ids): who lists this object as member/owner.
    #[serde(skip)]
    reverse: HashMap<String, BTreeSet<(Rel, String)>>,
    /// Kind of every live or deleted object, for `@odata.type` on links and directoryObjects.
    #[serde(skip)]
    kinds: HashMap<String, Kind>,
}

impl Tenant {
    pub fn new(tenant_id: String, domain: String) -> Self {
        Tenant {
            tenant_id,
            domain,
            ..Default::default()
        }
    }

    /// Rebuild the indexes that are not saved (after loading a state file).
    pub fn reindex(&mut self) {
        self.kinds.clear();
        for (kind, objs) in &self.objects {
            for id in objs.keys() {
                self.kinds.insert(id.clone(), *kind);
            }
        }
        for (kind, objs) in &self.deleted {
            for id in objs.keys() {
                self.kinds.insert(id.clone(), *kind);
            }
        }
        self.reverse.clear();
        for (rel, map) in &self.links {
            for (source, targets) in map {
                for t in targets {
                    self.reverse
                        .entry(t.clone())
                        .or_default()
                        .insert((*rel, source.clone()));
                }
            }
        }
    }

    pub fn collection(&self, kind: Kind) -> Option<&BTreeMap<String, Obj>> {
        self.objects.get(&kind)
    }

    pub fn get(&self, kind: Kind, id: &str) -> Option<&Obj> {
        self.objects.get(&kind)?.get(id)
    }

    pub fn get_mut(&mut self, kind: Kind, id: &str) -> Option<&mut Obj> {
        self.objects.get_mut(&kind)?.get_mut(id)
    }

    pub fn exists(&self, kind: Kind, id: &str) -> bool {
        self.get(kind, id).is_some()
    }

    pub fn count(&self, kind: Kind) -> usize {
        self.objects.get(&kind).map_or(0, BTreeMap::len)
    }

    /// The kind of a live object with this id, if any.
    pub fn live_kind(&self, id: &str) -> Option<Kind> {
        let kind = *self.kinds.get(id)?;
        self.exists(kind, id).then_some(kind)
    }

    pub fn kind_of(&self, id: &str) -> Option<Kind> {
        self.kinds.get(id).copied()
    }

    fn record(&mut self, kind: Kind, id: &str, what: ChangeWhat) {
        self.version += 1;
        if kind.info().delta || matches!(what, ChangeWhat::Link { .. }) {
            self.log.push(Change {
                version: self.version,
                kind,
                id: id.to_string(),
                what,
            });
        }
    }

    /// Insert without logging a change: seeds build the tenant's starting state.
    pub fn seed_insert(&mut self, kind: Kind, id: String, obj: Obj) {
        self.kinds.insert(id.clone(), kind);
        self.objects.entry(kind).or_default().insert(id, obj);
    }

    pub fn seed_link(&mut self, rel: Rel, source: &str, target: &str) {
        self.links
            .entry(rel)
            .or_default()
            .entry(source.to_string())
            .or_default()
            .insert(target.to_string());
        self.reverse
            .entry(target.to_string())
            .or_default()
            .insert((rel, source.to_string()));
    }

    pub fn insert(&mut self, kind: Kind, id: String, obj: Obj) {
        self.seed_insert(kind, id.clone(), obj);
        self.record(kind, &id, ChangeWhat::Created);
    }

    /// Replace top-level properties; records which ones changed value.
    pub fn update(&mut self, kind: Kind, id: &str, props: Obj) -> Vec<String> {
        let Some(obj) = self.get_mut(kind, id) else {
            return Vec::new();
        };
        let mut changed = Vec::new();
        for (k, v) in props {
            if obj.get(&k) != Some(&v) {
                changed.push(k.clone());
                obj.insert(k, v);
            }
        }
        if !changed.is_empty() {
            self.record(kind, id, ChangeWhat::Updated(changed.clone()));
        }
        changed
    }

    pub fn targets(&self, rel: Rel, source: &str) -> Option<&BTreeSet<String>> {
        self.links.get(&rel)?.get(source)
    }

    pub fn has_link(&self, rel: Rel, source: &str, target: &str) -> bool {
        self.targets(rel, source)
            .is_some_and(|t| t.contains(target))
    }

    /// Sources that list `target` under `rel` (the groups a user is a member of).
    pub fn sources(&self, target: &str) -> impl Iterator<Item = &(Rel, String)> {
        self.reverse.get(target).into_iter().flatten()
    }

    pub fn add_link(&mut self, kind: Kind, rel: Rel, source: &str, target: &str) -> bool {
        let set = self
            .links
            .entry(rel)
            .or_default()
            .entry(source.to_string())
            .or_default();
        if !set.insert(target.to_string()) {
            return false;
        }
        self.reverse
            .entry(target.to_string())
            .or_default()
            .insert((rel, source.to_string()));
        self.record(
            kind,
            source,
            ChangeWhat::Link {
                rel,
                target: target.to_string(),
                added: true,
            },
        );
        true
    }

    pub fn remove_link(&mut self, kind: Kind, rel: Rel, source: &str, target: &str) -> bool {
        let removed = self
            .links
            .get_mut(&rel)
            .and_then(|m| m.get_mut(source))
            .is_some_and(|set| set.remove(target));
        if removed {
            if let Some(r) = self.reverse.get_mut(target) {
                r.remove(&(rel, source.to_string()));
            }
            self.record(
                kind,
                source,
                ChangeWhat::Link {
                    rel,
                    target: target.to_string(),
                    added: false,
                },
            );
        }
        removed
    }

    pub fn set_manager(&mut self, user: &str, manager: Option<String>) {
        match manager {
            Some(m) => self.manager.insert(user.to_string(), m),
            None => self.manager.remove(user),
        };
        self.record(Kind::User, user, ChangeWhat::Manager);
    }

    /// Unlink an object from everything (both directions); returns what was removed.
    fn detach(&mut self, id: &str) -> Detached {
        let mut removed = Vec::new();
        let incoming: Vec<(Rel, String)> = self.sources(id).cloned().collect();
        for (rel, source) in incoming {
            if let Some(kind) = self.kind_of(&source) {
                self.remove_link(kind, rel, &source, id);
            }
            removed.push((rel, source, id.to_string()));
        }
        let own_kind = self.kind_of(id);
        for rel in [Rel::Members, Rel::Owners] {
            let targets: Vec<String> = self
                .targets(rel, id)
                .map(|t| t.iter().cloned().collect())
                .unwrap_or_default();
            for t in targets {
                if let Some(kind) = own_kind {
                    self.remove_link(kind, rel, id, &t);
                }
                removed.push((rel, id.to_string(), t));
            }
        }
        let manager = self.manager.remove(id);
        let reports: Vec<String> = self
            .manager
            .iter()
            .filter(|(_, m)| m.as_str() == id)
            .map(|(u, _)| u.clone())
            .collect();
        for r in &reports {
            self.set_manager(r, None);
        }
        Detached {
            links: removed,
            manager,
            reports,
        }
    }

    /// Move a live object to deleted items (soft delete).
    pub fn soft_delete(&mut self, kind: Kind, id: &str, now: &str) -> bool {
        let Some(mut object) = self.objects.get_mut(&kind).and_then(|m| m.remove(id)) else {
            return false;
        };
        object.insert("deletedDateTime".into(), Value::String(now.to_string()));
        let Detached {
            links,
            manager,
            reports,
        } = self.detach(id);
        self.deleted.entry(kind).or_default().insert(
            id.to_string(),
            DeletedObject {
                object,
                links,
                manager,
                reports,
            },
        );
        self.record(kind, id, ChangeWhat::SoftDeleted);
        true
    }

    /// Remove a live object for good (kinds without a recycle bin).
    pub fn hard_delete(&mut self, kind: Kind, id: &str) -> bool {
        if self
            .objects
            .get_mut(&kind)
            .and_then(|m| m.remove(id))
            .is_none()
        {
            return false;
        }
        self.detach(id);
        self.kinds.remove(id);
        self.record(kind, id, ChangeWhat::HardDeleted);
        true
    }

    pub fn deleted_object(&self, kind: Kind, id: &str) -> Option<&DeletedObject> {
        self.deleted.get(&kind)?.get(id)
    }

    /// Permanently delete an item from the recycle bin.
    pub fn purge(&mut self, kind: Kind, id: &str) -> bool {
        if self
            .deleted
            .get_mut(&kind)
            .and_then(|m| m.remove(id))
            .is_none()
        {
            return false;
        }
        self.kinds.remove(id);
        self.record(kind, id, ChangeWhat::HardDeleted);
        true
    }

    /// Bring a soft-deleted object back with its id and the links whose other end still exists.
    pub fn restore(&mut self, kind: Kind, id: &str) -> Option<Obj> {
        let mut d = self.deleted.get_mut(&kind)?.remove(id)?;
        d.object.insert("deletedDateTime".into(), Value::Null);
        self.objects
            .entry(kind)
            .or_default()
            .insert(id.to_string(), d.object.clone());
        self.record(kind, id, ChangeWhat::Created);
        for (rel, source, target) in d.links {
            let (Some(sk), Some(_)) = (self.live_kind(&source), self.live_kind(&target)) else {
                continue;
            };
            self.add_link(sk, rel, &source, &target);
        }
        if let Some(m) = d.manager.filter(|m| self.live_kind(m).is_some()) {
            self.set_manager(id, Some(m));
        }
        for r in d.reports {
            if self.live_kind(&r).is_some() && !self.manager.contains_key(&r) {
                self.set_manager(&r, Some(id.to_string()));
            }
        }
        Some(d.object)
    }
}
