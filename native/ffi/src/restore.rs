//! `snapshot.restore`: bring objects or attributes back to a snapshot, or undo
//! an earlier restore, exactly as `entrasnap restore` does.
//!
//! Request: `{"op": "snapshot.restore", "store", "snapshot"?: "<id>|latest|label:NAME",
//! "types"?, "ids"?, "attributes"?, "breakGlass"?, "overrideBreakGlass"?,
//! "reportOnly"?, "deleteAdded"?, "whatIf"?, "undo"?: "<restoreId>"}` plus the
//! Graph sign-in parameters. Result: `{"restoreId" (null for what-if),
//! "snapshot", "preRestore", "whatIf", "plan", "permissions", "outcomes",
//! "counts", "verification"}`. A plan the break-glass guard refuses fails
//! with `EntraSnapshot.BreakGlassGuard`; missing token permissions with
//! `EntraSnapshot.PermissionDenied`; a filter that matches nothing (a type
//! the snapshot did not export, an id in neither the snapshot nor the
//! tenant, an unknown attribute) with `EntraSnapshot.InvalidArgument`; all
//! before anything is written. `snapshot` in the result is the resolved id;
//! `preRestore` is the undo point stored before the first write, null when
//! nothing was written (a what-if stores nothing, not even the undo point).
//! With `"pageSize": N` the plan's steps, the outcomes and the residue come
//! as `page` events named `steps`, `outcomes` and `residue` (at most N items
//! each, in order) before the final event; in the result those lists are
//! null and `paged` gives each one's length.

use std::collections::BTreeSet;
use std::sync::Arc;

use entrasnap_core::restore::{ActorScope, OnConflict, PlanOptions};
use entrasnap_graph::CancellationToken;
use entrasnap_graph::restore::{
    ExecuteEvent, RestoreError, RestoreEvent, RestoreRequest, RestoreSink, RestoreTarget, apply,
    prepare,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::context::{JobContext, OperationError, Progress};
use crate::export::resolve_types;
use crate::graph_access::GraphAccess;
use crate::operation::{self, Operation};
use crate::{runtime, store};

const OP: &str = "snapshot.restore";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    store: String,
    /// The age identity file that decrypts an encrypted store.
    #[serde(default)]
    identity_file: Option<String>,
    #[serde(default)]
    snapshot: Option<String>,
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    ids: Vec<String>,
    #[serde(default)]
    attributes: Vec<String>,
    #[serde(default)]
    break_glass: Vec<String>,
    #[serde(default)]
    override_break_glass: bool,
    #[serde(default)]
    report_only: bool,
    #[serde(default)]
    delete_added: bool,
    #[serde(default)]
    what_if: bool,
    #[serde(default)]
    undo: Option<String>,
    /// Ed25519 private key (PEM) that signs the snapshots this writes.
    #[serde(default)]
    signing_key_file: Option<String>,
    /// Ed25519 public keys (PEM) that must have signed the snapshots read.
    #[serde(default)]
    verify_key_files: Vec<String>,
    /// Undo exactly what this actor changed since `since`, from the audit log.
    #[serde(default)]
    changed_by: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    since: Option<String>,
    /// `refuse` (default), `keep-theirs` or `revert`.
    #[serde(default)]
    on_conflict: Option<OnConflict>,
    #[serde(default)]
    audit_retention_days: Option<u32>,
    #[serde(default)]
    audit_delay_minutes: Option<u32>,
    /// Hand the plan's steps, the outcomes and the residue over as `page`
    /// events of at most this many, not in the result.
    #[serde(default)]
    page_size: Option<usize>,
}

