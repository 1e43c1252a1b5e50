//! What the diff engine needs from a snapshot: its entries per type (from the
//! manifest, no bodies) and a way to read a body or a links list by hash. The
//! engine reads bodies only for objects whose hashes differ, so the cost of a
//! comparison follows what changed, not the size of the tenant.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::normalize::{canonical_bytes, normalize};
use crate::registry::ObjectType;
use crate::store::{Links, Manifest, ObjectEntry, ObjectHash, SnapshotStore};

/// One side of a comparison.
pub trait Snapshot {
    /// How the report names this side (a snapshot id, `live`...).
    fn label(&self) -> String;
    /// Entries of type `ty`, sorted by id (empty when the type is absent).
    fn entries(&self, ty: &str) -> &[ObjectEntry];
    /// A normalized body by its hash.
    fn read_body(&self, hash: &ObjectHash) -> Result<Value>;
    /// A links list by its hash.
    fn read_links(&self, hash: &ObjectHash) -> Result<Links>;

    /// The entry of `ty` with id `id`.
    fn find(&self, ty: &str, id: &str) -> Option<&ObjectEntry> {
        let entries = self.entries(ty);
        entries
            .binary_search_by(|e| e.id.as_str().cmp(id))
            .ok()
            .map(|i| &entries[i])
    }
}

/// A stored snapshot: its manifest plus the store holding its objects.
pub struct StoredSnapshot<'a, S: SnapshotStore> {
    store: &'a S,
    manifest: Manifest,
}

impl<'a, S: SnapshotStore> StoredSnapshot<'a, S> {
    /// Opens snapshot `id` (or `latest`) of `store`.
    pub fn open(store: &'a S, id: &str) -> Result<Self> {
        Ok(Self::new(store, store.manifest(id)?))
    }

    /// Opens two snapshots side by side (their manifests are the bulk of a
    /// comparison's time on a large tenant): the two sides of a compare or restore.
    pub fn open_pair(store: &'a S, first: &str, second: &str) -> Result<(Self, Self)>
    where
        S: Sync,
    {
        let (a, b) = std::thread::scope(|scope| {
            let a = scope.spawn(|| store.manifest(first));
            let b = store.manifest(second);
            (a.join(), b)
        });
        let a = a.unwrap_or_else(|_| {
            Err(Error::new(
                ErrorKind::Corrupt,
                "reading a manifest panicked",
            ))
        })?;
        Ok((Self::new(store, a), Self::new(store, b?)))
    }

    pub fn new(store: &'a S, mut manifest: Manifest) -> Self {
        // The manifest promises id order; sorting again is cheap insurance for
        // the binary searches, and a no-op when the promise holds.
        for entries in manifest.objects.values_mut() {
            if !entries.is_sorted_by(|a, b| a.id <= b.id) {
                entries.sort_by(|a, b| a.id.cmp(&b.id));
            }
        }
        Self { store, manifest }
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }
}

impl<S: SnapshotStore> Snapshot for StoredSnapshot<'_, S> {
    fn label(&self) -> String {
        self.manifest.id().to_string()
    }
    fn entries(&self, ty: &str) -> &[ObjectEntry] {
        self.manifest.entries(ty)
    }
    fn read_body(&self, hash: &ObjectHash) -> Result<Value> {
        self.store.read_object(hash)
    }
    fn read_links(&self, hash: &ObjectHash) -> Result<Links> {
        self.store.read_links(hash)
    }
}

/// A staged snapshot (read from the tenant, not stored) is a side like any other.
impl Snapshot for crate::store::StagedSnapshot {
    fn label(&self) -> String {
        self.id().to_string()
    }
    fn entries(&self, ty: &str) -> &[ObjectEntry] {
        self.manifest().entries(ty)
    }
    fn read_body(&self, hash: &ObjectHash) -> Result<Value> {
        self.read_object(hash)
    }
    fn read_links(&self, hash: &ObjectHash) -> Result<Links> {
        crate::store::StagedSnapshot::read_links(self, hash)
    }
}

/// A snapshot held in memory: for a live export that is not kept, and for
/// tests. Counts body and links reads so tests can prove what was skipped.
#[derive(Default)]
pub struct MemorySnapshot {
    label: String,
    objects: BTreeMap<String, Vec<ObjectEntry>>,
    blobs: HashMap<ObjectHash, Value>,
    reads: Cell<usize>,
}

