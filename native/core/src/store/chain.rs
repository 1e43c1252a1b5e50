//! Tamper evidence. Every manifest names the tenant's previous manifest by id
//! and checksum (its `chain.previous`), so each tenant's snapshots form a hash
//! chain in the order they completed. Prune records each manifest it removes
//! in `chain/pruned.json` (id, checksum, link, time), so the chain stays
//! checkable across the gap. `verify` walks every tenant's chain and names a
//! snapshot that was changed, removed, reordered or inserted, and, given the
//! verify keys, every signature that does not hold.
//!
//! Without signatures the chain catches edits, deletions and insertions made
//! without re-writing every later manifest; a signature (Ed25519, key given
//! at export) is what stops someone who can write the store from re-writing
//! the chain: they can't sign.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::atomic;
use super::id::SnapshotId;
use super::keys::{SigCheck, Signature, StoreKeys};
use super::manifest::{self, Link};
use super::verify::{Problem, ProblemKind};
use crate::error::{Error, ErrorKind, Result};
use crate::normalize::{canonical_bytes, pretty_bytes};

/// A manifest prune removed, as the chain needs to remember it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PrunedRecord {
    pub id: SnapshotId,
    pub tenant_id: String,
    pub checksum: String,
    pub completed_at: DateTime<Utc>,
    /// The removed manifest's own link (None: it began the chain; absent
    /// field: it was written before chains).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<manifest::ChainInfo>,
    pub pruned_at: DateTime<Utc>,
    /// Signed by the signing key prune was given, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
}

impl PrunedRecord {
    fn signed_bytes(&self) -> Vec<u8> {
        let mut value = serde_json::to_value(self).expect("a prune record serializes");
        if let Value::Object(map) = &mut value {
            map.remove("signature");
        }
        let mut bytes = b"entrasnap pruned v1\n".to_vec();
        bytes.extend(canonical_bytes(&value));
        bytes
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct PrunedFile {
    format: u32,
    records: Vec<PrunedRecord>,
}

fn pruned_path(root: &Path) -> PathBuf {
    root.join("chain").join("pruned.json")
}

/// The prune records, oldest first (none when the file does not exist).
pub(crate) fn read_pruned(root: &Path) -> Result<Vec<PrunedRecord>> {
    let path = pruned_path(root);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("read", &path, e)),
    };
    let file: PrunedFile = serde_json::from_slice(&bytes).map_err(|e| {
        Error::new(
            ErrorKind::Corrupt,
            format!("prune records {} are unreadable: {e}", path.display()),
        )
    })?;
    Ok(file.records)
}

/// Records the manifests about to be removed (before they are: a prune killed
/// in between leaves a record of a manifest still present, which is harmless).
pub(crate) fn record_pruned(
    root: &Path,
    removing: &[manifest::Loaded],
    keys: &StoreKeys,
) -> Result<()> {
    if removing.is_empty() {
        return Ok(());
    }
    let mut records = read_pruned(root)?;
    let now = Utc::now();
    for loaded in removing {
        if records.iter().any(|r| r.id == loaded.file.id) {
            continue;
        }
        let mut record = PrunedRecord {
            id: loaded.file.id.clone(),
            tenant_id: loaded.file.tenant_id.clone(),
            checksum: loaded.file.checksum.clone(),
            completed_at: loaded.file.completed_at,
            chain: loaded.file.chain.clone(),
            pruned_at: now,
            signature: None,
        };
        record.signature = keys.sign(&record.signed_bytes());
        records.push(record);
    }
    atomic::ensure_dir(&root.join("chain"))?;
    let file = PrunedFile { format: 1, records };
    let value = serde_json::to_value(&file).expect("prune records serialize");
    atomic::write_atomic(&pruned_path(root), &pretty_bytes(&value))
}

