//! `snapshot.export`: read the tenant through Microsoft Graph into a new
//! snapshot in a store (created when missing).
//!
//! Request: `{"op": "snapshot.export", "store": "<folder>", "graphUrl"?,
//! "types"?: ["conditionalAccessPolicy", ...], "full"?: false, "token"?,
//! "managedIdentity"?: false, "identityClientId"?, "recipients"?: ["age1..."],
//! "identityFile"?}`. `recipients` encrypts the store at rest (set by the
//! first export; later ones use the store's own, and other recipients are
//! refused); `identityFile` lets an encrypted store's export stay
//! incremental (without it, everything is read again). `token` is a bearer
//! token the caller already holds (the module takes it from a
//! `Connect-MgGraph` session); it never appears in an event, a result or an
//! error. Without it the engine's usual sign-in chain applies
//! (`ENTRASNAP_TOKEN`, managed identity, ...). Result: the export report
//! `{"snapshotId", "tenantId", "counts", "modes", "requests", "retries",
//! "throttled", "throttleWaitMs", "elapsedMs"}`.
//!
//! Progress: one event per type at most every [`PROGRESS_INTERVAL`] (and
//! when the type is done), `"Exporting <type>"` / `"N objects, R requests"`,
//! without a percentage: Graph does not say how many objects there are.
//! Cancelling stops the export at once; the job ends `cancelled` and no new
//! snapshot is listed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use entrasnap_core::store::SnapshotKind;
use entrasnap_core::{LocalStore, ObjectType};
use entrasnap_graph::CancellationToken;
use entrasnap_graph::export::{ExportError, ExportOptions, ExportReport, ProgressEvent, export};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::context::{JobContext, OperationError, Progress};
use crate::graph_access::GraphAccess;
use crate::operation::{self, Operation};
use crate::{runtime, store};

/// The shortest time between two progress events of the same type: the
/// module draws each one with Write-Progress, which is slow.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(200);

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    store: String,
    /// The age identity file that decrypts an encrypted store.
    #[serde(default)]
    identity_file: Option<String>,
    /// age X25519 recipients (age1...) to encrypt the store to.
    #[serde(default)]
    recipients: Vec<String>,
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    full: bool,
    /// Ed25519 private key (PEM) that signs the snapshots this writes.
    #[serde(default)]
    signing_key_file: Option<String>,
    /// Ed25519 public keys (PEM) that must have signed the snapshots read.
    #[serde(default)]
    verify_key_files: Vec<String>,
}

pub(crate) fn prepare(mut params: Map<String, Value>) -> Operation {
    let access = match GraphAccess::take("snapshot.export", &mut params) {
        Ok(access) => access,
        Err(error) => return operation::fail(error),
    };
    let params: Params = match operation::params("snapshot.export", params) {
        Ok(params) => params,
        Err(error) => return operation::fail(error),
    };
    let types = match resolve_types("snapshot.export", &params.types) {
        Ok(types) => types,
        Err(error) => return operation::fail(error),
    };
    Box::new(move |context| {
        context.check_cancelled()?;
        let keys = store::KeyFiles {
            signing: params.signing_key_file.clone(),
            verify: params.verify_key_files.clone(),
            identity: params.identity_file.clone(),
            recipients: params.recipients.clone(),
        };
        let store = store::open_or_create(&params.store, &keys)?;
        let options = ExportOptions {
            types,
            full: params.full,
            kind: SnapshotKind::Export,
            only_if_changed: false,
        };
        let report = export_into(&store, &access, &options, context)
            .map_err(|e| access.redact(e, context))?;
        Ok(serde_json::to_value(report).expect("an export report serializes"))
    })
}

/// The registry's types for the names asked for (any case); none means all.
pub(crate) fn resolve_types(
    op: &str,
    names: &[String],
) -> Result<Vec<&'static ObjectType>, OperationError> {
    names
        .iter()
        .map(|name| {
            ObjectType::find(name.trim()).ok_or_else(|| {
                OperationError::invalid_argument(&format!(
                    "{op}: unknown object type '{name}'; known: {}",
                    ObjectType::known_names()
                ))
            })
        })
        .collect()
}

/// Exports the tenant into `store` as a new snapshot, with progress events
/// and cancellation from the job. Shared by every operation that reads the
/// live tenant (export, compare with live, restore).
pub(crate) fn export_into(
    store: &LocalStore,
    access: &GraphAccess,
    options: &ExportOptions,
    context: &JobContext,
) -> Result<ExportReport, OperationError> {
    let cancel = CancellationToken::new();
    let progress = ProgressMapper::new(context.clone(), cancel.clone());
    // The driver's sink is a `'static` trait object: it owns what it uses.
    let sink = move |event: ProgressEvent| progress.send(&event);
    let outcome = runtime::block_on(context, &cancel, async {
        let client = access.client(context, &cancel)?;
        export(&client, store, options, &sink, &cancel)
            .await
            .map_err(|e| export_error(&e))
    })?;
    match outcome {
        Ok(report) => Ok(report),
        // Whatever the engine saw last, a job the caller cancelled ends
        // cancelled.
        Err(_) if context.is_cancelled() => Err(OperationError::cancelled()),
        Err(error) => Err(error),
    }
}

