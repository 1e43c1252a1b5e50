//! A whole restore, as the CLI, the C ABI and the module run it: snapshot the
//! tenant as it is now (the live side of the plan, and the undo point), read
//! the recycle bins, plan, check the break-glass guard and the token's
//! permissions, execute with a journal, then read the tenant back and plan
//! again: whatever a second plan would still write is residue.
//!
//! Two halves, so a person sees the plan before anything is written:
//! [`prepare`] writes nothing, neither to the tenant nor to the store (the
//! undo point is only staged, and the filters are checked: a name that
//! matches nothing fails); [`apply`] stores the undo point, then writes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Utc};
use entrasnap_core::diff::{Overlay, Snapshot, StoredSnapshot};
use entrasnap_core::restore::{
    ActorScope, Plan, PlanOptions, Reverted, Step, StepCounts, StepOutcome, check_against_snapshot,
    check_ids_against_live, plan, revert_actor,
};
use entrasnap_core::store::{JournalHeader, SnapshotKind, StagedSnapshot};
use entrasnap_core::{LocalStore, ObjectType};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::{
    ExecuteEvent, PermissionCheck, RestoreError, check_permissions, execute, read_deleted,
};
use crate::GraphClient;
use crate::audit::{AuditSettings, read_window};
use crate::export::{ExportOptions, ProgressEvent, export_staged};

/// What to restore to.
#[derive(Debug, Clone)]
pub enum RestoreTarget {
    /// A known-good snapshot: an id or `latest`.
    Snapshot(String),
    /// An earlier restore, undone: back to the snapshot taken just before it,
    /// for exactly the objects and attributes it touched.
    Undo(String),
    /// Exactly what one actor changed since a time (from the audit log), back
    /// to a snapshot taken before it (the newest export before `since` when
    /// none is named); everything else stays as it is.
    Actor {
        scope: ActorScope,
        snapshot: Option<String>,
        audit: AuditSettings,
    },
}

/// What to restore.
#[derive(Debug, Clone)]
pub struct RestoreRequest {
    pub target: RestoreTarget,
    /// The filters and safety options. For an undo, the filters come from the
    /// undone restore; the break-glass accounts given here are protected on
    /// top of its own, and the override and report-only staging apply.
    pub options: PlanOptions,
}

/// What is going on, for progress bars and logs.
#[derive(Debug, Clone)]
pub enum RestoreEvent {
    /// A stage begins (`Taking the pre-restore snapshot`...).
    Stage(String),
    /// Progress of an export (before writing, and reading back).
    Export(ProgressEvent),
    /// A step finished.
    Step(ExecuteEvent),
}

/// Receives restore events; shared with the export and executor tasks.
pub type RestoreSink = Arc<dyn Fn(RestoreEvent) + Send + Sync>;

/// A plan ready to apply, and what it was made from.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Prepared {
    /// The snapshot restored to (resolved: an id, never `latest` or a label).
    pub target: String,
    /// The id of the tenant's state read just now: the plan's live side and
    /// the undo point. Stored (kind `undo-point`) only when [`apply`] runs.
    pub pre_restore: String,
    pub plan: Plan,
    pub permissions: PermissionCheck,
    /// The restore this one undoes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undo_of: Option<String>,
    /// Earlier runs to the same snapshot that were interrupted; the objects they
    /// re-created are used instead of being created again.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resumes: Vec<String>,
    /// For a restore of one actor's changes: what is undone, and the target's
    /// edits over the tenant as it was read (rebuilt over the undo point to read back).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<Reverted>,
    /// The staged undo point, until [`apply`] commits it.
    #[serde(skip)]
    undo_point: Arc<Mutex<Option<StagedSnapshot>>>,
}

/// What reading the tenant back found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// No residue: a second plan would write nothing.
    pub clean: bool,
    /// What a second plan would still write.
    pub residue: Vec<Step>,
}

/// The outcome of an applied restore.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestoreOutcome {
    pub restore_id: String,
    pub snapshot: String,
    pub pre_restore: String,
    pub counts: StepCounts,
    pub outcomes: Vec<StepOutcome>,
    /// Snapshot ids (and appIds) of re-created objects -> their new values.
    pub id_map: BTreeMap<String, String>,
    pub verification: Verification,
    pub requests: u64,
    pub elapsed_ms: u64,
}

