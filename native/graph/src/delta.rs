//! Delta queries: one round pages to a `@odata.deltaLink`; the next round,
//! started from that link, returns only what changed since.

use std::collections::HashMap;

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
}

impl GraphClient {
    /// Run one delta round from a delta URL (`/users/delta?$select=...`) or a stored delta link.
    pub async fn delta(&self, url_or_delta_link: &str) -> Result<DeltaOutcome, DeltaError> {
        self.delta_request(Request::get(url_or_delta_link)).await
    }

    /// As [`delta`](Self::delta), with headers (e.g. `Prefer: return=minimal`) sent on every page.
    pub async fn delta_request(&self, request: Request) -> Result<DeltaOutcome, DeltaError> {
        let mut pager = self.pages(request);
        let mut merge = Merge::default();
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
                merge.add(entry);
            }
            if let Some(link) = page.delta_link {
                let (objects, removed) = merge.finish();
                return Ok(DeltaOutcome {
                    objects,
                    removed,
                    delta_link: link,
                    pages: pager.pages(),
                });
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
            let reason = match removed.get("reason").and_then(Value::as_str) {
                Some("changed") => RemovalReason::Changed,
                Some("deleted") => RemovalReason::Deleted,
                other => RemovalReason::Other(other.unwrap_or("").to_string()),
            };
            self.objects.remove(&id);
            self.removed.insert(id, reason);
            return;
        }
        self.removed.remove(&id);
        let merged = self.objects.entry(id).or_default();
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
