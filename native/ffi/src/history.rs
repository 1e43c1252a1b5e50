//! `snapshot.history`: one object's life across every snapshot of its tenant
//! in a store, oldest first.
//!
//! Request: `{"op": "snapshot.history", "store": "<folder>", "id"? | "name"?
//! (one of them), "type"?, "attribute"?, "from"?, "to"? (a snapshot id,
//! `latest`, `label:NAME`, or an RFC 3339 time: the last snapshot completed
//! at or before it), "format"? ("text": also render it), "identityFile"?,
//! "verifyKeyFiles"?}`. Result: the record `entrasnap history --json`
//! prints, `{"objectType", "objectId", "objectName", "tenantId", "from",
//! "to", "snapshots", "attribute"?, "entries": [...]}`, each entry with its
//! `details` (the attribute lines the command prints under it) and
//! `changedBy` (its actors' labels, as `snapshot.compare` gives them), plus
//! `rendered` with a format. A name several objects have, a name or id nothing has, an
//! attribute the object never had fail with `EntraSnapshot.InvalidArgument`
//! naming it.

use entrasnap_core::ObjectType;
use entrasnap_core::diff::history::{HistoryQuery, Target, attribute_history, history, text};
use entrasnap_core::diff::render::{attribution_text, change_lines};
use entrasnap_graph::CancellationToken;
use entrasnap_graph::audit::read_window;

use crate::graph_access::GraphAccess;
use crate::runtime;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::context::{JobContext, OperationError, Progress};
use crate::operation::{self, Operation};
use crate::store;

const OP: &str = "snapshot.history";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    store: String,
    /// The age identity file that decrypts an encrypted store.
    #[serde(default)]
    identity_file: Option<String>,
    /// Ed25519 public keys (PEM) that must have signed the snapshots read.
    #[serde(default)]
    verify_key_files: Vec<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "type")]
    object_type: Option<String>,
    #[serde(default)]
    attribute: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    /// `text` renders the history as `entrasnap history` prints it.
    #[serde(default)]
    format: Option<String>,
    /// Read the audit log (signing in to Graph) and say who made each change.
    #[serde(default)]
    audit: bool,
    #[serde(default)]
    audit_retention_days: Option<u32>,
    #[serde(default)]
    audit_delay_minutes: Option<u32>,
}

pub(crate) fn prepare(mut params: Map<String, Value>) -> Operation {
    let prepared = (|| {
        let access = GraphAccess::take(OP, &mut params)?;
        let params: Params = operation::params(OP, params)?;
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
        let target = match (&params.id, &params.name) {
            (Some(id), None) if !blank(&params.id) => Target::Id(id.trim().to_owned()),
            (None, Some(name)) if !blank(&params.name) => Target::Name(name.clone()),
            _ => {
                return Err(OperationError::invalid_argument(&format!(
                    "{OP}: give exactly one of id and name"
                )));
            }
        };
        let object_type = match &params.object_type {
            None => None,
            Some(t) => Some(ObjectType::find(t.trim()).ok_or_else(|| {
                OperationError::invalid_argument(&format!(
                    "{OP}: unknown object type '{t}'; known: {}",
                    ObjectType::known_names()
                ))
            })?),
        };
        let rendered = match params.format.as_deref() {
            None | Some("json") => false,
            Some("text") => true,
            Some(f) => {
                return Err(OperationError::invalid_argument(&format!(
                    "{OP}: format '{f}' is not one of text, json"
                )));
            }
        };
        let query = HistoryQuery {
            target,
            object_type,
            attribute: params.attribute.as_ref().map(|a| a.trim().to_owned()),
            from: params.from.clone(),
            to: params.to.clone(),
        };
        Ok((access, params, query, rendered))
    })();
    match prepared {
        Ok((access, params, query, rendered)) => Box::new(move |context| {
            run(&access, &params, &query, rendered, context).map_err(|e| access.redact(e, context))
        }),
        Err(error) => operation::fail(error),
    }
}