/// Snapshots the tenant, reads its recycle bins and plans. Writes nothing to
/// the tenant (the pre-restore snapshot goes into the store).
pub async fn prepare(
    client: &GraphClient,
    store: &LocalStore,
    request: &RestoreRequest,
    sink: &RestoreSink,
    cancel: &CancellationToken,
) -> Result<Prepared, RestoreError> {
    if let RestoreTarget::Actor {
        scope,
        snapshot,
        audit,
    } = &request.target
    {
        return prepare_actor(
            client,
            store,
            request,
            scope,
            snapshot.as_deref(),
            audit,
            sink,
            cancel,
        )
        .await;
    }
    // The target is resolved once: every later step uses this id.
    let (target, mut options, undo_of) = match &request.target {
        RestoreTarget::Actor { .. } => unreachable!("handled above"),
        RestoreTarget::Undo(id) => undo_request(store, id, &request.options)?,
        RestoreTarget::Snapshot(snapshot) => (
            store
                .resolve(snapshot)
                .map_err(RestoreError::Store)?
                .id
                .to_string(),
            request.options.clone(),
            None,
        ),
    };
    // Checked before anything is read, so a typo costs no export.
    scope_types(&options)?;
    let known_good = StoredSnapshot::open(store, &target).map_err(RestoreError::Store)?;
    let held = known_good.manifest().summary.types.clone();
    // The filters come from the person only when not undoing (an undo's are the journal's).
    let unmatched_ids = match &request.target {
        RestoreTarget::Snapshot(_) => {
            check_against_snapshot(&known_good, &held, &options).map_err(RestoreError::Filter)?
        }
        RestoreTarget::Undo(_) | RestoreTarget::Actor { .. } => Vec::new(),
    };

    // Objects earlier runs to the same snapshot already re-created: a run
    // killed (no final line) or stopped (Ctrl+C, failed steps) is completed by
    // running it again, and must update those objects, not create them twice.
    // Newest first, so the latest re-creation of an object wins.
    let mut resumes = Vec::new();
    for summary in store.journals().map_err(RestoreError::Store)? {
        if summary.snapshot != target {
            continue;
        }
        let journal = store
            .read_journal(&summary.restore_id)
            .map_err(RestoreError::Store)?;
        let ids = journal.id_map();
        if ids.is_empty() {
            continue;
        }
        for (old, new) in ids {
            options.id_map.entry(old).or_insert(new);
        }
        let incomplete = summary
            .finished
            .as_ref()
            .is_none_or(|f| f.counts.failed > 0 || f.counts.skipped > 0);
        if incomplete {
            resumes.push(summary.restore_id);
        }
    }

    sink(RestoreEvent::Stage(
        "Reading the tenant before restoring (the undo point)".into(),
    ));
    let (live, plan) = plan_now(client, store, &known_good, &options, sink, cancel, |live| {
        check_ids_against_live(&unmatched_ids, &known_good, &held, live, &options)
            .map_err(RestoreError::Filter)
    })
    .await?;
    let permissions = check_permissions(client.token_source().as_ref(), &plan.permissions).await;
    Ok(Prepared {
        target,
        pre_restore: live.id().to_string(),
        plan,
        permissions,
        undo_of,
        resumes,
        actor: None,
        undo_point: Arc::new(Mutex::new(Some(live))),
    })
}

/// The newest export of the store completed at or before `at`.
fn export_before(store: &LocalStore, at: DateTime<Utc>) -> Result<String, RestoreError> {
    let listing = store.list_all().map_err(RestoreError::Store)?;
    listing
        .snapshots
        .iter()
        .filter(|s| s.kind == SnapshotKind::Export && s.completed_at <= at)
        .max_by_key(|s| s.completed_at)
        .map(|s| s.id.to_string())
        .ok_or_else(|| {
            RestoreError::Invalid(format!(
                "no export in the store was completed before {}: there is no state from before the actor's changes to go back to",
                entrasnap_core::audit::stamp(at)
            ))
        })
}

