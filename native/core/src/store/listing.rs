//! What a store holds, and which snapshot a reference means. One place for
//! the rules the command, the C ABI and the module all follow:
//!
//! - a reference is an id, `latest` or `label:NAME`;
//! - `latest` is the newest snapshot of kind `export`; compare-live and
//!   undo-point snapshots are listed but never picked by it;
//! - a snapshot that cannot be read (written by a newer engine, a damaged
//!   manifest) is listed as unreadable with the reason, and `latest` refuses
//!   to resolve past one that is newer than the newest export.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::id::SnapshotId;
use super::kind::SnapshotKind;
use super::labels::{self, LABEL_PREFIX};
use super::lock::StoreLock;
use super::manifest::{self, SnapshotSummary};
use super::{LocalStore, newest_first};
use crate::error::{Error, ErrorKind, Result};

/// A snapshot whose manifest is there but cannot be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Unreadable {
    pub id: SnapshotId,
    pub reason: String,
    /// Labels naming it.
    pub labels: Vec<String>,
}

/// Every snapshot in a store: the readable ones newest first (any kind,
/// labels filled in), and the ones that cannot be read, newest first.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Listing {
    pub snapshots: Vec<SnapshotSummary>,
    pub unreadable: Vec<Unreadable>,
}

impl Listing {
    /// One array for `list --json` and `snapshot.list`, newest first: each
    /// readable snapshot's summary with `"readable": true`, and each
    /// unreadable one as `{"id", "readable": false, "reason", "labels"}`.
    pub fn rows(&self) -> Vec<serde_json::Value> {
        let mut rows: Vec<(SnapshotId, serde_json::Value)> = Vec::new();
        for s in &self.snapshots {
            let mut v = serde_json::to_value(s).expect("a summary serializes");
            v["readable"] = true.into();
            rows.push((s.id.clone(), v));
        }
        for u in &self.unreadable {
            rows.push((
                u.id.clone(),
                serde_json::json!({
                    "id": u.id,
                    "readable": false,
                    "reason": u.reason,
                    "labels": u.labels,
                }),
            ));
        }
        // Ids begin with their creation time, so id order is time order.
        rows.sort_by(|a, b| b.0.cmp(&a.0));
        rows.into_iter().map(|(_, v)| v).collect()
    }
}

/// Fails naming the `types` snapshot `id` (which exported `held`) did not export.
pub fn require_types(id: &str, held: &[String], types: &[&str]) -> Result<()> {
    let missing: Vec<&str> = types
        .iter()
        .copied()
        .filter(|t| !held.iter().any(|h| h == t))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::NotFound,
        format!(
            "types matched nothing: snapshot {id} did not export {} (it holds {})",
            missing.join(", "),
            held.join(", ")
        ),
    ))
}

/// Whether `reference` is `latest` or `label:NAME` rather than an id.
pub(crate) fn is_symbolic(reference: &str) -> bool {
    reference.trim().eq_ignore_ascii_case("latest") || reference.starts_with(LABEL_PREFIX)
}

/// Parses an id; a bare label name gets a hint to write `label:NAME`.
pub(crate) fn parse_id(root: &Path, reference: &str) -> Result<SnapshotId> {
    SnapshotId::parse(reference).map_err(|e| {
        let is_label = labels::read(root)
            .map(|l| l.contains_key(reference))
            .unwrap_or(false);
        if is_label {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("'{reference}' is a label: write label:{reference}"),
            )
        } else {
            e
        }
    })
}

impl LocalStore {
    /// Every snapshot, readable or not (see [`Listing`]).
    pub fn list_all(&self) -> Result<Listing> {
        let by_snapshot = labels::by_snapshot(&labels::read(&self.root)?);
        let mut listing = Listing::default();
        for s in self.summaries()? {
            match s {
                Ok(mut s) => {
                    s.labels = by_snapshot.get(&s.id).cloned().unwrap_or_default();
                    listing.snapshots.push(s);
                }
                Err((id, e)) => listing.unreadable.push(Unreadable {
                    labels: by_snapshot.get(&id).cloned().unwrap_or_default(),
                    id,
                    reason: e.message().to_string(),
                }),
            }
        }
        listing.snapshots.sort_by(newest_first);
        listing.unreadable.sort_by(|a, b| b.id.cmp(&a.id));
        Ok(listing)
    }

