//! The operations a job can run, chosen by the request's "op".

use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::context::{JobContext, OperationError};
use crate::result::entrasnap_result;
use crate::{compare, export, history, keys, labels, list, restore, selftest, verify};

/// The operations this library runs, in the order `engine.info` lists them.
pub const OPERATIONS: &[&str] = &[
    "engine.info",
    "engine.selftest",
    "key.generate",
    "snapshot.export",
    "snapshot.compare",
    "snapshot.history",
    "snapshot.label",
    "snapshot.list",
    "snapshot.resolve",
    "snapshot.restore",
    "snapshot.verify",
];

/// An operation with its parameters checked, ready to run on the job's
/// thread. Errors found while preparing are returned when it runs, so the
/// caller always gets them the same way: as a failed job.
pub(crate) type Operation = Box<dyn FnOnce(&JobContext) -> Result<Value, OperationError> + Send>;

/// A job request: `{"op": "<operation>", ...parameters}`.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) op: String,
    pub(crate) params: Map<String, Value>,
}

impl Request {
    pub(crate) fn parse(json: &str) -> Result<Self, entrasnap_result> {
        let value: Value = serde_json::from_str(json).map_err(|_| entrasnap_result::InvalidJson)?;
        let Value::Object(mut params) = value else {
            return Err(entrasnap_result::InvalidRequest);
        };
        match params.remove("op") {
            Some(Value::String(op)) => Ok(Self { op, params }),
            _ => Err(entrasnap_result::InvalidRequest),
        }
    }
}

/// Chooses the operation a request names.
pub(crate) fn prepare(request: Request) -> Operation {
    match request.op.as_str() {
        "engine.info" => Box::new(|_| Ok(info())),
        "engine.selftest" => selftest::prepare(request.params),
        "key.generate" => keys::prepare(request.params),
        "snapshot.export" => export::prepare(request.params),
        "snapshot.compare" => compare::prepare(request.params),
        "snapshot.history" => history::prepare(request.params),
        "snapshot.label" => labels::prepare_label(request.params),
        "snapshot.list" => list::prepare(request.params),
        "snapshot.resolve" => labels::prepare_resolve(request.params),
        "snapshot.restore" => restore::prepare_op(request.params),
        "snapshot.verify" => verify::prepare(request.params),
        unknown => fail(OperationError::unknown_operation(unknown)),
    }
}

/// The request's parameters as `T`; a missing, unknown or mistyped one is
/// an `InvalidArgument` error naming the operation.
pub(crate) fn params<T: DeserializeOwned>(
    op: &str,
    params: Map<String, Value>,
) -> Result<T, OperationError> {
    serde_json::from_value(Value::Object(params))
        .map_err(|e| OperationError::invalid_argument(&format!("{op}: {e}")))
}

/// An operation that fails with `error` as soon as it runs.
pub(crate) fn fail(error: OperationError) -> Operation {
    Box::new(move |_| Err(error))
}

fn info() -> Value {
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "abiVersion": crate::ENTRASNAP_ABI_VERSION,
        "operations": OPERATIONS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    use std::sync::mpsc;

    fn run(request: &str) -> Result<Value, OperationError> {
        let (events, _receiver) = mpsc::channel();
        let context = JobContext::new(events, Arc::new(AtomicBool::new(false)));
        prepare(Request::parse(request).unwrap())(&context)
    }

    #[test]
    fn every_listed_operation_is_dispatched() {
        for op in OPERATIONS {
            let request = json!({ "op": op }).to_string();
            if let Err(error) = run(&request) {
                assert_ne!(error.code(), "EntraSnapshot.UnknownOperation", "{op}");
            }
        }
    }

    #[test]
    fn an_unknown_operation_names_itself() {
        let error = run(r#"{"op":"snapshot.frobnicate"}"#).unwrap_err();
        assert_eq!(error.code(), "EntraSnapshot.UnknownOperation");
        assert!(
            error.message().contains("'snapshot.frobnicate'"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn a_request_needs_an_object_with_a_string_op() {
        assert_eq!(
            Request::parse("{").unwrap_err(),
            entrasnap_result::InvalidJson
        );
        assert_eq!(
            Request::parse("[]").unwrap_err(),
            entrasnap_result::InvalidRequest
        );
        assert_eq!(
            Request::parse(r#"{"op":1}"#).unwrap_err(),
            entrasnap_result::InvalidRequest
        );
        assert_eq!(
            Request::parse("{}").unwrap_err(),
            entrasnap_result::InvalidRequest
        );
    }

    #[test]
    fn info_reports_version_abi_and_operations() {
        let value = run(r#"{"op":"engine.info"}"#).unwrap();
        assert_eq!(value["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(value["abiVersion"], crate::ENTRASNAP_ABI_VERSION);
        assert_eq!(value["operations"], json!(OPERATIONS));
    }
}
