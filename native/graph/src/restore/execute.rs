//! The executor: sends a plan's steps in order and records each outcome.
//!
//! - A plan the break-glass guard refused is not started.
//! - Each request names the objects re-created earlier in the run (or in an
//!   earlier, interrupted run: `plan.options.id_map`) by their new ids.
//! - Graph's "already so" answers count as success ([`verdict`](super::verdict)),
//!   so a half-done plan can be run again.
//! - A failed step skips the steps that depend on it, directly or not; the
//!   rest go on. Cancelling skips what is left; the journal stays complete.
//! - Runs of independent attribute and link writes on directory objects go in
//!   `$batch` envelopes of 20 (one attribute restored on 5,000 users is about
//!   250 HTTP requests). Conditional Access writes never do: the client paces
//!   them one at a time (1 request per 1.1 s).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use entrasnap_core::ObjectType;
use entrasnap_core::registry::ThrottleClass;
use entrasnap_core::restore::{Plan, Step, StepCounts, StepKind, StepOutcome, StepStatus};
use entrasnap_core::store::JournalFinish;
use reqwest::Method;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::RestoreError;
use super::ids::IdMap;
use super::journal::StepJournal;
use super::verdict::{Verdict, has_credential, judge};
use crate::batch::BatchRequest;
use crate::client::GraphClient;
use crate::request::Request;
use crate::throttle::is_conditional_access;

/// Batched steps sent per round: five envelopes of 20 in flight together,
/// while progress and cancellation stay responsive.
const BATCH_ROUND: usize = 100;

/// One step has finished (or was skipped).
#[derive(Debug, Clone, PartialEq)]
pub struct ExecuteEvent {
    pub seq: u32,
    /// Steps finished so far, this one included.
    pub finished: usize,
    /// Steps in the plan.
    pub total: usize,
    pub kind: StepKind,
    pub object_type: String,
    pub object_name: String,
    pub summary: String,
    pub status: StepStatus,
    pub error: Option<String>,
}

/// Receives progress events, one per step, in plan order.
pub type ExecuteSink = dyn Fn(ExecuteEvent) + Send + Sync;

/// What a run did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecuteReport {
    /// One per step, in plan order.
    pub outcomes: Vec<StepOutcome>,
    pub counts: StepCounts,
    /// Snapshot value -> new value of every object re-created, this run's and
    /// the plan's given ones: what a re-run needs (`PlanOptions::id_map`).
    pub id_map: BTreeMap<String, String>,
    /// HTTP requests sent (a `$batch` envelope is one; retries count).
    pub requests: u64,
    pub cancelled: bool,
    pub elapsed_ms: u64,
}