fn run(
    access: &GraphAccess,
    params: &Params,
    query: &HistoryQuery,
    rendered: bool,
    context: &JobContext,
) -> Result<Value, OperationError> {
    context.check_cancelled()?;
    let keys = store::KeyFiles {
        signing: None,
        verify: params.verify_key_files.clone(),
        identity: params.identity_file.clone(),
        recipients: Vec::new(),
    };
    let store = store::open_existing_with(&params.store, &keys)?;
    context.progress(Progress {
        activity: "Reading an object's history".to_owned(),
        status: "walking the store's snapshots, oldest first".to_owned(),
        percent: None,
    });
    let mut h = history(&store, query).map_err(|e| OperationError::from_store(&e))?;
    if params.audit {
        let settings =
            crate::audit::settings(params.audit_retention_days, params.audit_delay_minutes);
        let cancel = CancellationToken::new();
        let (from, to) = (h.from.created_at, h.to.completed_at);
        let log = runtime::block_on(context, &cancel, async {
            let client = access.client(context, &cancel)?;
            Ok::<_, OperationError>(read_window(&client, from, to, &settings).await)
        })??;
        attribute_history(&mut h, &log);
    }
    let mut value = serde_json::to_value(&h).expect("a history serializes");
    // Each entry's lines for people, as the command prints them under it,
    // and its actors labelled as a compare's changes label them.
    if let Some(entries) = value["entries"].as_array_mut() {
        for (json, entry) in entries.iter_mut().zip(&h.entries) {
            let mut details = change_lines(&entry.attributes, &entry.links);
            details.extend(entry.attribution.iter().flat_map(attribution_text));
            json["details"] = json!(details);
            json["changedBy"] = json!(crate::records::changed_by(entry.attribution.as_ref()));
        }
    }
    if rendered {
        value["rendered"] = Value::String(text(&h));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use crate::list::tests::run_request;
    use chrono::{TimeZone, Utc};
    use entrasnap_core::{LocalStore, ObjectType, normalize};
    use serde_json::{Value, json};

    const TENANT: &str = "0f5b2c1e-7d44-4c1a-9a4e-2b6f3d8e9c10";
    const ID: &str = "9b5a3c1e-0000-4000-8000-000000000001";

    fn snapshot(store: &LocalStore, day: u32, state: &str) -> String {
        let ty = ObjectType::find("conditionalAccessPolicy").unwrap();
        let at = Utc.with_ymd_and_hms(2026, 3, day, 0, 0, 0).unwrap();
        let w = store.begin_at(TENANT, &[ty], at).unwrap();
        let policy = json!({
            "id": ID, "displayName": "CA001 - Require MFA for all users", "state": state,
            "conditions": {"users": {"includeUsers": ["All"]}}
        });
        w.put(ty, &normalize(ty, policy).unwrap()).unwrap();
        w.finish().unwrap().to_string()
    }

    #[test]
    fn the_history_is_the_record_the_command_prints() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let first = snapshot(&store, 1, "enabled");
        let second = snapshot(&store, 2, "disabled");
        let path = dir.path().to_str().unwrap();
        let h = run_request(json!({
            "op": "snapshot.history", "store": path, "name": "CA001 - Require MFA for all users",
            "format": "text"
        }))
        .unwrap();
        assert_eq!(h["objectId"], ID);
        assert_eq!(h["entries"][0]["event"], "created");
        assert_eq!(h["entries"][1]["event"], "changed");
        assert_eq!(h["entries"][1]["from"]["id"], json!(first));
        assert_eq!(h["entries"][1]["to"]["id"], json!(second));
        assert_eq!(
            h["entries"][1]["attributes"],
            json!([{"path": "state", "old": "enabled", "new": "disabled"}])
        );
        assert_eq!(
            h["entries"][1]["details"],
            json!(["state: enabled -> disabled"])
        );
        assert_eq!(
            h["entries"][1]["changedBy"],
            json!([]),
            "not audited: no actors"
        );
        let text = h["rendered"].as_str().unwrap();
        assert!(text.contains("    state: enabled -> disabled"), "{text}");

        for (request, code, expected) in [
            (
                json!({"op": "snapshot.history", "store": path}),
                "EntraSnapshot.InvalidArgument",
                "exactly one of id and name",
            ),
            (
                json!({"op": "snapshot.history", "store": path, "id": ID, "name": "x"}),
                "EntraSnapshot.InvalidArgument",
                "exactly one of id and name",
            ),
            (
                json!({"op": "snapshot.history", "store": path, "name": "nothing"}),
                "EntraSnapshot.InvalidArgument",
                "no object named 'nothing'",
            ),
            (
                json!({"op": "snapshot.history", "store": path, "id": ID, "attribute": "colour"}),
                "EntraSnapshot.InvalidArgument",
                "attribute 'colour' matched nothing",
            ),
            (
                json!({"op": "snapshot.history", "store": path, "id": ID, "type": "policy"}),
                "EntraSnapshot.InvalidArgument",
                "unknown object type 'policy'",
            ),
            (
                json!({"op": "snapshot.history", "store": path, "id": ID, "from": "label:gone"}),
                "EntraSnapshot.StoreError",
                "no label 'gone'",
            ),
        ] {
            let error = run_request(request.clone()).unwrap_err();
            assert_eq!(error.code(), code, "{request}: {}", error.message());
            assert!(error.message().contains(expected), "{}", error.message());
        }
        let _: Value = h;
    }
}