fn export_error(error: &ExportError) -> OperationError {
    match error {
        ExportError::Cancelled => OperationError::cancelled(),
        ExportError::Graph(e) => {
            let mapped = OperationError::from_graph(e);
            if mapped.is_cancelled() {
                mapped
            } else {
                OperationError::new(
                    mapped.code().trim_start_matches("EntraSnapshot."),
                    &format!("export failed: {}", mapped.message()),
                )
            }
        }
        ExportError::Spill(e) => OperationError::store(&format!("export failed: {e}")),
        ExportError::Store(e) => {
            let mapped = OperationError::from_store(e);
            OperationError::new(
                mapped.code().trim_start_matches("EntraSnapshot."),
                &format!("export failed: {}", mapped.message()),
            )
        }
    }
}

/// Turns the driver's progress into job events, at most one per type every
/// [`PROGRESS_INTERVAL`], and passes a cancel on to the engine as soon as
/// the driver reports (sooner than the watcher's next look).
struct ProgressMapper {
    context: JobContext,
    cancel: CancellationToken,
    last_sent: Mutex<HashMap<String, Instant>>,
}

impl ProgressMapper {
    fn new(context: JobContext, cancel: CancellationToken) -> Self {
        Self {
            context,
            cancel,
            last_sent: Mutex::new(HashMap::new()),
        }
    }

    fn send(&self, event: &ProgressEvent) {
        if self.context.is_cancelled() {
            self.cancel.cancel();
            return;
        }
        let now = Instant::now();
        {
            let mut last_sent = self
                .last_sent
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let due = last_sent
                .get(&event.type_name)
                .is_none_or(|at| now.duration_since(*at) >= PROGRESS_INTERVAL);
            if !event.done && !due {
                return;
            }
            last_sent.insert(event.type_name.clone(), now);
        }
        self.context.progress(progress(event));
    }
}

/// `Exporting conditionalAccessPolicy` / `14 objects, 3 requests`.
fn progress(event: &ProgressEvent) -> Progress {
    let mut status = format!(
        "{} {}, {} {}",
        event.objects,
        plural(event.objects, "object"),
        event.requests,
        plural(event.requests, "request")
    );
    let waited = event.throttle_wait.as_secs();
    if waited > 0 {
        status.push_str(&format!(", {waited} s waiting on throttling"));
    }
    if event.done {
        status.push_str(", done");
    }
    Progress {
        activity: format!("Exporting {}", event.type_name),
        status,
        percent: None,
    }
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::tests::run_request;
    use serde_json::json;

    #[test]
    fn progress_reads_like_the_cli() {
        let mut event = ProgressEvent {
            type_name: "conditionalAccessPolicy".into(),
            objects: 14,
            requests: 1,
            throttle_wait: Duration::ZERO,
            done: false,
        };
        let shown = progress(&event);
        assert_eq!(shown.activity, "Exporting conditionalAccessPolicy");
        assert_eq!(shown.status, "14 objects, 1 request");
        assert_eq!(shown.percent, None);
        event.throttle_wait = Duration::from_millis(2500);
        event.done = true;
        assert_eq!(
            progress(&event).status,
            "14 objects, 1 request, 2 s waiting on throttling, done"
        );
    }

    #[test]
    fn bad_parameters_are_argument_errors_that_never_quote_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().to_str().unwrap();
        let cases = [
            json!({ "op": "snapshot.export" }),
            json!({ "op": "snapshot.export", "store": store, "types": ["frobnicator"] }),
            json!({ "op": "snapshot.export", "store": store, "full": "yes" }),
            json!({ "op": "snapshot.export", "store": store, "tokn": "x" }),
            json!({ "op": "snapshot.export", "store": store, "token": ["sekrit-token"] }),
            json!({ "op": "snapshot.export", "store": store, "token": " " }),
            json!({ "op": "snapshot.export", "store": store, "environment": "PATH=sekrit" }),
            json!({ "op": "snapshot.export", "store": store, "environment": { "AZURE_CLIENT_SECRET": ["sekrit-token"] } }),
            json!({ "op": "snapshot.export", "store": store, "tokenRefresh": true }),
            json!({ "op": "snapshot.export", "store": store, "token": "sekrit-token", "tokenRefresh": "yes" }),
            json!({ "op": "snapshot.export", "store": store, "token": "sekrit-token", "tokenRefreshTimeoutMs": 0 }),
        ];
        for case in cases {
            let error = run_request(case.clone()).unwrap_err();
            assert_eq!(error.code(), "EntraSnapshot.InvalidArgument", "{case}");
            assert!(!error.message().contains("sekrit"), "{}", error.message());
        }
        let error = run_request(
            json!({ "op": "snapshot.export", "store": store, "types": ["frobnicator"] }),
        )
        .unwrap_err();
        assert!(
            error.message().contains("conditionalAccessPolicy"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn a_bad_graph_url_is_an_argument_error() {
        let dir = tempfile::tempdir().unwrap();
        let error = run_request(json!({
            "op": "snapshot.export",
            "store": dir.path(),
            "token": "sekrit-token",
            "graphUrl": "not a url sekrit-token",
        }))
        .unwrap_err();
        assert_eq!(
            error.code(),
            "EntraSnapshot.InvalidArgument",
            "{}",
            error.message()
        );
        assert!(
            !error.message().contains("sekrit-token"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn an_unreachable_graph_is_a_graph_error() {
        let dir = tempfile::tempdir().unwrap();
        // A port nobody listens on: bind one, then let it go.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let error = run_request(json!({
            "op": "snapshot.export",
            "store": dir.path(),
            "token": "sekrit-token",
            "graphUrl": format!("http://127.0.0.1:{port}"),
        }))
        .unwrap_err();
        assert_eq!(
            error.code(),
            "EntraSnapshot.GraphError",
            "{}",
            error.message()
        );
        assert!(
            error.message().starts_with("export failed: "),
            "{}",
            error.message()
        );
    }
}
