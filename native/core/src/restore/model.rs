//! The records a restore is made of: the options a planner takes, the plan it
//! builds (an ordered list of Graph writes, each explained), and what the
//! executor writes to the journal. The CLI, the C ABI and the module all show
//! these same records, so they are plain serde data in camelCase.
//!
//! The planner (`plan.rs`) is pure: snapshot + live state + options -> Plan.
//! The executor (entrasnap-graph) only sends each step's `method path body`,
//! replacing ids of objects it re-created (see [`Step::request`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diff::NamedId;

/// What to restore, and how carefully.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanOptions {
    /// Registry type names to restore; empty means every type.
    #[serde(default)]
    pub types: Vec<String>,
    /// Object ids (as in the snapshot) to restore; empty means every object.
    #[serde(default)]
    pub ids: BTreeSet<String>,
    /// Attributes to restore: top-level property names, dot paths into them
    /// (`conditions.users.excludeGroups`), or link names (`members`, `owners`,
    /// `manager`). Empty means every attribute and link. Given attributes,
    /// only existing objects are changed: nothing is created or brought back.
    #[serde(default)]
    pub attributes: Vec<String>,
    /// Delete objects created after the snapshot (off unless asked for).
    #[serde(default)]
    pub delete_added: bool,
    /// Break-glass users or groups named by the user (ids or user principal names).
    #[serde(default)]
    pub break_glass: Vec<String>,
    /// Write even when the break-glass guard objects.
    #[serde(default)]
    pub override_break_glass: bool,
    /// Conditional Access policies the plan writes land as report-only
    /// (`enabledForReportingButNotEnforced`) instead of enabled.
    #[serde(default)]
    pub report_only: bool,
    /// Ids of objects an earlier, interrupted run of this restore already
    /// re-created: snapshot id -> new id (and old appId -> new appId). From the
    /// journal, so a re-run updates them instead of creating duplicates.
    #[serde(default)]
    pub id_map: BTreeMap<String, String>,
}

/// Objects in the live tenant's recycle bins, normalized like snapshot bodies:
/// type name -> id -> body. Present here means restorable with the same id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeletedItems(pub BTreeMap<String, BTreeMap<String, Value>>);

impl DeletedItems {
    pub fn get(&self, ty: &str, id: &str) -> Option<&Value> {
        self.0.get(ty)?.get(id)
    }
    pub fn insert(&mut self, ty: &str, id: String, body: Value) {
        self.0.entry(ty.to_string()).or_default().insert(id, body);
    }
}

/// An ordered list of writes that brings the live tenant back to the snapshot
/// (within the options' filters).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// The known-good snapshot the plan restores to.
    pub snapshot: String,
    /// The live state it was planned against (the pre-restore snapshot's id).
    pub live: String,
    pub options: PlanOptions,
    /// In execution order: what is referenced before what references it.
    pub steps: Vec<Step>,
    /// What the plan cannot do and a person must know (secrets that cannot be
    /// brought back, certificates to remove by hand, objects skipped).
    pub notes: Vec<Note>,
    pub guard: Guard,
    /// Graph permissions the token needs for these steps.
    pub permissions: Vec<String>,
}

impl Plan {
    /// Whether the executor may run this plan (the guard does not refuse it).
    pub fn is_allowed(&self) -> bool {
        !self.guard.refused
    }
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// One write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// 1-based position in the plan; the journal records outcomes by it.
    pub seq: u32,
    pub kind: StepKind,
    /// Registry type name of the object written.
    pub object_type: String,
    /// The object's id in the snapshot (a re-created object gets a new one).
    pub object_id: String,
    pub object_name: String,
    /// One line a person understands: `state: disabled -> enabled`,
    /// `add member Lee Gu`, `revoke secret "backdoor" (keyId 1f2e...)`.
    pub summary: String,
    /// Steps that must succeed first (the creation or return of what this one references).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<u32>,
    pub request: StepRequest,
}

/// What kind of write a step is; decides how the executor treats Graph's
/// "already so" answers, which makes re-running a half-done plan safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StepKind {
    /// PATCH attributes back to the snapshot's values.
    Update,
    /// Properties written through an action (`updateAllowedCombinations`).
    UpdateAction,
    /// POST .../deletedItems/{id}/restore: back with the same id.
    RestoreDeleted,
    /// POST a hard-deleted object again; it gets a new id (see `new_ids`).
    Create,
    /// POST .../{link}/$ref (a 400 "already exists" means done).
    AddLink,
    /// DELETE .../{link}/{id}/$ref (a 404 means done).
    RemoveLink,
    /// PUT users/{id}/manager/$ref.
    SetManager,
    /// DELETE users/{id}/manager/$ref.
    RemoveManager,
    /// POST .../removePassword: a credential added since the snapshot.
    RevokeCredential,
    /// DELETE an object created after the snapshot (only with `deleteAdded`).
    Delete,
}

/// The HTTP request of a step, relative to the Graph base URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepRequest {
    /// `GET`, `POST`, `PATCH`, `PUT`, `DELETE`.
    pub method: String,
    /// `v1.0` or `beta`.
    pub version: String,
    /// Path under the version root: `identity/conditionalAccess/policies/{id}`.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// For `Create`: properties of the created object that replace the
    /// snapshot's values in every later step (`id`, and `appId` for
    /// applications): snapshot value -> property name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub new_ids: BTreeMap<String, String>,
}

/// Something the plan cannot do, or chose not to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub object_type: String,
    pub object_id: String,
    pub object_name: String,
    pub message: String,
}

/// The break-glass guard's view of the plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Guard {
    /// The accounts and groups protected, and why (`given`, or `inferred:
    /// excluded from every enabled policy in the snapshot`).
    pub break_glass: Vec<BreakGlass>,
    /// Each way the plan would put a break-glass account inside a blocking,
    /// MFA or compliance policy that excludes it today.
    pub findings: Vec<String>,
    /// True when there are findings and no override: the plan must not run.
    pub refused: bool,
    pub overridden: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BreakGlass {
    #[serde(flatten)]
    pub principal: NamedId,
    /// `user` or `group`.
    pub object_type: String,
    pub source: String,
}

/// The outcome of one step, as the executor records it in the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepOutcome {
    pub seq: u32,
    pub status: StepStatus,
    /// For `Create`: snapshot value -> the created object's value (ids, appIds).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub new_ids: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// How many steps came out each way: the journal's last line, the
/// executor's report and a restore's outcome all count this way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepCounts {
    pub done: u32,
    pub already: u32,
    pub failed: u32,
    pub skipped: u32,
}

impl StepCounts {
    /// Counts of `outcomes` by status.
    pub fn of<'a>(outcomes: impl IntoIterator<Item = &'a StepOutcome>) -> StepCounts {
        let mut c = StepCounts::default();
        for o in outcomes {
            match o.status {
                StepStatus::Done => c.done += 1,
                StepStatus::Already => c.already += 1,
                StepStatus::Failed => c.failed += 1,
                StepStatus::Skipped => c.skipped += 1,
            }
        }
        c
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StepStatus {
    /// Written now.
    Done,
    /// Graph said it was already so (member already present, secret already gone).
    Already,
    Failed,
    /// Not attempted: a step it depends on failed, or the run was cancelled.
    Skipped,
}