/// [`prepare`] for one actor's changes: read the tenant, the audit log since
/// the baseline, work out what the actor changed, and plan only that back.
#[allow(clippy::too_many_arguments)]
async fn prepare_actor(
    client: &GraphClient,
    store: &LocalStore,
    request: &RestoreRequest,
    scope: &ActorScope,
    snapshot: Option<&str>,
    audit: &AuditSettings,
    sink: &RestoreSink,
    cancel: &CancellationToken,
) -> Result<Prepared, RestoreError> {
    let target = match snapshot {
        Some(s) => store
            .resolve(s)
            .map_err(RestoreError::Store)?
            .id
            .to_string(),
        None => export_before(store, scope.since)?,
    };
    let baseline = StoredSnapshot::open(store, &target).map_err(RestoreError::Store)?;
    sink(RestoreEvent::Stage(
        "Reading the tenant before restoring (the undo point)".into(),
    ));
    let live = read_now(client, store, sink, cancel).await?;
    sink(RestoreEvent::Stage("Reading the audit log".into()));
    let window = read_window(
        client,
        baseline.manifest().summary.created_at,
        Utc::now(),
        audit,
    )
    .await;
    let reverted = revert_actor(
        &baseline,
        baseline.manifest().summary.created_at,
        &live,
        &window,
        scope,
    )
    .map_err(RestoreError::Filter)?;
    let mut options = request.options.clone();
    options.types = reverted.types.iter().cloned().collect();
    options.ids = reverted.ids.clone();
    options.attributes = Vec::new();
    options.delete_added = reverted.delete_added;
    sink(RestoreEvent::Stage("Reading the recycle bins".into()));
    let deleted = read_deleted(client, &scope_types(&options)?).await?;
    let wanted =
        Overlay::new(&live, target.clone(), &reverted.edits).map_err(RestoreError::Plan)?;
    let plan = plan(&wanted, &live, &deleted, &options).map_err(RestoreError::Plan)?;
    let permissions = check_permissions(client.token_source().as_ref(), &plan.permissions).await;
    Ok(Prepared {
        target,
        pre_restore: live.id().to_string(),
        plan,
        permissions,
        undo_of: None,
        resumes: Vec::new(),
        actor: Some(reverted),
        undo_point: Arc::new(Mutex::new(Some(live))),
    })
}

