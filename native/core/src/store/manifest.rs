//! Snapshot manifests. A manifest (`snapshots/<id>.json`) is small: the
//! snapshot's header, per-type counts, and per type the list of index layers
//! that hold its object entries. Layers are content-addressed objects, so a
//! snapshot that differs from the previous one by 1% adds one small layer of
//! changes instead of a full copy of every entry. The manifest carries a
//! checksum over its own canonical content, so an edit after completion shows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::crypt::StoreCrypt;
use super::hash::ObjectHash;
use super::id::SnapshotId;
use super::keys::{SigCheck, Signature, StoreKeys};
use super::kind::SnapshotKind;
use super::objects;
use crate::error::{Error, ErrorKind, Result};
use crate::normalize::{Sorted, canonical_bytes, pretty_bytes};

/// The manifest format this engine writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// One object in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectEntry {
    pub id: String,
    /// Hash of the normalized body.
    pub hash: ObjectHash,
    /// `displayName`, else the natural key, else the id: for listings and messages.
    pub name: String,
    /// Volatile properties, kept outside the compared body.
    #[serde(default, skip_serializing_if = "Volatile::is_empty")]
    pub volatile: Volatile,
    /// Hash of the object's links (members, owners, manager) when it has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<ObjectHash>,
}

/// An entry's volatile properties (timestamps Graph changes on its own),
/// kept as the text of one JSON object with sorted keys: they are read only
/// when a body is rebuilt for an incremental export. A map per entry cost
/// about 700 bytes for each user on `large`, in every copy of the index; the
/// text costs its length.
#[derive(Debug, Clone, Default)]
pub struct Volatile(Option<Box<serde_json::value::RawValue>>);

impl Volatile {
    pub fn from_map(map: &Map<String, Value>) -> Volatile {
        if map.is_empty() {
            return Volatile(None);
        }
        // A `Map` is ordered by key, so equal properties give equal text.
        let text = serde_json::to_string(map).expect("a map serializes");
        Volatile(Some(
            serde_json::value::RawValue::from_string(text).expect("serialized JSON is JSON"),
        ))
    }

    pub fn to_map(&self) -> Map<String, Value> {
        self.0
            .as_ref()
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }
}

impl PartialEq for Volatile {
    fn eq(&self, other: &Volatile) -> bool {
        self.0.as_ref().map(|r| r.get()) == other.0.as_ref().map(|r| r.get())
    }
}

impl Serialize for Volatile {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        match &self.0 {
            Some(raw) => raw.serialize(serializer),
            None => Map::new().serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Volatile {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Volatile, D::Error> {
        use serde::de::Error as _;
        // Index layers are written with sorted keys and no spaces (see
        // `CanonicalLayer`), so the text is kept as read: equal properties
        // still give equal text.
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        if !text.starts_with('{') {
            return Err(D::Error::custom(format!(
                "volatile properties must be an object, not {text}"
            )));
        }
        if text == "{}" {
            return Ok(Volatile(None));
        }
        Ok(Volatile(Some(raw)))
    }
}

/// Links of one object by link name (`members`, `owners`, `manager`): sorted ids.
pub type Links = BTreeMap<String, Vec<String>>;

/// A snapshot as listed: the header without the object entries.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotSummary {
    pub id: SnapshotId,
    pub tenant_id: String,
    /// Why the snapshot exists; `latest` picks only exports.
    pub kind: SnapshotKind,
    /// Labels naming it (from the store's labels file, not the manifest).
    pub labels: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub completed_at: DateTime<Utc>,
    pub engine_version: String,
    pub types: Vec<String>,
    pub counts: BTreeMap<String, u64>,
    /// The `age1...` recipients its objects are encrypted to (empty: plaintext).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    /// False when the manifest no longer matches its checksum (edited after completion).
    pub intact: bool,
}

/// A complete snapshot with every object entry, per type sorted by id.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub summary: SnapshotSummary,
    pub objects: BTreeMap<String, Vec<ObjectEntry>>,
}

impl Manifest {
    pub fn id(&self) -> &SnapshotId {
        &self.summary.id
    }

