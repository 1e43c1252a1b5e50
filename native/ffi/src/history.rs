//! `snapshot.history`: one object's life across every snapshot of its tenant
//! in a store, oldest first.
//!
//! Request: `{"op": "snapshot.history", "store": "<folder>", "id"? | "name"?
//! (one of them), "type"?, "attribute"?, "from"?, "to"? (a snapshot id,
//! `latest`, `label:NAME`, or an RFC 3339 time: the last snapshot completed
//! at or before it), "format"? ("text": also render it), "identityFile"?,
//! "verifyKeyFiles"?}`. Result: the record `entrasnap history --json`
//! prints, `{"objectType", "objectId", "objectName", "tenantId", "from",
//! "to", "snapshots", "attribute"?, "entries": [...]}`, plus `rendered`
//! with a format. A name several objects have, a name or id nothing has, an
//! attribute the object never had fail with `EntraSnapshot.InvalidArgument`
//! naming it.

use entrasnap_core::ObjectType;
use entrasnap_core::diff::history::{HistoryQuery, Target, history, text};
use serde::Deserialize;
use serde_json::{Map, Value};

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
}

pub(crate) fn prepare(params: Map<String, Value>) -> Operation {
    let prepared = (|| {
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
        Ok((params, query, rendered))
    })();
    match prepared {
        Ok((params, query, rendered)) => {
            Box::new(move |context| run(&params, &query, rendered, context))
        }
        Err(error) => operation::fail(error),
    }
}

fn run(
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
    let h = history(&store, query).map_err(|e| OperationError::from_store(&e))?;
    let mut value = serde_json::to_value(&h).expect("a history serializes");
    if rendered {
        value["rendered"] = Value::String(text(&h));
    }
    Ok(value)
}