pub(crate) fn prepare_op(mut params: Map<String, Value>) -> Operation {
    let prepared = (|| {
        let access = GraphAccess::take(OP, &mut params)?;
        let params: Params = operation::params(OP, params)?;
        crate::context::check_page_size(OP, params.page_size)?;
        let types = resolve_types(OP, &params.types)?;
        let target = match (&params.undo, &params.snapshot, &params.changed_by) {
            (None, snapshot, Some(who)) => {
                let since = params.since.as_deref().ok_or_else(|| {
                    OperationError::invalid_argument(&format!(
                        "{OP}: changedBy needs since (an RFC 3339 time)"
                    ))
                })?;
                let since = chrono::DateTime::parse_from_rfc3339(since.trim())
                    .map_err(|_| {
                        OperationError::invalid_argument(&format!(
                            "{OP}: since '{since}' is not an RFC 3339 time (2026-12-01T14:00:00Z)"
                        ))
                    })?
                    .with_timezone(&chrono::Utc);
                if !params.types.is_empty()
                    || !params.ids.is_empty()
                    || !params.attributes.is_empty()
                    || params.delete_added
                {
                    return Err(OperationError::invalid_argument(&format!(
                        "{OP}: changedBy decides the objects and attributes itself; it cannot go with types, ids, attributes or deleteAdded"
                    )));
                }
                RestoreTarget::Actor {
                    scope: ActorScope {
                        changed_by: who.trim().to_string(),
                        since,
                        on_conflict: params.on_conflict.unwrap_or_default(),
                    },
                    snapshot: snapshot.clone(),
                    audit: crate::audit::settings(
                        params.audit_retention_days,
                        params.audit_delay_minutes,
                    ),
                }
            }
            (Some(_), _, Some(_)) => {
                return Err(OperationError::invalid_argument(&format!(
                    "{OP}: give either undo or changedBy, not both"
                )));
            }
            (Some(_), Some(_), None) => {
                return Err(OperationError::invalid_argument(&format!(
                    "{OP}: give either snapshot or undo, not both"
                )));
            }
            (None, None, None) => {
                return Err(OperationError::invalid_argument(&format!(
                    "{OP}: snapshot is required (an id or 'latest'), or undo with a restore id, or changedBy and since"
                )));
            }
            (Some(id), None, None) => RestoreTarget::Undo(id.clone()),
            (None, Some(snapshot), None) => RestoreTarget::Snapshot(snapshot.clone()),
        };
        let request = RestoreRequest {
            target,
            options: PlanOptions {
                types: types.iter().map(|t| t.name.to_owned()).collect(),
                ids: params
                    .ids
                    .iter()
                    .map(|s| s.trim().to_owned())
                    .collect::<BTreeSet<_>>(),
                attributes: params.attributes.clone(),
                delete_added: params.delete_added,
                break_glass: params.break_glass.clone(),
                override_break_glass: params.override_break_glass,
                report_only: params.report_only,
                id_map: Default::default(),
            },
        };
        let keys = store::KeyFiles {
            signing: params.signing_key_file.clone(),
            verify: params.verify_key_files.clone(),
            identity: params.identity_file.clone(),
            recipients: Vec::new(),
        };
        let shape = Shape {
            what_if: params.what_if,
            page_size: params.page_size,
        };
        Ok((access, (params.store, keys), shape, request))
    })();
    match prepared {
        Ok((access, store, shape, request)) => Box::new(move |context| {
            run(&access, &store, shape, &request, context).map_err(|e| access.redact(e, context))
        }),
        Err(error) => operation::fail(error),
    }
}

/// How the restore runs and answers: only planned (what-if), and whether
/// its long lists come as pages.
#[derive(Debug, Clone, Copy)]
struct Shape {
    what_if: bool,
    page_size: Option<usize>,
}

/// The lists of a restore's result that grow with the tenant, by page name
/// and where they sit in the result.
const PAGED: [(&str, &str); 3] = [
    ("steps", "/plan/steps"),
    ("outcomes", "/outcomes"),
    ("residue", "/verification/residue"),
];

/// Moves the long lists out of `value` into `page` events of at most
/// `size` each; the result says how many items each list had in `paged`.
/// A restore of 5,000 users' departments answered 2.4 MB of JSON in one
/// string, beyond what Windows PowerShell 5.1's ConvertFrom-Json is reported
/// to take.
fn page_out(mut value: Value, size: usize, context: &JobContext) -> Result<Value, OperationError> {
    let mut counts = Map::new();
    for (name, pointer) in PAGED {
        let Some(list) = value.pointer_mut(pointer) else {
            continue;
        };
        let Value::Array(items) = list.take() else {
            continue;
        };
        context.page(name, &items, size)?;
        counts.insert(name.to_owned(), json!(items.len()));
    }
    value["paged"] = Value::Object(counts);
    Ok(value)
}

