//! `snapshot.list`: every snapshot in a store, newest first.
//!
//! Request: `{"op": "snapshot.list", "store": "<folder>"}`. Result: an array
//! of summaries `{"id", "tenantId", "kind", "labels", "createdAt",
//! "completedAt", "engineVersion", "types", "counts", "intact", "readable":
//! true}` and, for a snapshot that cannot be read (a newer format, a damaged
//! manifest), `{"id", "readable": false, "reason", "labels"}`. A snapshot
//! whose manifest was edited after it completed is listed with `"intact":
//! false`; an incomplete one is never listed.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::context::{JobContext, OperationError};
use crate::operation::{self, Operation};
use crate::store;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    store: String,
}

pub(crate) fn prepare(params: Map<String, Value>) -> Operation {
    match operation::params::<Params>("snapshot.list", params) {
        Ok(params) => Box::new(move |context| run(&params, context)),
        Err(error) => operation::fail(error),
    }
}

fn run(params: &Params, context: &JobContext) -> Result<Value, OperationError> {
    context.check_cancelled()?;
    let store = store::open_existing(&params.store)?;
    let listing = store
        .list_all()
        .map_err(|e| OperationError::from_store(&e))?;
    Ok(Value::Array(listing.rows()))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::operation::Request;
    use serde_json::json;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    use std::sync::mpsc;

    pub(crate) fn run_request(request: Value) -> Result<Value, OperationError> {
        let (events, _receiver) = mpsc::channel();
        let context = JobContext::new(events, Arc::new(AtomicBool::new(false)));
        operation::prepare(Request::parse(&request.to_string()).unwrap())(&context)
    }

    #[test]
    fn an_empty_store_lists_nothing() {
        let dir = tempfile::tempdir().unwrap();
        entrasnap_core::LocalStore::open(dir.path()).unwrap();
        let store = dir.path().to_str().unwrap();
        let listed = run_request(json!({ "op": "snapshot.list", "store": store })).unwrap();
        assert_eq!(listed, json!([]));
    }

    #[test]
    fn a_missing_store_is_a_store_error_and_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nowhere");
        let error = run_request(json!({ "op": "snapshot.list", "store": missing })).unwrap_err();
        assert_eq!(error.code(), "EntraSnapshot.StoreError");
        assert!(
            error.message().contains("does not exist"),
            "{}",
            error.message()
        );
        assert!(!missing.exists());
    }

    #[test]
    fn the_store_is_required() {
        let error = run_request(json!({ "op": "snapshot.list" })).unwrap_err();
        assert_eq!(error.code(), "EntraSnapshot.InvalidArgument");
        assert!(error.message().contains("store"), "{}", error.message());
        let error = run_request(json!({ "op": "snapshot.list", "store": " " })).unwrap_err();
        assert_eq!(error.code(), "EntraSnapshot.InvalidArgument");
    }
}