/// The tenant's newest manifest, which the next one links to, and when it
/// completed (the next one completes no earlier, so chain order is time order).
pub(crate) fn head(
    root: &Path,
    tenant_id: &str,
    ids: &[SnapshotId],
) -> Option<(Link, DateTime<Utc>)> {
    ids.iter()
        .filter_map(|id| manifest::load(root, id).ok())
        .filter(|l| l.file.tenant_id == tenant_id)
        .max_by(|a, b| (a.file.completed_at, &a.file.id).cmp(&(b.file.completed_at, &b.file.id)))
        .map(|l| (l.link(), l.file.completed_at))
}

/// One link of a tenant's chain as verify sees it: a present manifest or a
/// prune record.
struct Node {
    id: SnapshotId,
    checksum: String,
    completed_at: DateTime<Utc>,
    chain: Option<manifest::ChainInfo>,
    present: bool,
    signed: Option<SigCheck>,
    signature_key: Option<String>,
}

/// What the chains say, beside the problems.
#[derive(Debug, Default)]
pub(crate) struct ChainReport {
    pub problems: Vec<Problem>,
    pub warnings: Vec<String>,
    pub signatures_checked: usize,
}

/// Walks every tenant's chain over the manifests `ids` (all of the store's)
/// and the prune records.
pub(crate) fn verify(root: &Path, ids: &[SnapshotId], keys: &StoreKeys) -> ChainReport {
    let mut report = ChainReport::default();
    let pruned = match read_pruned(root) {
        Ok(p) => p,
        Err(e) => {
            report.problems.push(problem(
                "store",
                ProblemKind::ChainBroken,
                format!("{e}; links through pruned snapshots cannot be checked"),
            ));
            Vec::new()
        }
    };
    let mut tenants: BTreeMap<String, Vec<Node>> = BTreeMap::new();
    let mut any_signed = false;
    for id in ids {
        // Unreadable manifests are reported by the object check; here they
        // are holes the chain shows as missing links.
        let Ok(loaded) = manifest::load(root, id) else {
            continue;
        };
        let signed = loaded.check_signature(keys);
        any_signed |= signed.is_some();
        tenants
            .entry(loaded.file.tenant_id.clone())
            .or_default()
            .push(Node {
                id: loaded.file.id.clone(),
                checksum: loaded.file.checksum.clone(),
                completed_at: loaded.file.completed_at,
                chain: loaded.file.chain.clone(),
                present: true,
                signed,
                signature_key: loaded.file.signature.as_ref().map(|s| s.key_id.clone()),
            });
    }
    for record in &pruned {
        let nodes = tenants.entry(record.tenant_id.clone()).or_default();
        if nodes.iter().any(|n| n.id == record.id) {
            continue; // a prune killed before it removed the manifest
        }
        let signed = record
            .signature
            .as_ref()
            .map(|s| keys.check(s, &record.signed_bytes()));
        any_signed |= signed.is_some();
        nodes.push(Node {
            id: record.id.clone(),
            checksum: record.checksum.clone(),
            completed_at: record.completed_at,
            chain: record.chain.clone(),
            present: false,
            signed,
            signature_key: record.signature.as_ref().map(|s| s.key_id.clone()),
        });
    }
    for (tenant, mut nodes) in tenants {
        nodes.sort_by(|a, b| (a.completed_at, &a.id).cmp(&(b.completed_at, &b.id)));
        tenant_chain(&tenant, &nodes, keys, &mut report);
    }
    if any_signed && !keys.verifies() {
        report.warnings.push(
            "snapshots in this store are signed, but no verify key was given: signatures were not checked (--verify-key FILE)".to_string(),
        );
    }
    report
}

