//! `snapshot.compare`: what changed between two snapshots, or between a
//! snapshot and the live tenant, most severe first.
//!
//! Request: `{"op": "snapshot.compare", "store": "<folder>", "from"?:
//! "<id>|latest|label:NAME", "to"?: "<id>|latest|label:NAME|live", "types"?:
//! [...], "severityMin"?: "info".."critical", "identityFile"? (the age
//! identity of an encrypted store), plus the Graph sign-in parameters when
//! `to` is `live`}`. Both sides are resolved once, before
//! anything else; `live` then exports the tenant into the store
//! (incrementally, kind `compare-live`, so it never becomes `latest`).
//! Result: the report `{"from", "to", "live", "hidden", "counts", "changes":
//! [...]}` whose `from` and `to` are the resolved snapshot ids, the same
//! records `entrasnap compare --json` prints. `types` naming a type a side
//! did not export fails with `EntraSnapshot.InvalidArgument`.

use entrasnap_core::ObjectType;
use entrasnap_core::diff::render::{self, Format, RenderOptions};
use entrasnap_core::diff::{Severity, StoredSnapshot, compare};
use entrasnap_core::store::SnapshotKind;
use entrasnap_graph::CancellationToken;
use entrasnap_graph::audit::attribute_report;
use entrasnap_graph::export::ExportOptions;
use entrasnap_graph::restore::removed_restorable;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::context::{JobContext, OperationError};
use crate::export::{export_into, resolve_types};
use crate::graph_access::GraphAccess;
use crate::operation::{self, Operation};
use crate::records::{self, Compared, Records};
use crate::{runtime, store};

const OP: &str = "snapshot.compare";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    store: String,
    /// The age identity file that decrypts an encrypted store.
    #[serde(default)]
    identity_file: Option<String>,
    #[serde(default = "latest")]
    from: String,
    #[serde(default = "latest")]
    to: String,
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    severity_min: Option<String>,
    /// Also render the report: `text`, `markdown`, `html` or `json`.
    #[serde(default)]
    format: Option<String>,
    /// Ed25519 private key (PEM) that signs the snapshots this writes.
    #[serde(default)]
    signing_key_file: Option<String>,
    /// Ed25519 public keys (PEM) that must have signed the snapshots read.
    #[serde(default)]
    verify_key_files: Vec<String>,
    /// Read the audit log and say who made each change (default: with `to` live).
    #[serde(default)]
    audit: Option<bool>,
    /// Only this actor's changes (a UPN, app id, object id or display name).
    #[serde(default)]
    changed_by: Option<String>,
    #[serde(default)]
    audit_retention_days: Option<u32>,
    #[serde(default)]
    audit_delay_minutes: Option<u32>,
    /// Send the changes as `page` events of at most this many records
    /// instead of inside the result.
    #[serde(default)]
    page_size: Option<usize>,
    /// `engine` (the default: as `entrasnap compare --json`) or `module`.
    #[serde(default)]
    records: Records,
}

fn latest() -> String {
    "latest".to_owned()
}

pub(crate) fn prepare(mut params: Map<String, Value>) -> Operation {
    let prepared = (|| {
        let access = GraphAccess::take(OP, &mut params)?;
        let params: Params = operation::params(OP, params)?;
        if params.from.eq_ignore_ascii_case("live") {
            return Err(OperationError::invalid_argument(&format!(
                "{OP}: from takes a snapshot id or 'latest'; only to can be 'live'"
            )));
        }
        crate::context::check_page_size(OP, params.page_size)?;
        let types = resolve_types(OP, &params.types)?;
        let format = match &params.format {
            None => None,
            Some(f) => Some(Format::parse(f).ok_or_else(|| {
                OperationError::invalid_argument(&format!(
                    "{OP}: format '{f}' is not one of text, markdown, html, json"
                ))
            })?),
        };
        let severity_min = match &params.severity_min {
            None => Severity::Info,
            Some(s) => Severity::parse(s).ok_or_else(|| {
                OperationError::invalid_argument(&format!(
                    "{OP}: severityMin '{s}' is not one of info, low, medium, high, critical"
                ))
            })?,
        };
        Ok((access, params, types, severity_min, format))
    })();
    match prepared {
        Ok((access, params, types, severity_min, format)) => Box::new(move |context| {
            run(&access, &params, &types, severity_min, format, context)
                .map_err(|e| access.redact(e, context))
        }),
        Err(error) => operation::fail(error),
    }
}

