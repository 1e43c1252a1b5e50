//! `engine.selftest`: the ABI self-test. It does no engine work; it lets a
//! caller (the C test client, the module's tests) prove the job machinery
//! end to end: progress events, cancellation, a failed job with a given
//! message, and panics caught at both boundaries.
//!
//! Request: `{"op": "engine.selftest", "events": 3, "delayMs": 0,
//! "fail": "message", "panic": "start" | "job"}`, every parameter optional.
//! It emits `events` progress events `delayMs` apart, checking for
//! cancellation before each, then panics (`"job"`), fails with
//! `EntraSnapshot.SelfTestFailed` and `fail` as its message, or succeeds with
//! `{"events": N}`. `"panic": "start"` panics inside `entrasnap_job_start`
//! itself, which then returns `ENTRASNAP_RESULT_PANIC`. `"pageSize": K`
//! also sends the numbers 1 to `events` as `page` events named `numbers`
//! of at most K each, and the result says how many pages
//! (`{"events", "pages"}`), as a paged operation's would.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::context::{JobContext, OperationError, Progress};
use crate::operation::{self, Operation};

const MAX_EVENTS: u32 = 100_000;
const MAX_DELAY_MS: u64 = 60_000;

#[derive(Debug, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    events: u32,
    delay_ms: u64,
    fail: Option<String>,
    panic: Option<PanicAt>,
    page_size: Option<usize>,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            events: 3,
            delay_ms: 0,
            fail: None,
            panic: None,
            page_size: None,
        }
    }
}

/// Where the self-test panics when asked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
enum PanicAt {
    /// In `entrasnap_job_start`, on the caller's thread.
    Start,
    /// In the operation, on the job's thread.
    Job,
}

pub(crate) fn prepare(params: Map<String, Value>) -> Operation {
    let params: Params = match serde_json::from_value(Value::Object(params)) {
        Ok(params) => params,
        Err(error) => {
            return operation::fail(OperationError::invalid_argument(&format!(
                "engine.selftest: {error}"
            )));
        }
    };
    if params.events > MAX_EVENTS || params.delay_ms > MAX_DELAY_MS {
        return operation::fail(OperationError::invalid_argument(&format!(
            "engine.selftest: events must be at most {MAX_EVENTS} and delayMs at most {MAX_DELAY_MS}"
        )));
    }
    if params.panic == Some(PanicAt::Start) {
        panic!("engine.selftest: panic requested in entrasnap_job_start");
    }
    Box::new(move |context| run(params, context))
}

fn run(params: Params, context: &JobContext) -> Result<Value, OperationError> {
    let delay = Duration::from_millis(params.delay_ms);
    for step in 1..=params.events {
        context.check_cancelled()?;
        context.progress(Progress {
            activity: "Engine self-test".to_owned(),
            status: format!("event {step} of {}", params.events),
            percent: u8::try_from(u64::from(step) * 100 / u64::from(params.events)).ok(),
        });
        context.sleep(delay)?;
    }
    if params.panic == Some(PanicAt::Job) {
        panic!("engine.selftest: panic requested in the job");
    }
    if let Some(message) = params.fail {
        return Err(OperationError::new("SelfTestFailed", &message));
    }
    match params.page_size {
        Some(size) => {
            let numbers: Vec<u32> = (1..=params.events).collect();
            let pages = context.page("numbers", &numbers, size)?;
            Ok(json!({ "events": params.events, "pages": pages }))
        }
        None => Ok(json!({ "events": params.events })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    use std::sync::mpsc;

    fn params(json: Value) -> Map<String, Value> {
        match json {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    #[test]
    fn unknown_parameters_are_refused() {
        let (events, _receiver) = mpsc::channel();
        let context = JobContext::new(events, Arc::new(AtomicBool::new(false)));
        let error = prepare(params(json!({ "evnets": 2 })))(&context).unwrap_err();
        assert_eq!(error.code(), "EntraSnapshot.InvalidArgument");
        assert!(error.message().contains("evnets"), "{}", error.message());
    }

    #[test]
    fn emits_the_requested_events_then_fails_as_asked() {
        let (events, receiver) = mpsc::channel();
        let context = JobContext::new(events, Arc::new(AtomicBool::new(false)));
        let error =
            prepare(params(json!({ "events": 4, "fail": "as asked" })))(&context).unwrap_err();
        assert_eq!(error, OperationError::new("SelfTestFailed", "as asked"));
        assert_eq!(receiver.try_iter().count(), 4);
    }
}
