//! Delta queries: one round pages to a `@odata.deltaLink`; the next round,
//! started from that link, returns only what changed since.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Mutex;

use serde_json::{Map, Value};

use crate::client::GraphClient;
use crate::error::{Error, ErrorKind};
use crate::request::Request;

/// What one delta round returned.
#[derive(Debug, Clone, Default)]
pub struct DeltaOutcome {
    /// Changed (or, in an initial round, all) objects, one per id, in first-seen order.
    pub objects: Vec<Value>,
    /// Objects reported gone (`@removed`).
    pub removed: Vec<Removal>,
    /// Where the next round starts.
    pub delta_link: String,
    pub pages: usize,
}

/// An object a delta round reported removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    pub id: String,
    pub reason: RemovalReason,
}

/// Why an object left.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RemovalReason {
    /// Soft-deleted: restorable from deleted items for 30 days.
    Changed,
    /// Hard-deleted: gone for good.
    Deleted,
    /// A reason Graph may add later.
    Other(String),
}

/// Why a delta round failed.
#[derive(Debug, thiserror::Error)]
pub enum DeltaError {
    /// The delta token expired (410 Gone or `syncStateNotFound`): do a full sync.
    #[error("the delta token has expired: a full sync is needed")]
    Expired,
    #[error(transparent)]
    Graph(#[from] Error),
    /// The round's objects could not be kept on disk ([`GraphClient::delta_spilled`]).
    #[error("cannot keep a delta round's objects on disk: {0}")]
    Spill(#[from] std::io::Error),
}

impl GraphClient {
    /// Run one delta round from a delta URL (`/users/delta?$select=...`) or a stored delta link.
    pub async fn delta(&self, url_or_delta_link: &str) -> Result<DeltaOutcome, DeltaError> {
        self.delta_request(Request::get(url_or_delta_link)).await
    }

    /// As [`delta`](Self::delta), with headers (e.g. `Prefer: return=minimal`) sent on every page.
    pub async fn delta_request(&self, request: Request) -> Result<DeltaOutcome, DeltaError> {
        let mut merge = Merge::default();
        let (delta_link, pages) = self
            .read_round(request, |entry| {
                merge.add(entry);
                Ok(())
            })
            .await?;
        let (objects, removed) = merge.finish();
        Ok(DeltaOutcome {
            objects,
            removed,
            delta_link,
            pages,
        })
    }

    /// Reads a delta round's pages up to its `@odata.deltaLink`, handing
    /// every entry to `add` in order; returns the link and the page count.
    async fn read_round(
        &self,
        request: Request,
        mut add: impl FnMut(Value) -> Result<(), DeltaError>,
    ) -> Result<(String, usize), DeltaError> {
        let mut pager = self.pages(request);
        let expired = |e: Error| match e.kind() {
            ErrorKind::SyncStateNotFound => DeltaError::Expired,
            _ => DeltaError::Graph(e),
        };
        loop {
            let page = pager.next_page().await.map_err(expired)?;
            let Some(page) = page else {
                return Err(DeltaError::Graph(Error::new(ErrorKind::InvalidResponse {
                    message: "a delta round ended without @odata.deltaLink".into(),
                })));
            };
            for entry in page.values {
                add(entry)?;
            }
            if let Some(link) = page.delta_link {
                return Ok((link, pager.pages()));
            }
        }
    }
}

/// A delta round whose objects wait on disk, not in memory: an initial round
/// of a big tenant is every object (100,000 users as `serde_json` values take
/// well over a gigabyte), so each merged object is kept as its JSON text in
/// an unlinked file beside the store and read back one at a time.
pub struct SpilledOutcome {
    pub objects: SpilledObjects,
    pub removed: Vec<Removal>,
    pub delta_link: String,
    pub pages: usize,
}

/// The merged objects of a [`SpilledOutcome`], in first-seen order.
pub struct SpilledObjects {
    file: Mutex<File>,
    at: Vec<(u64, u32)>,
    without_id: Vec<Value>,
}

impl SpilledObjects {
    pub fn len(&self) -> usize {
        self.at.len() + self.without_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`th object, read back from disk.
    pub fn get(&self, i: usize) -> std::io::Result<Value> {
        match self.at.get(i) {
            Some(&(offset, len)) => {
                let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
                read_at(&mut file, offset, len)
            }
            None => Ok(self.without_id[i - self.at.len()].clone()),
        }
    }
}

fn read_at(file: &mut File, offset: u64, len: u32) -> std::io::Result<Value> {
    let mut bytes = vec![0; len as usize];
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(&mut bytes)?;
    serde_json::from_slice(&bytes).map_err(std::io::Error::other)
}

impl GraphClient {
    /// As [`delta`](Self::delta), keeping the round's objects in a temporary
    /// file in `dir` (unlinked, so nothing is left behind) instead of memory.
    pub async fn delta_spilled(
        &self,
        url_or_delta_link: &str,
        dir: &Path,
    ) -> Result<SpilledOutcome, DeltaError> {
        let io = |e: std::io::Error| {
            DeltaError::Spill(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", dir.display()),
            ))
        };
        let mut merge = Spill::new(tempfile::tempfile_in(dir).map_err(io)?);
        let (delta_link, pages) = self
            .read_round(Request::get(url_or_delta_link), |entry| {
                merge.add(entry).map_err(io)
            })
            .await?;
        let (objects, removed) = merge.finish().map_err(io)?;
        Ok(SpilledOutcome {
            objects,
            removed,
            delta_link,
            pages,
        })
    }
}

/// [`Merge`]'s rules, with each id's merged state on disk. A repeat (a big
/// group's next members, a replay) reads the state back, merges and appends
/// the result; the older copy is dead space until the file goes.
struct Spill {
    out: BufWriter<File>,
    end: u64,
    order: Vec<String>,
    at: HashMap<String, (u64, u32)>,
    removed: HashMap<String, RemovalReason>,
    without_id: Vec<Value>,
}

impl Spill {
    fn new(file: File) -> Spill {
        Spill {
            out: BufWriter::with_capacity(1 << 20, file),
            end: 0,
            order: Vec::new(),
            at: HashMap::new(),
            removed: HashMap::new(),
            without_id: Vec::new(),
        }
    }

    fn add(&mut self, entry: Value) -> std::io::Result<()> {
        let Value::Object(mut entry) = entry else {
            self.without_id.push(entry);
            return Ok(());
        };
        let Some(id) = entry.get("id").and_then(Value::as_str).map(str::to_string) else {
            self.without_id.push(Value::Object(entry));
            return Ok(());
        };
        if !self.at.contains_key(&id) && !self.removed.contains_key(&id) {
            self.order.push(id.clone());
        }
        if let Some(removed) = entry.remove("@removed") {
            self.at.remove(&id);
            self.removed.insert(id, removal_reason(&removed));
            return Ok(());
        }
        self.removed.remove(&id);
        let merged = match self.at.get(&id) {
            Some(&(offset, len)) => {
                self.out.flush()?;
                let Value::Object(mut merged) = read_at(self.out.get_mut(), offset, len)? else {
                    unreachable!("only objects are spilled");
                };
                self.out.seek(SeekFrom::Start(self.end))?;
                merge_into(&mut merged, entry);
                merged
            }
            None => entry,
        };
        let bytes = serde_json::to_vec(&merged).map_err(std::io::Error::other)?;
        let len = u32::try_from(bytes.len()).map_err(std::io::Error::other)?;
        self.out.write_all(&bytes)?;
        self.at.insert(id, (self.end, len));
        self.end += u64::from(len);
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<(SpilledObjects, Vec<Removal>)> {
        self.out.flush()?;
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        let mut at = Vec::with_capacity(self.at.len());
        let mut removed = Vec::new();
        for id in self.order {
            if let Some(loc) = self.at.remove(&id) {
                at.push(loc);
            } else if let Some(reason) = self.removed.remove(&id) {
                removed.push(Removal { id, reason });
            }
        }
        Ok((
            SpilledObjects {
                file: Mutex::new(file),
                at,
                without_id: self.without_id,
            },
            removed,
        ))
    }
}

fn removal_reason(removed: &Value) -> RemovalReason {
    match removed.get("reason").and_then(Value::as_str) {
        Some("changed") => RemovalReason::Changed,
        Some("deleted") => RemovalReason::Deleted,
        other => RemovalReason::Other(other.unwrap_or("").to_string()),
    }
}

/// Later properties win; `@delta` link lists add up.
fn merge_into(merged: &mut Map<String, Value>, entry: Map<String, Value>) {
    for (key, value) in entry {
        match (merged.get_mut(&key), value) {
            (Some(Value::Array(have)), Value::Array(more)) if key.ends_with("@delta") => {
                have.extend(more);
            }
            (_, value) => {
                merged.insert(key, value);
            }
        }
    }
}

/// Folds a round's entries into one state per id. Graph repeats an object
/// across pages when its links (`members@delta`) do not fit in one entry, and
/// may replay entries: later properties win, `@delta` link lists add up, and
/// whichever of "changed" or "removed" comes last decides.
#[derive(Default)]
pub(crate) struct Merge {
    order: Vec<String>,
    objects: HashMap<String, Map<String, Value>>,
    removed: HashMap<String, RemovalReason>,
    without_id: Vec<Value>,
}

impl Merge {
    pub fn add(&mut self, entry: Value) {
        let Value::Object(mut entry) = entry else {
            self.without_id.push(entry);
            return;
        };
        let Some(id) = entry.get("id").and_then(Value::as_str).map(str::to_string) else {
            self.without_id.push(Value::Object(entry));
            return;
        };
        if !self.objects.contains_key(&id) && !self.removed.contains_key(&id) {
            self.order.push(id.clone());
        }
        if let Some(removed) = entry.remove("@removed") {
            self.objects.remove(&id);
            self.removed.insert(id, removal_reason(&removed));
            return;
        }
        self.removed.remove(&id);
        merge_into(self.objects.entry(id).or_default(), entry);
    }

    pub fn finish(mut self) -> (Vec<Value>, Vec<Removal>) {
        let mut objects = Vec::new();
        let mut removed = Vec::new();
        for id in self.order {
            if let Some(o) = self.objects.remove(&id) {
                objects.push(Value::Object(o));
            } else if let Some(reason) = self.removed.remove(&id) {
                removed.push(Removal { id, reason });
            }
        }
        objects.extend(self.without_id);
        (objects, removed)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The spilled round folds entries exactly as the in-memory one.
    #[test]
    fn a_spilled_round_merges_as_the_in_memory_one() {
        let entries = [
            json!({"id":"g1","displayName":"Sales","members@delta":[{"id":"u1"}]}),
            json!({"id":"a","@removed":{"reason":"changed"}}),
            json!({"id":"u9","displayName":"Ann"}),
            json!({"id":"g1","members@delta":[{"id":"u3","@removed":{"reason":"deleted"}}]}),
            json!({"id":"c","displayName":"C"}),
            json!({"id":"c","@removed":{"reason":"deleted"}}),
            json!({"id":"a","displayName":"A back"}),
            json!({"id":"g1","displayName":"Sales EU","owners@delta":[{"id":"u5"}]}),
            json!({"noId":true}),
        ];
        let mut memory = Merge::default();
        let dir = tempfile::tempdir().unwrap();
        let mut disk = Spill::new(tempfile::tempfile_in(dir.path()).unwrap());
        for e in &entries {
            memory.add(e.clone());
            disk.add(e.clone()).unwrap();
        }
        let (objects, removed) = memory.finish();
        let (spilled, spilled_removed) = disk.finish().unwrap();
        let read: Vec<Value> = (0..spilled.len())
            .map(|i| spilled.get(i).unwrap())
            .collect();
        assert_eq!(read, objects);
        assert_eq!(spilled_removed, removed);
        if cfg!(unix) {
            // Unlinked at once; Windows deletes it when it is closed.
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        }
    }

    #[test]
    fn a_repeated_group_has_its_links_concatenated() {
        let mut m = Merge::default();
        m.add(json!({"id":"g1","displayName":"Sales","members@delta":[{"id":"u1"},{"id":"u2"}]}));
        m.add(json!({"id":"u9","displayName":"Ann"}));
        m.add(json!({"id":"g1","members@delta":[{"id":"u3","@removed":{"reason":"deleted"}}],"owners@delta":[{"id":"u4"}]}));
        m.add(json!({"id":"g1","owners@delta":[{"id":"u5"}]}));
        let (objects, removed) = m.finish();
        assert!(removed.is_empty());
        assert_eq!(
            objects,
            vec![
                json!({"id":"g1","displayName":"Sales",
                       "members@delta":[{"id":"u1"},{"id":"u2"},{"id":"u3","@removed":{"reason":"deleted"}}],
                       "owners@delta":[{"id":"u4"},{"id":"u5"}]}),
                json!({"id":"u9","displayName":"Ann"}),
            ]
        );
    }

    #[test]
    fn removals_are_reported_with_their_reason_and_the_last_word_wins() {
        let mut m = Merge::default();
        m.add(json!({"id":"a","@removed":{"reason":"changed"}}));
        m.add(json!({"id":"b","@removed":{"reason":"deleted"}}));
        m.add(json!({"id":"c","displayName":"C"}));
        m.add(json!({"id":"c","@removed":{"reason":"changed"}}));
        m.add(json!({"id":"b","displayName":"B back"}));
        let (objects, removed) = m.finish();
        assert_eq!(objects, vec![json!({"id":"b","displayName":"B back"})]);
        assert_eq!(
            removed,
            vec![
                Removal {
                    id: "a".into(),
                    reason: RemovalReason::Changed
                },
                Removal {
                    id: "c".into(),
                    reason: RemovalReason::Changed
                },
            ]
        );
    }
}
