//! Integrity checking: re-reads and re-hashes everything a snapshot refers to
//! and names each problem by snapshot, type and object, so an admin knows
//! exactly which backup of which policy cannot be trusted.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::Serialize;

use super::crypt::StoreCrypt;
use super::hash::ObjectHash;
use super::id::SnapshotId;
use super::manifest::{self, ObjectEntry};
use super::objects::{self, Check};
use crate::error::Result;

/// The outcome of [`super::SnapshotStore::verify`].
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    pub snapshots_checked: usize,
    /// Distinct object files read and re-hashed (shared ones count once).
    pub objects_checked: usize,
    /// Manifests and prune records whose signature was checked (0 without verify keys).
    pub signatures_checked: usize,
    pub problems: Vec<Problem>,
    /// What deserves attention but is not damage: a store others can read,
    /// signatures left unchecked, snapshots from before chains.
    pub warnings: Vec<String>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// One thing wrong in one snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub snapshot: String,
    pub kind: ProblemKind,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<ObjectHash>,
    /// One line naming the snapshot and the object.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ProblemKind {
    /// The manifest cannot be read or parsed.
    ManifestUnreadable,
    /// The manifest no longer matches its checksum.
    ManifestEdited,
    /// An index layer (the list of a type's entries) is missing or damaged.
    IndexDamaged,
    /// The number of entries differs from the manifest's count.
    CountMismatch,
    /// An object file is missing.
    ObjectMissing,
    /// An object file does not decompress or does not match its hash.
    ObjectCorrupt,
    /// A manifest's link to its predecessor does not hold: a snapshot was
    /// removed, modified or inserted.
    ChainBroken,
    /// The chain's order is not the order snapshots completed in.
    ChainReordered,
    /// Two snapshots follow the same one.
    ChainForked,
    /// A signature does not verify, or was made by a key not given.
    BadSignature,
    /// Verify keys were given and this is not signed.
    Unsigned,
}

struct Verifier<'a> {
    root: &'a Path,
    crypt: &'a StoreCrypt,
    /// Each distinct file is read once, whatever number of snapshots share it.
    checked: HashMap<ObjectHash, Option<Outcome>>,
    report: VerifyReport,
}

#[derive(Clone)]
enum Outcome {
    Missing,
    Corrupt(String),
}

pub(crate) fn verify(root: &Path, crypt: &StoreCrypt, ids: &[SnapshotId]) -> Result<VerifyReport> {
    let mut v = Verifier {
        root,
        crypt,
        checked: HashMap::new(),
        report: VerifyReport::default(),
    };
    for id in ids {
        v.snapshot(id);
    }
    v.report.objects_checked = v.checked.len();
    Ok(v.report)
}

impl Verifier<'_> {
    fn snapshot(&mut self, id: &SnapshotId) {
        self.report.snapshots_checked += 1;
        let loaded = match manifest::load(self.root, id) {
            Ok(l) => l,
            Err(e) => {
                self.problem(
                    id,
                    ProblemKind::ManifestUnreadable,
                    None,
                    None,
                    e.to_string(),
                );
                return;
            }
        };
        if !loaded.intact {
            self.problem(
                id,
                ProblemKind::ManifestEdited,
                None,
                None,
                format!("snapshot {id}: manifest was changed after the snapshot completed (checksum mismatch)"),
            );
        }
        for (ty, layers) in &loaded.file.index {
            let mut entries = Vec::new();
            let mut layers_ok = true;
            for layer_hash in layers {
                let outcome = self.check(layer_hash);
                match outcome.map(|o| describe(&o)) {
                    Some(what) => {
                        layers_ok = false;
                        self.problem(
                            id,
                            ProblemKind::IndexDamaged,
                            Some((ty, None)),
                            Some(*layer_hash),
                            format!("snapshot {id}: {ty}: the list of {ty} objects (index layer {}) {what}; its objects cannot be checked", layer_hash.short()),
                        );
                    }
                    None => match manifest::read_layer(self.root, self.crypt, layer_hash) {
                        Ok(layer) => entries = manifest::apply(std::mem::take(&mut entries), layer),
                        Err(e) => {
                            layers_ok = false;
                            self.problem(
                                id,
                                ProblemKind::IndexDamaged,
                                Some((ty, None)),
                                Some(*layer_hash),
                                format!("snapshot {id}: {ty}: {e}"),
                            );
                        }
                    },
                }
            }
            let expected = loaded.file.counts.get(ty).copied().unwrap_or_default();
            if layers_ok && entries.len() as u64 != expected {
                self.problem(
                    id,
                    ProblemKind::CountMismatch,
                    Some((ty, None)),
                    None,
                    format!(
                        "snapshot {id}: {ty}: manifest counts {expected} objects but lists {}",
                        entries.len()
                    ),
                );
            }
            for entry in &entries {
                self.entry(id, ty, entry);
            }
        }
    }

    fn entry(&mut self, id: &SnapshotId, ty: &str, entry: &ObjectEntry) {
        for (hash, what) in std::iter::once((entry.hash, "object"))
            .chain(entry.links.map(|h| (h, "links (members/owners/manager)")))
        {
            let Some(outcome) = self.check(&hash) else {
                continue;
            };
            let kind = match outcome {
                Outcome::Missing => ProblemKind::ObjectMissing,
                Outcome::Corrupt(_) => ProblemKind::ObjectCorrupt,
            };
            let message = format!(
                "snapshot {id}: {ty} '{}' ({}): {what} {} {}",
                entry.name,
                entry.id,
                hash.short(),
                describe(&outcome)
            );
            self.problem(id, kind, Some((ty, Some(entry))), Some(hash), message);
        }
    }

    /// `None` when the file is intact.
    fn check(&mut self, hash: &ObjectHash) -> Option<Outcome> {
        let (root, crypt) = (self.root, self.crypt);
        self.checked
            .entry(*hash)
            .or_insert_with(|| match objects::check(root, crypt, hash) {
                Check::Ok(_) => None,
                Check::Missing => Some(Outcome::Missing),
                Check::Corrupt(why) => Some(Outcome::Corrupt(why)),
                Check::Locked(e) => Some(Outcome::Corrupt(e.message().to_string())),
            })
            .clone()
    }

    fn problem(
        &mut self,
        id: &SnapshotId,
        kind: ProblemKind,
        object: Option<(&str, Option<&ObjectEntry>)>,
        hash: Option<ObjectHash>,
        message: String,
    ) {
        let (type_name, entry) = match object {
            Some((ty, entry)) => (Some(ty.to_string()), entry),
            None => (None, None),
        };
        self.report.problems.push(Problem {
            snapshot: id.to_string(),
            kind,
            type_name,
            object_id: entry.map(|e| e.id.clone()),
            object_name: entry.map(|e| e.name.clone()),
            hash,
            message,
        });
    }
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Missing => "is missing from the store".to_string(),
        Outcome::Corrupt(why) => format!("is damaged: {why}"),
    }
}