fn run(
    access: &GraphAccess,
    params: &Params,
    types: &[&'static ObjectType],
    severity_min: Severity,
    format: Option<Format>,
    context: &JobContext,
) -> Result<Value, OperationError> {
    context.check_cancelled()?;
    let keys = store::KeyFiles {
        signing: params.signing_key_file.clone(),
        verify: params.verify_key_files.clone(),
        identity: params.identity_file.clone(),
        recipients: Vec::new(),
    };
    let store = store::open_existing_with(&params.store, &keys)?;
    // Resolved once, before the live export below.
    let type_names: Vec<&str> = types.iter().map(|t| t.name).collect();
    let from = store::resolve(&store, &params.from)?;
    store::require_types(&from, &type_names)?;
    let from = from.id.to_string();
    let live = params.to.eq_ignore_ascii_case("live");
    let to = if live {
        // The whole tenant; `types` only narrows the comparison.
        let options = ExportOptions {
            kind: SnapshotKind::CompareLive,
            ..ExportOptions::default()
        };
        export_into(&store, access, &options, context)?
            .snapshot_id
            .to_string()
    } else {
        let to = store::resolve(&store, &params.to)?;
        store::require_types(&to, &type_names)?;
        to.id.to_string()
    };
    context.check_cancelled()?;
    let (before, after) = StoredSnapshot::open_pair(&store, &from, &to)
        .map_err(|e| OperationError::from_store(&e))?;
    let types = (!types.is_empty()).then_some(types);
    let mut report = compare(&before, &after, types).map_err(|e| OperationError::from_store(&e))?;
    if live {
        // Whether each removed object is still in the recycle bin.
        let cancel = CancellationToken::new();
        let bins = runtime::block_on(context, &cancel, async {
            match access.client(context, &cancel) {
                Ok(client) => removed_restorable(&client, &report).await,
                Err(_) => Default::default(),
            }
        })?;
        report.mark_restorable(&bins);
    }
    let attribute = params.audit.unwrap_or(live) || params.changed_by.is_some();
    if params.audit == Some(false) && params.changed_by.is_some() {
        return Err(OperationError::invalid_argument(&format!(
            "{OP}: changedBy needs the audit log; it cannot go with audit false"
        )));
    }
    if attribute {
        let settings =
            crate::audit::settings(params.audit_retention_days, params.audit_delay_minutes);
        let cancel = CancellationToken::new();
        let (created, completed) = (
            before.manifest().summary.created_at,
            after.manifest().summary.completed_at,
        );
        runtime::block_on(context, &cancel, async {
            let client = access.client(context, &cancel)?;
            attribute_report(
                &client,
                &mut report,
                created,
                completed,
                &settings,
                params.changed_by.as_deref(),
            )
            .await
            .map_err(|e| OperationError::from_store(&e))
        })??;
    }
    let opts = RenderOptions::at_least(&mut report, severity_min, live);
    let counts: Map<String, Value> = report
        .counts()
        .into_iter()
        .map(|(s, n)| (s.as_str().to_owned(), json!(n)))
        .collect();
    let rendered = format.map(|format| render::render(format, &report, &opts));
    let changes = match params.records {
        Records::Engine => match params.page_size {
            Some(size) => Ok(json!(context.page("changes", &report.changes, size)?)),
            None => serde_json::to_value(&report.changes),
        },
        Records::Module => {
            let compared = Compared {
                from: &report.from,
                to: &report.to,
                live,
                store: &params.store,
            };
            let records: Vec<_> = report
                .changes
                .iter()
                .map(|c| records::change(c, &compared))
                .collect();
            match params.page_size {
                Some(size) => Ok(json!(context.page("changes", &records, size)?)),
                None => serde_json::to_value(&records),
            }
        }
    }
    .map_err(|e| OperationError::new("InternalError", &format!("{OP}: {e}")))?;
    let mut result = json!({
        "from": report.from,
        "to": report.to,
        "live": live,
        "hidden": opts.hidden,
        "counts": counts,
        "changeCount": report.changes.len(),
    });
    // With pageSize the changes were sent as page events before this
    // result, which says how many pages there were.
    let list = if params.page_size.is_some() {
        "pages"
    } else {
        "changes"
    };
    result[list] = changes;
    if !report.actors.is_empty() {
        result["actors"] = serde_json::to_value(&report.actors).unwrap_or_default();
    }
    if let Some(rendered) = rendered {
        result["rendered"] = Value::String(rendered);
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::tests::run_request;
    use chrono::{TimeZone, Utc};
    use entrasnap_core::{LocalStore, normalize};
    use serde_json::json;

    const TENANT: &str = "0f5b2c1e-7d44-4c1a-9a4e-2b6f3d8e9c10";

    fn policy(state: &str) -> Value {
        json!({
            "id": "9b5a3c1e-0000-4000-8000-000000000001",
            "displayName": "CA001 - Require MFA for all users",
            "state": state,
            "conditions": {"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]}},
            "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}
        })
    }

    fn snapshot(store: &LocalStore, day: u32, state: &str) -> String {
        let ty = ObjectType::find("conditionalAccessPolicy").unwrap();
        let at = Utc.with_ymd_and_hms(2026, 3, day, 0, 0, 0).unwrap();
        let w = store.begin_at(TENANT, &[ty], at).unwrap();
        w.put(ty, &normalize(ty, policy(state)).unwrap()).unwrap();
        w.finish().unwrap().to_string()
    }

    #[test]
    fn a_disabled_mfa_policy_is_one_critical_change_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let before = snapshot(&store, 1, "enabled");
        let after = snapshot(&store, 2, "disabled");
        let path = dir.path().to_str().unwrap();
        let report = run_request(json!({
            "op": "snapshot.compare", "store": path, "from": before, "to": "latest"
        }))
        .unwrap();
        assert_eq!(report["from"], json!(before));
        assert_eq!(report["to"], json!(after));
        assert_eq!(report["live"], json!(false));
        assert_eq!(report["counts"], json!({"critical": 1}));
        let change = &report["changes"][0];
        assert_eq!(change["objectName"], "CA001 - Require MFA for all users");
        assert_eq!(change["severity"], "critical");
        assert_eq!(change["attributes"][0]["path"], "state");
        assert!(report.get("rendered").is_none());

        let html = run_request(json!({
            "op": "snapshot.compare", "store": path, "from": before, "format": "html"
        }))
        .unwrap();
        let page = html["rendered"].as_str().unwrap();
        assert!(page.starts_with("<!DOCTYPE html>"), "{}", &page[..40]);
        assert!(page.contains("CA001 - Require MFA for all users"));

        // A type neither snapshot exported matches nothing: an error naming it.
        let filtered = run_request(json!({
            "op": "snapshot.compare", "store": path, "from": before, "types": ["user"]
        }))
        .unwrap_err();
        assert_eq!(filtered.code(), "EntraSnapshot.InvalidArgument");
        assert!(
            filtered.message().contains("did not export user"),
            "{}",
            filtered.message()
        );
    }

    #[test]
    fn module_records_come_as_pages_before_the_result() {
        use crate::context::Event;
        use crate::operation::{self, Request};
        use std::sync::Arc;
        use std::sync::atomic::AtomicBool;
        use std::sync::mpsc;

        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let before = snapshot(&store, 1, "enabled");
        let after = snapshot(&store, 2, "disabled");
        let path = dir.path().to_str().unwrap();
        let (events, receiver) = mpsc::channel();
        let context = JobContext::new(events, Arc::new(AtomicBool::new(false)));
        let request = json!({
            "op": OP, "store": path, "from": before, "to": "latest",
            "records": "module", "pageSize": 1
        });
        let result =
            operation::prepare(Request::parse(&request.to_string()).unwrap())(&context).unwrap();
        assert_eq!(result["pages"], json!(1));
        assert_eq!(result["changeCount"], json!(1));
        assert!(result.get("changes").is_none(), "{result}");
        let pages: Vec<Value> = receiver
            .try_iter()
            .filter(Event::is_page)
            .map(|e| serde_json::from_str(&e.to_json()).unwrap())
            .collect();
        assert_eq!(pages.len(), 1);
        let record = &pages[0]["items"][0];
        assert_eq!(pages[0]["name"], "changes");
        assert_eq!(record["Severity"], "Critical");
        assert_eq!(record["Kind"], "Modified");
        assert_eq!(record["Attributes"][0]["Path"], "state");
        assert_eq!(record["FromSnapshotId"], json!(before));
        assert_eq!(record["ToSnapshotId"], json!(after));
        assert_eq!(record["Store"], json!(path));

        let error = run_request(json!({"op": OP, "store": path, "pageSize": 0})).unwrap_err();
        assert!(
            error.message().contains("pageSize must be 1 to 10000"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn bad_parameters_are_named() {
        let dir = tempfile::tempdir().unwrap();
        LocalStore::open(dir.path()).unwrap();
        let path = dir.path().to_str().unwrap();
        for (request, expected) in [
            (
                json!({"op": OP, "store": path, "from": "live"}),
                "only to can be 'live'",
            ),
            (
                json!({"op": OP, "store": path, "severityMin": "urgent"}),
                "severityMin 'urgent'",
            ),
            (
                json!({"op": OP, "store": path, "types": ["policy"]}),
                "unknown object type 'policy'",
            ),
            (json!({"op": OP, "store": path, "colour": "red"}), "colour"),
            (
                json!({"op": OP, "store": path, "format": "pdf"}),
                "format 'pdf'",
            ),
            (
                json!({"op": OP, "store": path, "token": 5}),
                "token must be a string",
            ),
        ] {
            let error = run_request(request).unwrap_err();
            assert_eq!(error.code(), "EntraSnapshot.InvalidArgument");
            assert!(error.message().contains(expected), "{}", error.message());
        }
    }
}