    /// The entries of type `ty` (empty when the type was not exported).
    pub fn entries(&self, ty: &str) -> &[ObjectEntry] {
        self.objects.get(ty).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn find(&self, ty: &str, id: &str) -> Option<&ObjectEntry> {
        let entries = self.entries(ty);
        entries
            .binary_search_by(|e| e.id.as_str().cmp(id))
            .ok()
            .map(|i| &entries[i])
    }
}

/// The manifest as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ManifestFile {
    pub format: u32,
    pub id: SnapshotId,
    pub tenant_id: String,
    /// Absent in manifests written before kinds existed: those are exports.
    #[serde(default)]
    pub kind: SnapshotKind,
    pub created_at: DateTime<Utc>,
    pub completed_at: DateTime<Utc>,
    pub engine_version: String,
    /// Always true: a manifest is written only when its snapshot is complete.
    pub complete: bool,
    pub types: Vec<String>,
    pub counts: BTreeMap<String, u64>,
    /// Per type, the index layers to merge in order.
    pub index: BTreeMap<String, Vec<ObjectHash>>,
    /// The `age1...` recipients its object files are encrypted to (none:
    /// plaintext), so a changed recipient set shows in the manifests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,

    /// The link to the tenant's previous manifest (see chain.rs). Absent in
    /// manifests written before chains existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainInfo>,
    /// Ed25519 over the manifest without `checksum` and `signature`, when
    /// the snapshot was written with a signing key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
    #[serde(default)]
    pub checksum: String,
}

/// Where a manifest sits in its tenant's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChainInfo {
    /// The tenant's newest manifest when this one was written; None for the first.
    pub previous: Option<Link>,
}

/// A manifest named by id and checksum: changing it breaks the link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Link {
    pub id: SnapshotId,
    pub checksum: String,
}

impl ManifestFile {
    pub(crate) fn summary(&self, intact: bool) -> SnapshotSummary {
        SnapshotSummary {
            id: self.id.clone(),
            tenant_id: self.tenant_id.clone(),
            kind: self.kind,
            labels: Vec::new(),
            created_at: self.created_at,
            completed_at: self.completed_at,
            engine_version: self.engine_version.clone(),
            types: self.types.clone(),
            counts: self.counts.clone(),
            recipients: self.recipients.clone(),
            intact,
        }
    }

    /// Signs (when `keys` has a signing key), fills in the checksum and
    /// returns the manifest's bytes: pretty, since admins open manifests; the
    /// checksum and the signature ignore layout. The checksum covers the
    /// signature, so an engine that knows nothing of signatures still finds
    /// a signed manifest intact.
    pub(crate) fn seal(&mut self, keys: &StoreKeys) -> Vec<u8> {
        self.checksum.clear();
        self.signature = None;
        let mut value = serde_json::to_value(&*self).expect("a manifest serializes");
        if let Some(signature) = keys.sign(&signed_bytes(&value)) {
            value["signature"] = serde_json::to_value(&signature).expect("a signature serializes");
            self.signature = Some(signature);
        }
        self.checksum = checksum_of(&mut value);
        value["checksum"] = Value::String(self.checksum.clone());
        pretty_bytes(&value)
    }

    /// This manifest as its successor names it.
    pub(crate) fn link(&self) -> Link {
        Link {
            id: self.id.clone(),
            checksum: self.checksum.clone(),
        }
    }
}

/// BLAKE3 over the canonical manifest without its `checksum` field.
fn checksum_of(value: &mut Value) -> String {
    if let Value::Object(map) = value {
        map.remove("checksum");
    }
    blake3::hash(&canonical_bytes(value)).to_hex().to_string()
}

/// What a manifest's signature covers: a domain prefix (a signature over a
/// manifest can never pass for one over a prune record) and the canonical
/// manifest without `checksum` and `signature`.
fn signed_bytes(value: &Value) -> Vec<u8> {
    let mut value = value.clone();
    if let Value::Object(map) = &mut value {
        map.remove("checksum");
        map.remove("signature");
    }
    let mut bytes = b"entrasnap manifest v1\n".to_vec();
    bytes.extend(canonical_bytes(&value));
    bytes
}

/// Ids of the manifest files present (temp files and strangers skipped).
pub(crate) fn ids(root: &Path) -> Result<Vec<SnapshotId>> {
    let dir = root.join("snapshots");
    let entries = std::fs::read_dir(&dir).map_err(|e| Error::io("list", &dir, e))?;
    let mut ids = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("list", &dir, e))?;
        let name = entry.file_name();
        let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
            continue;
        };
        if let Ok(id) = SnapshotId::parse(stem) {
            ids.push(id);
        }
    }
    ids.sort();
    Ok(ids)
}

pub(crate) fn manifest_path(root: &Path, id: &SnapshotId) -> PathBuf {
    root.join("snapshots").join(format!("{id}.json"))
}

/// A manifest read from disk, and whether it still matches its checksum.
pub(crate) struct Loaded {
    pub file: ManifestFile,
    pub intact: bool,
    /// The manifest as read, fields this engine does not know included: a
    /// signature is checked against what was signed, not a re-serialization.
    raw: Value,
}

