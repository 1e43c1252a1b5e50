//! A snapshot that is another one with some objects replaced, added or
//! removed: the target of a restore scoped to one actor, which is the tenant
//! as it is now with only that actor's changes undone. The edits are plain
//! data, so the same target can be rebuilt over the stored undo point when
//! the restore is read back.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::snapshot::Snapshot;
use crate::error::{Error, ErrorKind, Result};
use crate::normalize::canonical_bytes;
use crate::registry::ObjectType;
use crate::store::{Links, ObjectEntry, ObjectHash};

/// One object as the target must hold it: its normalized body and links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutObject {
    pub object_type: String,
    pub id: String,
    pub body: Value,
    #[serde(default)]
    pub links: Links,
}

/// What an overlay changes in its base.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Edits {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub put: Vec<PutObject>,
    /// (type, id) pairs the target does not hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<(String, String)>,
}

impl Edits {
    pub fn is_empty(&self) -> bool {
        self.put.is_empty() && self.remove.is_empty()
    }
}

pub struct Overlay<'a> {
    base: &'a dyn Snapshot,
    label: String,
    /// Only the types the edits touch; the others are the base's.
    types: BTreeMap<String, Vec<ObjectEntry>>,
    blobs: HashMap<ObjectHash, Value>,
}

fn hash_of(v: &Value) -> ObjectHash {
    ObjectHash::of(&canonical_bytes(v))
}

impl<'a> Overlay<'a> {
    pub fn new(base: &'a dyn Snapshot, label: impl Into<String>, edits: &Edits) -> Result<Self> {
        let mut o = Overlay {
            base,
            label: label.into(),
            types: BTreeMap::new(),
            blobs: HashMap::new(),
        };
        for p in &edits.put {
            let ty = ObjectType::find(&p.object_type).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!("unknown object type '{}'", p.object_type),
                )
            })?;
            let hash = hash_of(&p.body);
            o.blobs.insert(hash, p.body.clone());
            let mut links = p.links.clone();
            links.retain(|_, ids| !ids.is_empty());
            let links_hash = (!links.is_empty())
                .then(|| {
                    let v = serde_json::to_value(&links).map_err(|e| {
                        Error::new(ErrorKind::InvalidObject, format!("links of {}: {e}", p.id))
                    })?;
                    let h = hash_of(&v);
                    o.blobs.insert(h, v);
                    Ok::<_, Error>(h)
                })
                .transpose()?;
            let volatile = base
                .find(ty.name, &p.id)
                .map(|e| e.volatile.clone())
                .unwrap_or_default();
            let entry = ObjectEntry {
                id: p.id.clone(),
                hash,
                name: ty.label_of(&p.body, &p.id),
                volatile,
                links: links_hash,
            };
            let entries = o.entries_mut(ty.name);
            match entries.binary_search_by(|e| e.id.cmp(&entry.id)) {
                Ok(i) => entries[i] = entry,
                Err(i) => entries.insert(i, entry),
            }
        }
        for (ty, id) in &edits.remove {
            o.entries_mut(ty).retain(|e| &e.id != id);
        }
        Ok(o)
    }

    fn entries_mut(&mut self, ty: &str) -> &mut Vec<ObjectEntry> {
        let base = self.base;
        self.types
            .entry(ty.to_string())
            .or_insert_with(|| base.entries(ty).to_vec())
    }
}

impl Snapshot for Overlay<'_> {
    fn label(&self) -> String {
        self.label.clone()
    }
    fn entries(&self, ty: &str) -> &[ObjectEntry] {
        match self.types.get(ty) {
            Some(e) => e,
            None => self.base.entries(ty),
        }
    }
    fn read_body(&self, hash: &ObjectHash) -> Result<Value> {
        match self.blobs.get(hash) {
            Some(v) => Ok(v.clone()),
            None => self.base.read_body(hash),
        }
    }
    fn read_links(&self, hash: &ObjectHash) -> Result<Links> {
        match self.blobs.get(hash) {
            Some(v) => serde_json::from_value(v.clone()).map_err(|e| {
                Error::new(
                    ErrorKind::Corrupt,
                    format!("object {hash} is not a links list: {e}"),
                )
            }),
            None => self.base.read_links(hash),
        }
    }
}
