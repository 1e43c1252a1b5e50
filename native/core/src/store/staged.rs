//! A snapshot read from the tenant but not yet stored: a restore's undo point
//! while the plan is shown. It reads like a stored snapshot (its new objects
//! from memory, the ones it shares with earlier snapshots from the store), and
//! becomes one only by [`StagedSnapshot::commit`]. Dropped uncommitted, it
//! leaves the store byte for byte as it was: what `--what-if` promises.

use std::collections::BTreeMap;

use chrono::{SubsecRound, Utc};
use serde_json::Value;

use super::ObjectHash;
use super::id::SnapshotId;
use super::manifest::{Links, Manifest, SnapshotSummary};
use super::objects;
use super::writer::SnapshotWriter;
use crate::error::{Error, ErrorKind, Result};

pub struct StagedSnapshot {
    writer: SnapshotWriter,
    manifest: Manifest,
}

impl StagedSnapshot {
    /// Freezes a staged writer's entries (nothing more may be put).
    pub(crate) fn new(writer: SnapshotWriter) -> StagedSnapshot {
        let objects = writer.take_entries();
        let counts: BTreeMap<String, u64> = objects
            .iter()
            .map(|(ty, e)| (ty.clone(), e.len() as u64))
            .collect();
        let summary = SnapshotSummary {
            id: writer.id().clone(),
            tenant_id: writer.tenant_id().to_string(),
            kind: writer.kind(),
            labels: Vec::new(),
            created_at: writer.created_at(),
            completed_at: Utc::now().trunc_subsecs(3),
            engine_version: env!("CARGO_PKG_VERSION").to_string(),
            types: writer.types().to_vec(),
            counts,
            recipients: writer.crypt().recipients().to_vec(),
            intact: true,
        };
        StagedSnapshot {
            writer,
            manifest: Manifest { summary, objects },
        }
    }

    /// The id it gets when committed.
    pub fn id(&self) -> &SnapshotId {
        self.manifest.id()
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// A normalized body or links list by hash: held in memory, else in the store.
    pub fn read_object(&self, hash: &ObjectHash) -> Result<Value> {
        let bytes = match self.writer.held(hash) {
            Some(b) => b,
            None => return objects::read_json(self.writer_root(), self.writer.crypt(), hash),
        };
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::new(
                ErrorKind::Corrupt,
                format!("staged object {hash} is not JSON: {e}"),
            )
        })
    }

    pub fn read_links(&self, hash: &ObjectHash) -> Result<Links> {
        serde_json::from_value(self.read_object(hash)?).map_err(|e| {
            Error::new(
                ErrorKind::Corrupt,
                format!("object {hash} is not a links list: {e}"),
            )
        })
    }

    /// Stores it (under the store lock): from now on it is listed.
    pub fn commit(self) -> Result<SnapshotId> {
        self.writer.commit_entries(self.manifest.objects)
    }

    fn writer_root(&self) -> &std::path::Path {
        self.writer.root()
    }
}

impl std::fmt::Debug for StagedSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StagedSnapshot")
            .field("id", self.id())
            .finish_non_exhaustive()
    }
}