/// Runs `plan` against the tenant behind `client`, recording each outcome in
/// `journal` before reporting it to `progress`. Fails as a whole only when the
/// guard refused the plan (before any request) or the journal cannot be
/// written (the run stops there, so no write goes unrecorded).
pub async fn execute(
    client: &GraphClient,
    plan: &Plan,
    journal: &mut dyn StepJournal,
    progress: &ExecuteSink,
    cancel: &CancellationToken,
) -> Result<ExecuteReport, RestoreError> {
    if !plan.is_allowed() {
        return Err(RestoreError::Refused {
            findings: plan.guard.findings.clone(),
        });
    }
    let started = Instant::now();
    let requests_before = client.stats().requests;
    let mut run = Run {
        client,
        plan,
        journal,
        progress,
        ids: IdMap(plan.options.id_map.clone()),
        index: plan
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| (s.seq, i))
            .collect(),
        status: HashMap::new(),
        outcomes: Vec::with_capacity(plan.steps.len()),
    };
    let steps = &plan.steps;
    let mut cancelled = false;
    let mut i = 0;
    while i < steps.len() {
        if cancel.is_cancelled() {
            cancelled = true;
            for step in &steps[i..] {
                run.finish(step, skipped("the restore was cancelled"))?;
            }
            break;
        }
        let step = &steps[i];
        if let Some(reason) = run.blocked(step, i) {
            run.finish(step, skipped(&reason))?;
            i += 1;
            continue;
        }
        if run.batchable(step) {
            let end = run.batch_end(i);
            run.send_batch(&steps[i..end]).await?;
            i = end;
            continue;
        }
        let outcome = run.send_one(step).await;
        run.finish(step, outcome)?;
        i += 1;
    }
    let finish = JournalFinish::from_outcomes(&run.outcomes);
    run.journal.finish(&finish).map_err(RestoreError::Journal)?;
    Ok(ExecuteReport {
        counts: finish.counts,
        id_map: run.ids.0,
        outcomes: run.outcomes,
        requests: client.stats().requests.saturating_sub(requests_before),
        cancelled,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

/// How one step came out, before it is recorded.
struct Settled {
    status: StepStatus,
    new_ids: BTreeMap<String, String>,
    error: Option<String>,
}

fn skipped(reason: &str) -> Settled {
    Settled {
        status: StepStatus::Skipped,
        new_ids: BTreeMap::new(),
        error: Some(reason.to_string()),
    }
}

fn failed(message: String) -> Settled {
    Settled {
        status: StepStatus::Failed,
        new_ids: BTreeMap::new(),
        error: Some(message),
    }
}

fn status_only(status: StepStatus) -> Settled {
    Settled {
        status,
        new_ids: BTreeMap::new(),
        error: None,
    }
}

struct Run<'a> {
    client: &'a GraphClient,
    plan: &'a Plan,
    journal: &'a mut dyn StepJournal,
    progress: &'a ExecuteSink,
    ids: IdMap,
    /// seq -> position in the plan.
    index: HashMap<u32, usize>,
    status: HashMap<u32, StepStatus>,
    outcomes: Vec<StepOutcome>,
}

impl Run<'_> {
    /// Records a step's outcome (durably), then reports it.
    fn finish(&mut self, step: &Step, result: Settled) -> Result<(), RestoreError> {
        let outcome = StepOutcome {
            seq: step.seq,
            status: result.status,
            new_ids: result.new_ids,
            error: result.error,
        };
        self.journal
            .record(&outcome)
            .map_err(RestoreError::Journal)?;
        if matches!(outcome.status, StepStatus::Done | StepStatus::Already) {
            self.ids.extend(&outcome.new_ids);
        }
        self.status.insert(step.seq, outcome.status);
        (self.progress)(ExecuteEvent {
            seq: step.seq,
            finished: self.outcomes.len() + 1,
            total: self.plan.steps.len(),
            kind: step.kind,
            object_type: step.object_type.clone(),
            object_name: step.object_name.clone(),
            summary: step.summary.clone(),
            status: outcome.status,
            error: outcome.error.clone(),
        });
        self.outcomes.push(outcome);
        Ok(())
    }

    /// Why `step` (at `position`) cannot run: a step it depends on failed or
    /// was skipped (so transitively too), or comes later in the plan. A
    /// dependency outside the plan was done by an earlier run.
    fn blocked(&self, step: &Step, position: usize) -> Option<String> {
        step.depends_on
            .iter()
            .find_map(|dep| match self.status.get(dep) {
                Some(StepStatus::Failed) => Some(format!("step {dep}, which it needs, failed")),
                Some(StepStatus::Skipped) => {
                    Some(format!("step {dep}, which it needs, was skipped"))
                }
                Some(_) => None,
                None => self
                    .index
                    .get(dep)
                    .filter(|&&at| at >= position)
                    .map(|_| format!("it needs step {dep}, which comes later in the plan")),
            })
    }

    /// Attribute and link writes on directory objects, in the client's API version.
    fn batchable(&self, step: &Step) -> bool {
        matches!(
            step.kind,
            StepKind::Update | StepKind::AddLink | StepKind::RemoveLink
        ) && ObjectType::find(&step.object_type)
            .is_some_and(|t| t.throttle == ThrottleClass::Directory)
            && step.request.version == self.client.api_version()
            && !is_conditional_access(&step.request.path)
    }

    /// End (exclusive) of the run of batchable steps from `start` that may go
    /// together: none depends on another in the run, none is blocked, and no
    /// write repeats (two PATCHes of one object, or the same link twice, must
    /// keep their order; `$batch` answers in any order).
    fn batch_end(&self, start: usize) -> usize {
        let steps = &self.plan.steps;
        let mut seqs = BTreeSet::new();
        let mut writes = BTreeSet::new();
        let mut end = start;
        while end < steps.len() && end - start < BATCH_ROUND {
            let step = &steps[end];
            let independent = !step.depends_on.iter().any(|d| seqs.contains(d));
            if !self.batchable(step)
                || !independent
                || writes.contains(&write_key(step))
                || self.blocked(step, end).is_some()
            {
                break;
            }
            seqs.insert(step.seq);
            writes.insert(write_key(step));
            end += 1;
        }
        end.max(start + 1)
    }

    /// An `@odata.id` for a relative reference (`directoryObjects/{id}`).
    fn absolute(&self, relative: &str) -> String {
        self.client
            .resolve(&format!("/v1.0/{relative}"))
            .map(|t| t.url.to_string())
            .unwrap_or_else(|_| relative.to_string())
    }

    fn body(&self, step: &Step) -> Option<Value> {
        step.request
            .body
            .as_ref()
            .map(|b| self.ids.body(b, &|rel| self.absolute(rel)))
    }

    async fn send_batch(&mut self, steps: &[Step]) -> Result<(), RestoreError> {
        let mut requests = Vec::with_capacity(steps.len());
        for step in steps {
            let Ok(method) = Method::from_bytes(step.request.method.as_bytes()) else {
                // Cannot happen for a batchable step from the planner; keep order anyway.
                return self.send_each(steps).await;
            };
            let mut r =
                BatchRequest::new(method, format!("/{}", self.ids.path(&step.request.path)));
            r.body = self.body(step);
            // PATCH is idempotent anyway; adding or removing a link again is
            // answered "already so", which counts as done.
            r.idempotent = true;
            requests.push(r);
        }
        // The client re-sends sub-requests answered 429 for as long as each
        // round gets some through, so what comes back is final.
        let results = match self.client.batch(requests).await {
            Ok(responses) => responses
                .into_iter()
                .zip(steps)
                .map(|(r, step)| judge(step.kind, r.status, &r.body))
                .collect::<Vec<_>>(),
            Err(e) => {
                let message = e.to_string();
                steps
                    .iter()
                    .map(|_| Verdict::Failed(message.clone()))
                    .collect()
            }
        };
        for (step, verdict) in steps.iter().zip(results) {
            let result = self.settle(step, verdict);
            self.finish(step, result)?;
        }
        Ok(())
    }

    async fn send_each(&mut self, steps: &[Step]) -> Result<(), RestoreError> {
        for step in steps {
            let result = self.send_one(step).await;
            self.finish(step, result)?;
        }
        Ok(())
    }

    async fn send_one(&self, step: &Step) -> Settled {
        let Ok(method) = Method::from_bytes(step.request.method.as_bytes()) else {
            return failed(format!("'{}' is not an HTTP method", step.request.method));
        };
        let target = format!(
            "/{}/{}",
            step.request.version,
            self.ids.path(step.request.path.trim_start_matches('/'))
        );
        let mut request = Request::new(method, target)
            // Everything but a create is safe to repeat after a 5xx: the
            // repeat is answered "already so". A repeated create duplicates.
            .idempotent(step.kind != StepKind::Create);
        request.body = self.body(step);
        let verdict = match self.raw(&request).await {
            Ok((status, body)) => judge(step.kind, status, &body),
            Err(message) => Verdict::Failed(message),
        };
        match verdict {
            Verdict::Check(message) => self.check(step, &request, message).await,
            other => self.settle(step, other),
        }
    }

    /// Sends one request; its final status and body, whatever the status.
    async fn raw(&self, request: &Request) -> Result<(u16, Value), String> {
        let target = self
            .client
            .resolve(&request.target)
            .map_err(|e| e.to_string())?;
        let outcome = self
            .client
            .execute(request, &target)
            .await
            .map_err(|e| e.to_string())?;
        Ok((outcome.response.status, outcome.response.body))
    }

    /// Turns a final verdict into a result (a create's new ids taken from its answer).
    fn settle(&self, step: &Step, verdict: Verdict) -> Settled {
        match verdict {
            Verdict::Done(body) if step.kind == StepKind::Create => {
                let mut new_ids = BTreeMap::new();
                for (old, property) in &step.request.new_ids {
                    match body.get(property).and_then(Value::as_str) {
                        Some(new) => {
                            new_ids.insert(old.clone(), new.to_string());
                        }
                        None => {
                            return failed(format!(
                                "created, but Graph's answer has no '{property}': find the new object by its name before running the plan again"
                            ));
                        }
                    }
                }
                Settled {
                    status: StepStatus::Done,
                    new_ids,
                    error: None,
                }
            }
            Verdict::Done(_) => status_only(StepStatus::Done),
            Verdict::Already => status_only(StepStatus::Already),
            Verdict::Failed(message) | Verdict::Check(message) => failed(message),
        }
    }

    /// Decides a doubtful answer by reading the live object.
    async fn check(&self, step: &Step, request: &Request, message: String) -> Settled {
        match step.kind {
            // Back already if the object is live under its own id.
            StepKind::RestoreDeleted => {
                let Some(path) = self.live_path(step) else {
                    return failed(message);
                };
                match self.raw(&Request::get(path)).await {
                    Ok((status, _)) if (200..300).contains(&status) => {
                        status_only(StepStatus::Already)
                    }
                    _ => failed(message),
                }
            }
            // Gone already if the object no longer lists the keyId.
            StepKind::RevokeCredential => {
                let key_id = request
                    .body
                    .as_ref()
                    .and_then(|b| b.get("keyId"))
                    .and_then(Value::as_str);
                let object = request.target.rsplit_once('/').map(|(o, _)| o.to_string());
                let (Some(key_id), Some(object)) = (key_id, object) else {
                    return failed(message);
                };
                match self.raw(&Request::get(object)).await {
                    Ok((status, body))
                        if (200..300).contains(&status) && !has_credential(&body, key_id) =>
                    {
                        status_only(StepStatus::Already)
                    }
                    _ => failed(message),
                }
            }
            _ => failed(message),
        }
    }

    /// Where the step's object lives when it is not deleted.
    fn live_path(&self, step: &Step) -> Option<String> {
        let ty = ObjectType::find(&step.object_type)?;
        let source = ty.sources.first()?;
        let id = self.ids.path(&step.object_id);
        Some(format!(
            "/{}/{}",
            ty.api_version.as_str(),
            source.patch_path(&id)
        ))
    }
}

/// What a batched step writes: an object's attributes (its path), or one link
/// (`POST .../members/$ref` is the same path for every member: the body tells).
fn write_key(step: &Step) -> String {
    match step.kind {
        StepKind::Update => step.request.path.clone(),
        _ => format!(
            "{} {} {}",
            step.request.method,
            step.request.path,
            step.request
                .body
                .as_ref()
                .map(Value::to_string)
                .unwrap_or_default()
        ),
    }
}