fn tenant_chain(tenant: &str, nodes: &[Node], keys: &StoreKeys, report: &mut ChainReport) {
    let by_id: HashMap<&SnapshotId, &Node> = nodes.iter().map(|n| (&n.id, n)).collect();
    let mut followers: HashMap<&SnapshotId, Vec<&SnapshotId>> = HashMap::new();
    let mut legacy = 0;
    for (i, node) in nodes.iter().enumerate() {
        let before = i.checked_sub(1).map(|j| &nodes[j]);
        let name = describe(node);
        signature(node, &name, keys, report);
        let Some(chain) = &node.chain else {
            // Written before chains: fine before the first chained one only.
            legacy += 1;
            if let Some(b) = before.filter(|b| b.chain.is_some()) {
                report.problems.push(problem(
                    node.id.as_str(),
                    ProblemKind::ChainBroken,
                    format!(
                        "{name} has no chain link although it completed after snapshot {} (tenant {tenant}), which has one: it was inserted, or its link was removed",
                        b.id
                    ),
                ));
            }
            continue;
        };
        match (&chain.previous, before) {
            (None, None) => {}
            (None, Some(b)) => report.problems.push(problem(
                node.id.as_str(),
                ProblemKind::ChainBroken,
                format!(
                    "{name} starts a new chain although snapshot {} of tenant {tenant} completed before it: it was inserted, or its link was removed",
                    b.id
                ),
            )),
            (Some(link), _) => {
                followers.entry(&link.id).or_default().push(&node.id);
                match by_id.get(&link.id) {
                    None => report.problems.push(problem(
                        node.id.as_str(),
                        ProblemKind::ChainBroken,
                        format!(
                            "{name} follows snapshot {}, which is not in the store and was not pruned: a snapshot was removed",
                            link.id
                        ),
                    )),
                    Some(prev) if prev.checksum != link.checksum => {
                        report.problems.push(problem(
                            link.id.as_str(),
                            ProblemKind::ChainBroken,
                            format!(
                                "{} is not the one {name} follows: its checksum changed after it was chained (the snapshot was modified)",
                                describe(prev)
                            ),
                        ))
                    }
                    Some(prev) => {
                        if let Some(b) = before.filter(|b| b.id != prev.id) {
                            report.problems.push(problem(
                                node.id.as_str(),
                                ProblemKind::ChainReordered,
                                format!(
                                    "{name} follows snapshot {} in the chain, but snapshot {} completed between them: snapshots were reordered or one was inserted",
                                    prev.id, b.id
                                ),
                            ));
                        }
                    }
                }
            }
        }
    }
    for (prev, next) in followers {
        if next.len() > 1 {
            let names: Vec<String> = next.iter().map(|id| id.to_string()).collect();
            report.problems.push(problem(
                prev.as_str(),
                ProblemKind::ChainForked,
                format!(
                    "snapshots {} all follow snapshot {prev}: all but one were inserted",
                    names.join(", ")
                ),
            ));
        }
    }
    if legacy > 0 && nodes.iter().any(|n| n.chain.is_some()) {
        report.warnings.push(format!(
            "tenant {tenant}: {legacy} older snapshot(s) were written before manifest chains and are not chained"
        ));
    }
}

fn signature(node: &Node, name: &str, keys: &StoreKeys, report: &mut ChainReport) {
    if !keys.verifies() {
        return;
    }
    report.signatures_checked += 1;
    let id = node.id.as_str();
    match (&node.signed, &node.signature_key) {
        (Some(SigCheck::Valid), _) => {}
        (Some(SigCheck::Invalid), Some(key)) => report.problems.push(problem(
            id,
            ProblemKind::BadSignature,
            format!("{name}: the signature by key {key} does not match its content: it was modified after it was signed"),
        )),
        (Some(SigCheck::UnknownKey), Some(key)) => report.problems.push(problem(
            id,
            ProblemKind::BadSignature,
            format!("{name} is signed by key {key}, which is not among the verify keys given"),
        )),
        _ => report.problems.push(problem(
            id,
            ProblemKind::Unsigned,
            format!("{name} is not signed, and verify keys were given"),
        )),
    }
}

fn describe(node: &Node) -> String {
    if node.present {
        format!("snapshot {}", node.id)
    } else {
        format!("pruned snapshot {} (its prune record)", node.id)
    }
}

fn problem(snapshot: &str, kind: ProblemKind, message: String) -> Problem {
    Problem {
        snapshot: snapshot.to_string(),
        kind,
        type_name: None,
        object_id: None,
        object_name: None,
        hash: None,
        message,
    }
}