/// Writes the plan, journalled step by step, then reads the tenant back.
pub async fn apply(
    client: &GraphClient,
    store: &LocalStore,
    prepared: &Prepared,
    sink: &RestoreSink,
    cancel: &CancellationToken,
) -> Result<RestoreOutcome, RestoreError> {
    let started = Instant::now();
    let requests_before = client.stats().requests;
    let plan = &prepared.plan;
    if !plan.is_allowed() {
        return Err(RestoreError::Refused {
            findings: plan.guard.findings.clone(),
        });
    }
    if let PermissionCheck::Checked { missing, .. } = &prepared.permissions
        && !missing.is_empty()
    {
        return Err(RestoreError::PermissionDenied {
            missing: missing.clone(),
        });
    }

    // The undo point is stored before the first write, and only then.
    let staged = prepared
        .undo_point
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    if let Some(staged) = staged {
        staged.commit().map_err(RestoreError::Store)?;
    }
    let header = JournalHeader::new(plan, Some(prepared.pre_restore.clone()));
    let mut journal = store
        .begin_journal(&header)
        .map_err(RestoreError::Journal)?;
    let restore_id = journal.restore_id().to_string();
    sink(RestoreEvent::Stage(format!(
        "Restoring ({} steps, journal {restore_id})",
        plan.steps.len()
    )));
    let step_sink = {
        let sink = sink.clone();
        move |e: ExecuteEvent| sink(RestoreEvent::Step(e))
    };
    let report = execute(client, plan, &mut journal, &step_sink, cancel).await?;
    if report.cancelled {
        return Err(RestoreError::Cancelled);
    }

    sink(RestoreEvent::Stage(
        "Reading the tenant back to verify".into(),
    ));
    let mut options = plan.options.clone();
    options.id_map.extend(report.id_map.clone());
    // The read-back is planned against and dropped, never stored: it is not an export.
    let second = match &prepared.actor {
        // One actor's restore reads back against the same target it planned
        // to: the undo point (stored by now) with that actor's changes undone.
        Some(reverted) => {
            let base =
                StoredSnapshot::open(store, &prepared.pre_restore).map_err(RestoreError::Store)?;
            let wanted = Overlay::new(&base, prepared.target.clone(), &reverted.edits)
                .map_err(RestoreError::Plan)?;
            plan_now(client, store, &wanted, &options, sink, cancel, |_| Ok(()))
                .await?
                .1
        }
        // The tenant is read before the known-good snapshot is opened, so
        // two indexes of the tenant are held at once, not three (a restore
        // of 5,000 users on `large`).
        None => {
            let now = read_now(client, store, sink, cancel).await?;
            let known_good =
                StoredSnapshot::open(store, &prepared.target).map_err(RestoreError::Store)?;
            plan_with_bins(client, &known_good, &now, &options, sink).await?
        }
    };

    Ok(RestoreOutcome {
        restore_id,
        snapshot: prepared.target.clone(),
        pre_restore: prepared.pre_restore.clone(),
        counts: report.counts,
        outcomes: report.outcomes,
        id_map: report.id_map,
        verification: Verification {
            clean: second.steps.is_empty(),
            residue: second.steps,
        },
        requests: client.stats().requests - requests_before,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

/// The registry types the options name (all when none).
fn scope_types(options: &PlanOptions) -> Result<Vec<&'static ObjectType>, RestoreError> {
    if options.types.is_empty() {
        return Ok(ObjectType::all().iter().collect());
    }
    options
        .types
        .iter()
        .map(|name| {
            ObjectType::find(name)
                .ok_or_else(|| RestoreError::Invalid(format!("unknown object type '{name}'")))
        })
        .collect()
}

/// Reads the tenant as it is now (staged, not stored) and plans from it
/// (with its recycle bins) to `target`: the plan before writing, and the
/// read-back after it, whose leftover steps are the residue. `check` looks at
/// the live side before planning. Returns the staged live side too.
async fn plan_now(
    client: &GraphClient,
    store: &LocalStore,
    target: &dyn Snapshot,
    options: &PlanOptions,
    sink: &RestoreSink,
    cancel: &CancellationToken,
    check: impl FnOnce(&StagedSnapshot) -> Result<(), RestoreError>,
) -> Result<(StagedSnapshot, Plan), RestoreError> {
    let now = read_now(client, store, sink, cancel).await?;
    check(&now)?;
    let plan = plan_with_bins(client, target, &now, options, sink).await?;
    Ok((now, plan))
}

/// Reads the recycle bins of the types in scope and plans from `now` to `target`.
async fn plan_with_bins(
    client: &GraphClient,
    target: &dyn Snapshot,
    now: &StagedSnapshot,
    options: &PlanOptions,
    sink: &RestoreSink,
) -> Result<Plan, RestoreError> {
    sink(RestoreEvent::Stage("Reading the recycle bins".into()));
    let deleted = read_deleted(client, &scope_types(options)?).await?;
    plan(target, now, &deleted, options).map_err(RestoreError::Plan)
}

/// Reads the whole tenant (incrementally) into a staged undo-point snapshot.
async fn read_now(
    client: &GraphClient,
    store: &LocalStore,
    sink: &RestoreSink,
    cancel: &CancellationToken,
) -> Result<StagedSnapshot, RestoreError> {
    let options = ExportOptions {
        types: Vec::new(),
        full: false,
        kind: SnapshotKind::UndoPoint,
        only_if_changed: false,
    };
    let export_sink = {
        let sink = sink.clone();
        move |e: ProgressEvent| sink(RestoreEvent::Export(e))
    };
    let (staged, _) = export_staged(client, store, &options, &export_sink, cancel)
        .await
        .map_err(RestoreError::Export)?;
    Ok(staged)
}

/// An undo as a restore: back to the journal's pre-restore snapshot, for the
/// objects it touched (and the objects it re-created, which did not exist then
/// and are deleted), with the attributes it was limited to.
fn undo_request(
    store: &LocalStore,
    restore_id: &str,
    given: &PlanOptions,
) -> Result<(String, PlanOptions, Option<String>), RestoreError> {
    let journal = store
        .read_journal(restore_id)
        .map_err(RestoreError::Store)?;
    let header = &journal.header;
    let Some(pre) = header.pre_restore.clone() else {
        return Err(RestoreError::Invalid(format!(
            "restore {restore_id} has no pre-restore snapshot to go back to"
        )));
    };
    let done = journal.completed();
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let mut types: BTreeSet<String> = BTreeSet::new();
    for step in header.plan.steps.iter().filter(|s| done.contains(&s.seq)) {
        ids.insert(step.object_id.clone());
        types.insert(step.object_type.clone());
    }
    ids.extend(journal.id_map().into_values());
    if ids.is_empty() {
        return Err(RestoreError::Invalid(format!(
            "restore {restore_id} wrote nothing; there is nothing to undo"
        )));
    }
    let original = &header.plan.options;
    let mut break_glass = original.break_glass.clone();
    for b in &given.break_glass {
        if !break_glass.contains(b) {
            break_glass.push(b.clone());
        }
    }
    let options = PlanOptions {
        types: types.into_iter().collect(),
        ids,
        attributes: original.attributes.clone(),
        delete_added: true,
        break_glass,
        override_break_glass: given.override_break_glass,
        report_only: given.report_only,
        id_map: BTreeMap::new(),
    };
    Ok((pre, options, Some(restore_id.to_string())))
}