impl MemorySnapshot {
    pub fn new(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            ..Self::default()
        }
    }

    /// Normalizes `raw` (as Graph returns it) and adds or replaces it.
    pub fn add(&mut self, ty: &ObjectType, raw: Value) -> Result<&mut Self> {
        let obj = normalize(ty, raw)?;
        let bytes = canonical_bytes(&obj.body);
        let hash = ObjectHash::of(&bytes);
        let entry = ObjectEntry {
            name: ty.label_of(&obj.body, &obj.id),
            id: obj.id,
            hash,
            volatile: crate::store::Volatile::from_map(&obj.volatile),
            links: None,
        };
        self.blobs.insert(hash, obj.body);
        let entries = self.objects.entry(ty.name.to_string()).or_default();
        match entries.binary_search_by(|e| e.id.cmp(&entry.id)) {
            Ok(i) => {
                // Keep links already set for this object.
                let links = entries[i].links;
                entries[i] = ObjectEntry { links, ..entry };
            }
            Err(i) => entries.insert(i, entry),
        }
        Ok(self)
    }

    /// Sets the links of object `id` of `ty` (added before with [`Self::add`]).
    pub fn set_links(&mut self, ty: &ObjectType, id: &str, mut links: Links) -> Result<&mut Self> {
        for ids in links.values_mut() {
            ids.sort();
            ids.dedup();
        }
        links.retain(|_, ids| !ids.is_empty());
        let value = serde_json::to_value(&links)
            .map_err(|e| Error::new(ErrorKind::InvalidObject, format!("links of {id}: {e}")))?;
        let hash = ObjectHash::of(&canonical_bytes(&value));
        let entry = self
            .objects
            .get_mut(ty.name)
            .and_then(|es| es.iter_mut().find(|e| e.id == id))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!("{ty} {id} is not in snapshot {}", self.label),
                )
            })?;
        entry.links = (!links.is_empty()).then_some(hash);
        self.blobs.insert(hash, value);
        Ok(self)
    }

    /// Removes object `id` of `ty`, if present.
    pub fn remove(&mut self, ty: &ObjectType, id: &str) -> &mut Self {
        if let Some(es) = self.objects.get_mut(ty.name) {
            es.retain(|e| e.id != id);
        }
        self
    }

    /// Bodies and links lists read so far.
    pub fn reads(&self) -> usize {
        self.reads.get()
    }

    fn blob(&self, hash: &ObjectHash) -> Result<&Value> {
        self.reads.set(self.reads.get() + 1);
        self.blobs.get(hash).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("object {hash} is not in snapshot {}", self.label),
            )
        })
    }
}

impl Clone for MemorySnapshot {
    /// A copy with its own read counter (at zero): the usual way to build the
    /// "after" side from the "before" side in tests.
    fn clone(&self) -> Self {
        Self {
            label: self.label.clone(),
            objects: self.objects.clone(),
            blobs: self.blobs.clone(),
            reads: Cell::new(0),
        }
    }
}

impl MemorySnapshot {
    /// A copy under another label, with its read counter at zero.
    pub fn relabeled(&self, label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            ..self.clone()
        }
    }
}

impl Snapshot for MemorySnapshot {
    fn label(&self) -> String {
        self.label.clone()
    }
    fn entries(&self, ty: &str) -> &[ObjectEntry] {
        self.objects.get(ty).map(Vec::as_slice).unwrap_or_default()
    }
    fn read_body(&self, hash: &ObjectHash) -> Result<Value> {
        self.blob(hash).cloned()
    }
    fn read_links(&self, hash: &ObjectHash) -> Result<Links> {
        serde_json::from_value(self.blob(hash)?.clone()).map_err(|e| {
            Error::new(
                ErrorKind::Corrupt,
                format!("object {hash} is not a links list: {e}"),
            )
        })
    }
}

/// One id in a merge of two snapshots' entries of a type.
#[derive(Debug, Clone, Copy)]
pub enum Paired<'a> {
    /// Only in the first (earlier, or target) side.
    First(&'a ObjectEntry),
    /// Only in the second (later, or live) side.
    Second(&'a ObjectEntry),
    Both(&'a ObjectEntry, &'a ObjectEntry),
}

/// Walks two id-sorted entry lists together, each id once: the diff and the
/// restore planner both visit a type this way, in one pass, reading nothing.
pub fn pair_entries<'a>(
    first: &'a [ObjectEntry],
    second: &'a [ObjectEntry],
) -> impl Iterator<Item = Paired<'a>> + 'a {
    let (mut i, mut j) = (0, 0);
    std::iter::from_fn(move || {
        let next = match (first.get(i), second.get(j)) {
            (None, None) => return None,
            (Some(a), None) => Paired::First(a),
            (None, Some(b)) => Paired::Second(b),
            (Some(a), Some(b)) => match a.id.cmp(&b.id) {
                std::cmp::Ordering::Less => Paired::First(a),
                std::cmp::Ordering::Greater => Paired::Second(b),
                std::cmp::Ordering::Equal => Paired::Both(a, b),
            },
        };
        match next {
            Paired::First(_) => i += 1,
            Paired::Second(_) => j += 1,
            Paired::Both(..) => {
                i += 1;
                j += 1;
            }
        }
        Some(next)
    })
}