impl Loaded {
    /// Whether the signature (if any) holds for this manifest's content.
    pub(crate) fn check_signature(&self, keys: &StoreKeys) -> Option<SigCheck> {
        let signature = self.file.signature.as_ref()?;
        Some(keys.check(signature, &signed_bytes(&self.raw)))
    }

    /// This manifest as its successor names it: by the checksum it carries.
    pub(crate) fn link(&self) -> Link {
        self.file.link()
    }
}

pub(crate) fn load(root: &Path, id: &SnapshotId) -> Result<Loaded> {
    let path = manifest_path(root, id);
    let bytes = std::fs::read(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::new(
                ErrorKind::NotFound,
                format!("snapshot {id} not found in {}", root.display()),
            )
        } else {
            Error::io("read", &path, e)
        }
    })?;
    let unreadable = |why: String| {
        Error::new(
            ErrorKind::Corrupt,
            format!(
                "snapshot {id}: manifest {} is unreadable: {why}",
                path.display()
            ),
        )
    };
    let mut value: Value = serde_json::from_slice(&bytes).map_err(|e| unreadable(e.to_string()))?;
    let stored = value
        .get("checksum")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let file: ManifestFile =
        serde_json::from_value(value.clone()).map_err(|e| unreadable(e.to_string()))?;
    let raw = value.clone();
    if file.format > FORMAT_VERSION {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "snapshot {id} was written by a newer EntraSnapshot (manifest format {}, this one reads {FORMAT_VERSION})",
                file.format
            ),
        ));
    }
    if file.id != *id {
        return Err(unreadable(format!("it names snapshot {}", file.id)));
    }
    let intact = checksum_of(&mut value) == stored;
    Ok(Loaded { file, intact, raw })
}

/// One index layer: entries to add or replace, and ids to drop, relative to
/// the layers before it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Layer {
    #[serde(default)]
    pub upsert: Vec<ObjectEntry>,
    #[serde(default)]
    pub removed: Vec<String>,
}

impl Layer {
    /// The layer's canonical bytes (keys sorted at every level, as
    /// `canonical_bytes` writes them), written entry by entry: a `Value` of
    /// the whole layer (100,000 users on `large`) was an export's largest
    /// allocation.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&CanonicalLayer(self)).expect("a layer serializes")
    }
}

struct CanonicalLayer<'a>(&'a Layer);

impl Serialize for CanonicalLayer<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        // Sorted keys: "removed" comes before "upsert".
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("removed", &self.0.removed)?;
        map.serialize_entry("upsert", &CanonicalEntries(&self.0.upsert))?;
        map.end()
    }
}

struct CanonicalEntries<'a>(&'a [ObjectEntry]);

impl Serialize for CanonicalEntries<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for entry in self.0 {
            // One small entry at a time goes through a `Value` to get its keys sorted.
            let value = serde_json::to_value(entry).map_err(S::Error::custom)?;
            seq.serialize_element(&Sorted(&value))?;
        }
        seq.end()
    }
}

pub(crate) fn read_layer(root: &Path, crypt: &StoreCrypt, hash: &ObjectHash) -> Result<Layer> {
    // Straight from the bytes into entries: a `large` snapshot's user layer
    // holds 100,000 of them, and a `Value` in between costs as much again.
    let bytes = objects::read_bytes(root, crypt, hash)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Error::new(
            ErrorKind::Corrupt,
            format!("index layer {hash} is not a layer: {e}"),
        )
    })
}

/// A layer's entries in id order, the last of any repeated id kept (a layer
/// written by a delta replay may hold an id twice).
fn sorted_upserts(mut entries: Vec<ObjectEntry>) -> Vec<ObjectEntry> {
    if !entries.is_sorted_by(|a, b| a.id <= b.id) {
        // Stable, so of equal ids the later stays later.
        entries.sort_by(|a, b| a.id.cmp(&b.id));
    }
    entries.dedup_by(|later, earlier| {
        let same = later.id == earlier.id;
        if same {
            std::mem::swap(later, earlier);
        }
        same
    });
    entries
}

/// Applies `layer` on top of `entries` (both in id order): its removals,
/// then its entries, which replace those of the same id. A merge of two
/// sorted lists, not a map: on `large` a map of 100,000 users cost as much
/// as the entries themselves again.
pub(crate) fn apply(entries: Vec<ObjectEntry>, layer: Layer) -> Vec<ObjectEntry> {
    let mut removed = layer.removed;
    removed.sort();
    let upsert = sorted_upserts(layer.upsert);
    if entries.is_empty() {
        // The first layer: nothing to merge with (and no second copy of it).
        return upsert;
    }
    let mut merged = Vec::with_capacity(entries.len() + upsert.len());
    let mut new = upsert.into_iter().peekable();
    for old in entries {
        while new.peek().is_some_and(|n| n.id < old.id) {
            merged.extend(new.next());
        }
        if new.peek().is_some_and(|n| n.id == old.id) {
            merged.extend(new.next());
        } else if removed.binary_search(&old.id).is_err() {
            merged.push(old);
        }
    }
    merged.extend(new);
    merged
}