fn run(
    access: &GraphAccess,
    (store_path, keys): &(String, store::KeyFiles),
    shape: Shape,
    request: &RestoreRequest,
    context: &JobContext,
) -> Result<Value, OperationError> {
    let what_if = shape.what_if;
    context.check_cancelled()?;
    let store = store::open_existing_with(store_path, keys)?;
    let cancel = CancellationToken::new();
    let events = context.clone();
    let sink: RestoreSink = Arc::new(move |event: RestoreEvent| {
        if events.is_cancelled() {
            return;
        }
        match event {
            RestoreEvent::Stage(stage) => events.progress(Progress {
                activity: "Restoring".into(),
                status: stage,
                percent: None,
            }),
            RestoreEvent::Export(_) => {}
            RestoreEvent::Step(e) => events.progress(step_progress(&e)),
        }
    });
    let outcome = runtime::block_on(context, &cancel, async {
        let client = access.client(context, &cancel)?;
        let prepared = prepare(&client, &store, request, &sink, &cancel)
            .await
            .map_err(|e| restore_error(&e))?;
        if what_if {
            return Ok(json!({
                "restoreId": null,
                "snapshot": prepared.target,
                "preRestore": null,
                "whatIf": true,
                "actor": prepared.actor,
                "plan": prepared.plan,
                "permissions": prepared.permissions,
                "outcomes": [],
                "counts": {"done": 0, "already": 0, "failed": 0, "skipped": 0},
                "verification": null,
            }));
        }
        let done = apply(&client, &store, &prepared, &sink, &cancel)
            .await
            .map_err(|e| restore_error(&e))?;
        Ok(json!({
            "restoreId": done.restore_id,
            "snapshot": done.snapshot,
            "preRestore": done.pre_restore,
            "whatIf": false,
            "actor": prepared.actor,
            "plan": prepared.plan,
            "permissions": prepared.permissions,
            "outcomes": done.outcomes,
            "counts": done.counts,
            "idMap": done.id_map,
            "verification": done.verification,
            "requests": done.requests,
            "elapsedMs": done.elapsed_ms,
        }))
    })?;
    match outcome {
        Ok(value) => match shape.page_size {
            Some(size) => page_out(value, size, context),
            None => Ok(value),
        },
        Err(_) if context.is_cancelled() => Err(OperationError::cancelled()),
        Err(error) => Err(error),
    }
}

fn step_progress(e: &ExecuteEvent) -> Progress {
    let percent = (e.finished * 100)
        .checked_div(e.total)
        .map(|p| p.min(100) as u8);
    Progress {
        activity: "Restoring".into(),
        status: format!(
            "{}/{} {} \"{}\": {}",
            e.finished, e.total, e.object_type, e.object_name, e.summary
        ),
        percent,
    }
}

fn restore_error(error: &RestoreError) -> OperationError {
    match error {
        RestoreError::Refused { findings } => OperationError::new(
            "BreakGlassGuard",
            &format!(
                "restore refused: the plan would put a break-glass account inside a policy that excludes it today: {}; nothing was written",
                findings.join("; ")
            ),
        ),
        RestoreError::PermissionDenied { missing } => OperationError::new(
            "PermissionDenied",
            &format!(
                "the token lacks the permissions this restore needs: {}; nothing was written",
                missing.join(", ")
            ),
        ),
        RestoreError::Cancelled => OperationError::cancelled(),
        RestoreError::Filter(e) => {
            OperationError::invalid_argument(&format!("{}; nothing was written", e.message()))
        }
        RestoreError::Graph(e) => OperationError::from_graph(e),
        RestoreError::Store(e) | RestoreError::Journal(e) => OperationError::from_store(e),
        other => OperationError::new("RestoreError", &format!("restore failed: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    use std::sync::mpsc;

    use serde_json::{Value, json};

    use super::page_out;
    use crate::context::{Event, JobContext};

    #[test]
    fn the_long_lists_of_a_restore_come_as_named_pages_in_order() {
        let (events, receiver) = mpsc::channel();
        let context = JobContext::new(events, Arc::new(AtomicBool::new(false)));
        let steps: Vec<Value> = (1..=5).map(|seq| json!({"seq": seq})).collect();
        let result = json!({
            "restoreId": "r1",
            "plan": {"steps": steps, "notes": []},
            "outcomes": [{"seq": 1, "status": "done"}],
            "verification": {"clean": true, "residue": []},
        });
        let paged = page_out(result, 2, &context).unwrap();
        assert_eq!(paged["plan"]["steps"], Value::Null);
        assert_eq!(paged["outcomes"], Value::Null);
        assert_eq!(paged["verification"]["residue"], Value::Null);
        assert_eq!(paged["verification"]["clean"], true);
        assert_eq!(
            paged["paged"],
            json!({"steps": 5, "outcomes": 1, "residue": 0})
        );
        let pages: Vec<(String, String)> = receiver
            .try_iter()
            .map(|e| match e {
                Event::Page(p) => (p.name.to_owned(), p.items),
                other => panic!("not a page: {other:?}"),
            })
            .collect();
        let expected = [
            ("steps", r#"[{"seq":1},{"seq":2}]"#),
            ("steps", r#"[{"seq":3},{"seq":4}]"#),
            ("steps", r#"[{"seq":5}]"#),
            ("outcomes", r#"[{"seq":1,"status":"done"}]"#),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(n, i)| (n.to_string(), i.to_string()))
            .collect();
        assert_eq!(pages, expected);

        // A what-if has no verification: nothing to page there.
        let what_if = json!({"plan": {"steps": []}, "outcomes": [], "verification": null});
        let paged = page_out(what_if, 2, &context).unwrap();
        assert_eq!(paged["paged"], json!({"steps": 0, "outcomes": 0}));
    }
}
