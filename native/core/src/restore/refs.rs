//! Where a referenced object comes from: already in the tenant, brought back
//! by a step of this plan, or defined by Microsoft. A reference to none of
//! these would be written as a dangling id (a policy whose named location is
//! gone "succeeds" and then evaluates wrong), so the plan refuses it.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::diff::Snapshot;
use crate::error::Result;
use crate::registry::{MatchBy, Reference};
use crate::wellknown;

/// Where a referenced value was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// Brought back (restored or created) by the draft at this index.
    Step(usize),
    /// In the live tenant, or a Microsoft-defined id.
    Present,
    Missing,
}

/// Lookups of referenced values in the live tenant and in the plan.
pub(crate) struct Referents<'a> {
    live: &'a dyn Snapshot,
    /// (type, property, lowercase value) -> draft that brings it back.
    provided: HashMap<(&'static str, &'static str, String), usize>,
    /// (type, property) -> lowercase values in live bodies, built on first
    /// need: only appId and templateId references that no id answered.
    by_property: RefCell<HashMap<(&'static str, &'static str), HashSet<String>>>,
}

impl<'a> Referents<'a> {
    pub fn new(live: &'a dyn Snapshot) -> Self {
        Referents {
            live,
            provided: HashMap::new(),
            by_property: RefCell::default(),
        }
    }

    /// Records that draft `step` brings back the object of `ty` whose
    /// `property` is `value`.
    pub fn provide(&mut self, ty: &'static str, property: &'static str, value: &str, step: usize) {
        self.provided
            .insert((ty, property, value.to_ascii_lowercase()), step);
    }

    /// Where `value`, held by reference `r`, points.
    pub fn find(&self, r: &Reference, value: &str) -> Result<Found> {
        let property = r.match_by.property();
        let key = value.to_ascii_lowercase();
        for &t in r.targets {
            if let Some(&step) = self.provided.get(&(t, property, key.clone())) {
                return Ok(Found::Step(step));
            }
        }
        if self.by_id(r.targets, value) || well_known(value) || r.may_be_external {
            return Ok(Found::Present);
        }
        // Last, as it reads every body of the type: an appId or templateId
        // that no id answered.
        if r.match_by != MatchBy::Id {
            for &t in r.targets {
                if self.values_of(t, property)?.contains(&key) {
                    return Ok(Found::Present);
                }
            }
        }
        Ok(Found::Missing)
    }

    /// Where link member `id` (of one of `targets`) is.
    pub fn find_member(&self, targets: &'static [&'static str], id: &str) -> Found {
        let key = id.to_ascii_lowercase();
        for &t in targets {
            if let Some(&step) = self.provided.get(&(t, "id", key.clone())) {
                return Found::Step(step);
            }
        }
        if self.by_id(targets, id) {
            Found::Present
        } else {
            Found::Missing
        }
    }

    fn by_id(&self, targets: &[&str], id: &str) -> bool {
        targets.iter().any(|t| self.live.find(t, id).is_some())
    }

    fn values_of(
        &self,
        ty: &'static str,
        property: &'static str,
    ) -> Result<std::cell::Ref<'_, HashSet<String>>> {
        if !self.by_property.borrow().contains_key(&(ty, property)) {
            let mut values = HashSet::new();
            for e in self.live.entries(ty) {
                if let Some(Value::String(v)) = self.live.read_body(&e.hash)?.get(property) {
                    values.insert(v.to_ascii_lowercase());
                }
            }
            self.by_property.borrow_mut().insert((ty, property), values);
        }
        Ok(std::cell::Ref::map(self.by_property.borrow(), |m| {
            &m[&(ty, property)]
        }))
    }
}

/// Ids Microsoft defines in every tenant: role templates (a built-in role
/// definition's id is its template id), first-party apps, built-in strengths.
fn well_known(value: &str) -> bool {
    wellknown::role_template(value).is_some()
        || wellknown::first_party_app(value).is_some()
        || wellknown::builtin_strength(value).is_some()
}