/// The entries of one type in id order: its layers merged.
pub(crate) fn resolve_sorted(
    root: &Path,
    crypt: &StoreCrypt,
    layers: &[ObjectHash],
) -> Result<Vec<ObjectEntry>> {
    let mut entries = Vec::new();
    for h in layers {
        entries = apply(entries, read_layer(root, crypt, h)?);
    }
    Ok(entries)
}

/// The full manifest: header plus every entry. Types are read side by side
/// (users and groups dominate, and each is one large layer to decompress and parse).
pub(crate) fn resolve_manifest(
    root: &Path,
    crypt: &StoreCrypt,
    loaded: Loaded,
) -> Result<Manifest> {
    let resolved: Vec<(String, Result<Vec<ObjectEntry>>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = loaded
            .file
            .index
            .iter()
            .map(|(ty, layers)| {
                (
                    ty.clone(),
                    scope.spawn(move || resolve_sorted(root, crypt, layers)),
                )
            })
            .collect();
        handles
            .into_iter()
            .map(|(ty, h)| {
                let result = h.join().unwrap_or_else(|_| {
                    Err(Error::new(ErrorKind::Corrupt, "reading the index panicked"))
                });
                (ty, result)
            })
            .collect()
    });
    let mut objects = BTreeMap::new();
    for (ty, entries) in resolved {
        let entries = entries.map_err(|e| {
            Error::new(
                e.kind(),
                format!("snapshot {}: {ty}: {}", loaded.file.id, e.message()),
            )
        })?;
        objects.insert(ty, entries);
    }
    Ok(Manifest {
        summary: loaded.file.summary(loaded.intact),
        objects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layer_streams_the_same_canonical_bytes_as_its_value() {
        let hash = ObjectHash::of(b"body");
        let entry = |id: &str, volatile: bool, links: bool| ObjectEntry {
            id: id.into(),
            hash,
            name: format!("Name of {id}"),
            volatile: if volatile {
                Volatile::from_map(
                    &serde_json::from_str(
                        r#"{"z": 1, "a": {"y": [2, {"b": 1, "a": 0}], "x": null}}"#,
                    )
                    .unwrap(),
                )
            } else {
                Volatile::default()
            },
            links: links.then_some(hash),
        };
        let layer = Layer {
            upsert: vec![
                entry("a", false, false),
                entry("b", true, true),
                entry("c", true, false),
            ],
            removed: vec!["d".into(), "e".into()],
        };
        // The bytes (so the hash) of every layer stores already hold.
        let old = canonical_bytes(&serde_json::to_value(&layer).unwrap());
        assert_eq!(
            String::from_utf8(layer.to_bytes()).unwrap(),
            String::from_utf8(old).unwrap()
        );
        let empty = Layer::default();
        assert_eq!(
            empty.to_bytes(),
            canonical_bytes(&serde_json::to_value(&empty).unwrap())
        );
    }

    fn file() -> ManifestFile {
        ManifestFile {
            format: FORMAT_VERSION,
            id: SnapshotId::parse("20261121T234700Z-7f3a9c").unwrap(),
            tenant_id: "t".into(),
            kind: SnapshotKind::Export,
            created_at: Utc::now(),
            completed_at: Utc::now(),
            engine_version: "0.1.0".into(),
            complete: true,
            types: vec!["user".into()],
            counts: BTreeMap::from([("user".into(), 0)]),
            index: BTreeMap::from([("user".into(), vec![])]),
            recipients: Vec::new(),
            chain: None,
            signature: None,
            checksum: String::new(),
        }
    }

    #[test]
    fn checksum_covers_the_content_but_not_itself() {
        let mut f = file();
        let bytes = f.seal(&StoreKeys::default());
        let mut v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(checksum_of(&mut v.clone()), f.checksum);
        v["counts"]["user"] = Value::from(1);
        assert_ne!(checksum_of(&mut v), f.checksum);
    }

    #[test]
    fn a_manifest_without_a_kind_is_an_export() {
        let mut f = file();
        f.kind = SnapshotKind::UndoPoint;
        let mut v: Value = serde_json::from_slice(&f.seal(&StoreKeys::default())).unwrap();
        assert_eq!(v["kind"], "undo-point");
        v.as_object_mut().unwrap().remove("kind");
        let old: ManifestFile = serde_json::from_value(v).unwrap();
        assert_eq!(old.kind, SnapshotKind::Export);
    }
}