    /// The snapshot `reference` means (an id, `latest` or `label:NAME`), its
    /// manifest read: call once at the start of a command and use the id after.
    pub fn resolve(&self, reference: &str) -> Result<SnapshotSummary> {
        let reference = reference.trim();
        if reference.eq_ignore_ascii_case("latest") {
            return self.latest();
        }
        let id = match reference.strip_prefix(LABEL_PREFIX) {
            Some(name) => self.label_target(name)?,
            None => parse_id(&self.root, reference)?,
        };
        let loaded = manifest::load(&self.root, &id).map_err(|e| {
            if e.kind() == ErrorKind::NotFound && reference.starts_with(LABEL_PREFIX) {
                Error::new(
                    ErrorKind::NotFound,
                    format!(
                        "{reference} names snapshot {id}, which is no longer in {}",
                        self.root.display()
                    ),
                )
            } else {
                e
            }
        })?;
        if !loaded.file.complete {
            return Err(Error::new(
                ErrorKind::Corrupt,
                format!("snapshot {id}: manifest is not marked complete"),
            ));
        }
        let mut summary = loaded.file.summary(loaded.intact);
        summary.labels = self.labels_of(&id)?;
        Ok(summary)
    }

    /// The newest export, unless a snapshot newer than it cannot be read.
    fn latest(&self) -> Result<SnapshotSummary> {
        let listing = self.list_all()?;
        let export = listing
            .snapshots
            .into_iter()
            .find(|s| s.kind == SnapshotKind::Export);
        let newer = listing
            .unreadable
            .iter()
            .find(|u| export.as_ref().is_none_or(|e| u.id > e.id));
        if let Some(u) = newer {
            return Err(Error::new(
                ErrorKind::Corrupt,
                format!(
                    "latest: snapshot {} is newer than {} and cannot be read ({}); give a snapshot id to use an older one",
                    u.id,
                    export
                        .as_ref()
                        .map_or("any readable export".to_string(), |e| format!(
                            "the newest readable export {}",
                            e.id
                        )),
                    u.reason
                ),
            ));
        }
        export.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!(
                    "latest: no complete export snapshot in {} (compare-live and undo-point snapshots are never latest)",
                    self.root.display()
                ),
            )
        })
    }

    /// The snapshot label `name` is on.
    fn label_target(&self, name: &str) -> Result<SnapshotId> {
        let all = labels::read(&self.root)?;
        all.get(name).cloned().ok_or_else(|| {
            let known = if all.is_empty() {
                "it has no labels".to_string()
            } else {
                format!(
                    "its labels: {}",
                    all.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            };
            Error::new(
                ErrorKind::NotFound,
                format!(
                    "no label '{name}' in store {} ({known})",
                    self.root.display()
                ),
            )
        })
    }

    /// The labels on snapshot `id`, sorted.
    pub(crate) fn labels_of(&self, id: &SnapshotId) -> Result<Vec<String>> {
        Ok(labels::by_snapshot(&labels::read(&self.root)?)
            .remove(id)
            .unwrap_or_default())
    }

    /// The ids a prune with `policy` would keep (see [`super::KeepPolicy`]):
    /// for a what-if that shows exactly what the real run does.
    pub fn prune_keeps(
        &self,
        policy: &super::KeepPolicy,
    ) -> Result<std::collections::BTreeSet<SnapshotId>> {
        let labelled = labels::read(&self.root)?.into_values().collect();
        Ok(super::prune::kept(
            policy,
            &self.list_all()?.snapshots,
            &labelled,
        ))
    }

    /// Every label and the snapshot it names.
    pub fn labels(&self) -> Result<BTreeMap<String, SnapshotId>> {
        labels::read(&self.root)
    }

    /// Puts label `name` on the snapshot `reference` means (under the store
    /// lock). A label already on another snapshot is an error naming it;
    /// already on this one, nothing changes. Returns the labelled snapshot.
    pub fn add_label(&self, reference: &str, name: &str) -> Result<SnapshotSummary> {
        labels::check_label(name)?;
        let target = self.resolve(reference)?;
        let _lock = StoreLock::acquire(&self.root)?;
        let mut all = labels::read(&self.root)?;
        match all.get(name) {
            Some(id) if *id == target.id => {}
            Some(other) => {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!(
                        "label '{name}' is already on snapshot {other}; remove it first to move it to {}",
                        target.id
                    ),
                ));
            }
            None => {
                all.insert(name.to_string(), target.id.clone());
                labels::write(&self.root, all)?;
            }
        }
        self.resolve(target.id.as_str())
    }

    /// Removes label `name` (under the store lock); when `reference` is given
    /// the label must be on that snapshot. Returns the snapshot it was on.
    pub fn remove_label(&self, reference: Option<&str>, name: &str) -> Result<SnapshotId> {
        let expected = reference.map(|r| self.resolve_id(r)).transpose()?;
        let _lock = StoreLock::acquire(&self.root)?;
        let mut all = labels::read(&self.root)?;
        let Some(on) = all.get(name).cloned() else {
            return Err(self.label_target(name).unwrap_err());
        };
        if let Some(expected) = expected
            && expected != on
        {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("label '{name}' is on snapshot {on}, not on {expected}"),
            ));
        }
        all.remove(name);
        labels::write(&self.root, all)?;
        Ok(on)
    }
}
