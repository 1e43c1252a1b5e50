//! `snapshot.resolve` and `snapshot.label`: what a reference means, and
//! naming snapshots.
//!
//! `{"op": "snapshot.resolve", "store", "snapshot": "<id>|latest|label:NAME"}`
//! -> the snapshot's summary `{"id", "tenantId", "kind", "labels",
//! "createdAt", "completedAt", "engineVersion", "types", "counts", "intact"}`.
//! A caller that runs several jobs on one snapshot (a preview, then the run)
//! resolves once and passes the id: `latest` may mean another snapshot later.
//!
//! `{"op": "snapshot.label", "store", "snapshot"?, "name", "remove"?: false}`
//! -> `{"label", "snapshot", "removed"}`. Adding needs `snapshot`; removing
//! checks it when given. A label already on another snapshot, or a bad
//! name, fails with `EntraSnapshot.InvalidArgument`.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::context::{JobContext, OperationError};
use crate::operation::{self, Operation};
use crate::store;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ResolveParams {
    store: String,
    snapshot: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LabelParams {
    store: String,
    #[serde(default)]
    snapshot: Option<String>,
    name: String,
    #[serde(default)]
    remove: bool,
}

pub(crate) fn prepare_resolve(params: Map<String, Value>) -> Operation {
    match operation::params::<ResolveParams>("snapshot.resolve", params) {
        Ok(params) => Box::new(move |context| resolve(&params, context)),
        Err(error) => operation::fail(error),
    }
}

pub(crate) fn prepare_label(params: Map<String, Value>) -> Operation {
    match operation::params::<LabelParams>("snapshot.label", params) {
        Ok(params) if !params.remove && params.snapshot.is_none() => {
            operation::fail(OperationError::invalid_argument(
                "snapshot.label: snapshot is required to add a label (or remove: true)",
            ))
        }
        Ok(params) => Box::new(move |context| label(&params, context)),
        Err(error) => operation::fail(error),
    }
}

fn resolve(params: &ResolveParams, context: &JobContext) -> Result<Value, OperationError> {
    context.check_cancelled()?;
    let store = store::open_existing(&params.store)?;
    let summary = store::resolve(&store, &params.snapshot)?;
    Ok(serde_json::to_value(summary).expect("a summary serializes"))
}

fn label(params: &LabelParams, context: &JobContext) -> Result<Value, OperationError> {
    context.check_cancelled()?;
    let store = store::open_existing(&params.store)?;
    let on = if params.remove {
        store
            .remove_label(params.snapshot.as_deref(), &params.name)
            .map_err(|e| OperationError::from_store(&e))?
    } else {
        let snapshot = params.snapshot.as_deref().expect("checked when prepared");
        store
            .add_label(snapshot, &params.name)
            .map_err(|e| OperationError::from_store(&e))?
            .id
    };
    Ok(json!({
        "label": params.name,
        "snapshot": on,
        "removed": params.remove,
    }))
}
