//! The records a difference report is made of. The CLI, the C ABI and the
//! PowerShell module all render these same records, so they are plain serde
//! data in camelCase, with names already resolved: no consumer has to look
//! anything up again.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::audit::{ActorSummary, Attribution};
use crate::registry::{ObjectType, SoftDelete};

/// What changed between two snapshots (or a snapshot and the live tenant).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The earlier side: a snapshot id (or a label such as `live`).
    pub from: String,
    pub to: String,
    /// Most severe first, then by type and name, so a reader starts with what matters.
    pub changes: Vec<Change>,
    /// Who made the changes, per actor, when the audit log was read (most changes first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actors: Vec<ActorSummary>,
}

impl Report {
    /// How many changes have each severity.
    pub fn counts(&self) -> BTreeMap<Severity, usize> {
        let mut out = BTreeMap::new();
        for c in &self.changes {
            *out.entry(c.severity).or_default() += 1;
        }
        out
    }

    /// Records on each removed object whether the recycle bin holds it:
    /// `bins` maps a type to the ids its recycle bin lists. A type that has no
    /// recycle bin deletes for good; a type missing from `bins` (its bin could
    /// not be read) stays unknown.
    pub fn mark_restorable(&mut self, bins: &BTreeMap<String, BTreeSet<String>>) {
        for c in &mut self.changes {
            if c.kind != ChangeKind::Removed {
                continue;
            }
            let soft = ObjectType::find(&c.object_type).map(|t| t.soft_delete);
            c.restorable = match (soft, bins.get(&c.object_type)) {
                (Some(SoftDelete::None), _) => Some(false),
                (_, Some(ids)) => Some(ids.contains(&c.object_id)),
                _ => None,
            };
        }
    }

    /// The most severe change's severity, if anything changed.
    pub fn max_severity(&self) -> Option<Severity> {
        self.changes.iter().map(|c| c.severity).max()
    }
}

/// One object that changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// Registry type name (`conditionalAccessPolicy`).
    pub object_type: String,
    pub object_id: String,
    /// Display name (the newer one when it was renamed).
    pub object_name: String,
    pub kind: ChangeKind,
    pub attributes: Vec<AttributeChange>,
    pub links: Vec<LinkChange>,
    pub severity: Severity,
    /// One line a person understands, with names rather than ids.
    pub reason: String,
    /// For a removed object compared against the live tenant: whether the
    /// recycle bin still holds it (`true`: restorable with its id) or it is
    /// gone for good. `None` when unknown (snapshot against snapshot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restorable: Option<bool>,
    /// Who made the change, from the audit log; absent when the log was not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<Attribution>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum ChangeKind {
    Added,
    /// Gone in the newer snapshot (deleted; whether it is still restorable from
    /// the recycle bin is only known against the live tenant).
    Removed,
    Modified,
    /// Deleted and created again: a new id with the same natural key.
    #[serde(rename_all = "camelCase")]
    Recreated {
        previous_id: String,
    },
}

/// Ordered so that `max()` is the most severe.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    #[default]
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses `info`..`critical`, case-insensitively (for `--severity-min`).
    pub fn parse(s: &str) -> Option<Severity> {
        [
            Severity::Info,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
        .into_iter()
        .find(|v| v.as_str().eq_ignore_ascii_case(s))
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One property that changed. Scalars and ordered arrays carry `old`/`new`;
/// set-valued arrays carry the members `added` and `removed` instead.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeChange {
    /// Dot path; an element of a keyed set array shows as `ipRanges[10.0.0.0/8]`.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<Value>,
    /// Id -> display name for every id in the values above; `(unknown id)`
    /// when neither snapshot nor the well-known table knows it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<String, String>,
}

impl AttributeChange {
    /// Whether this is a set-valued change (members added/removed).
    pub fn is_set(&self) -> bool {
        !self.added.is_empty() || !self.removed.is_empty()
    }
}

/// Members, owners or a manager added or removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkChange {
    /// `members`, `owners`, `manager`.
    pub link: String,
    pub added: Vec<NamedId>,
    pub removed: Vec<NamedId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedId {
    pub id: String,
    pub name: String,
}

/// The name given to an id nothing resolves.
pub const UNKNOWN_NAME: &str = "(unknown id)";
