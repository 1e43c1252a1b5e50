//! `snapshot.verify`: re-hash everything one snapshot (or every snapshot)
//! in a store refers to.
//!
//! Request: `{"op": "snapshot.verify", "store": "<folder>", "snapshot":
//! "<id>" | "latest", "verifyKeyFiles": ["<public key PEM>"]}` (`snapshot`
//! optional: all snapshots; `verifyKeyFiles` optional: signatures are then
//! checked). Result: the engine's report `{"snapshotsChecked",
//! "objectsChecked", "signaturesChecked", "problems": [{"snapshot", "kind",
//! "type"?, "objectId"?, "objectName"?, "hash"?, "message"}], "warnings":
//! ["..."]}`. Problems are the answer, not a failure: the job succeeds
//! and the caller decides what a damaged snapshot means to it.

use entrasnap_core::SnapshotStore;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::context::{JobContext, OperationError, Progress};
use crate::operation::{self, Operation};
use crate::store;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    store: String,
    /// The age identity file that decrypts an encrypted store.
    #[serde(default)]
    identity_file: Option<String>,
    #[serde(default)]
    snapshot: Option<String>,
    /// Ed25519 public keys (PEM): every signature is checked against them.
    #[serde(default)]
    verify_key_files: Vec<String>,
}

pub(crate) fn prepare(params: Map<String, Value>) -> Operation {
    match operation::params::<Params>("snapshot.verify", params) {
        Ok(params) => Box::new(move |context| run(&params, context)),
        Err(error) => operation::fail(error),
    }
}

fn run(params: &Params, context: &JobContext) -> Result<Value, OperationError> {
    context.check_cancelled()?;
    let keys = store::KeyFiles {
        signing: None,
        verify: params.verify_key_files.clone(),
        identity: params.identity_file.clone(),
        recipients: Vec::new(),
    };
    let store = store::open_existing_with(&params.store, &keys)?;
    let snapshot = match params.snapshot.as_deref() {
        Some(id) => Some(store::existing_snapshot(&store, id)?.to_string()),
        None => None,
    };
    context.progress(Progress {
        activity: "Verifying snapshots".to_owned(),
        status: match &snapshot {
            Some(id) => format!("re-hashing snapshot {id}"),
            None => "re-hashing every snapshot".to_owned(),
        },
        percent: None,
    });
    let report = store
        .verify(snapshot.as_deref())
        .map_err(|e| OperationError::from_store(&e))?;
    Ok(serde_json::to_value(report).expect("a verify report serializes"))
}

#[cfg(test)]
mod tests {
    use crate::list::tests::run_request;
    use serde_json::json;

    #[test]
    fn an_empty_store_verifies_with_nothing_checked() {
        let dir = tempfile::tempdir().unwrap();
        entrasnap_core::LocalStore::open(dir.path()).unwrap();
        let store = dir.path().to_str().unwrap();
        let report = run_request(json!({ "op": "snapshot.verify", "store": store })).unwrap();
        assert_eq!(report["snapshotsChecked"], 0);
        assert_eq!(report["problems"], json!([]));
    }

    #[test]
    fn an_unknown_snapshot_is_named() {
        let dir = tempfile::tempdir().unwrap();
        entrasnap_core::LocalStore::open(dir.path()).unwrap();
        let store = dir.path().to_str().unwrap();
        let error =
            run_request(json!({ "op": "snapshot.verify", "store": store, "snapshot": "latest" }))
                .unwrap_err();
        assert_eq!(error.code(), "EntraSnapshot.StoreError");
        let error = run_request(
            json!({ "op": "snapshot.verify", "store": store, "snapshot": "not an id" }),
        )
        .unwrap_err();
        assert_eq!(
            error.code(),
            "EntraSnapshot.InvalidArgument",
            "{}",
            error.message()
        );
    }

    #[test]
    fn verify_key_files_check_signatures_and_a_bad_one_is_named() {
        use entrasnap_core::store::{StoreKeys, generate_signing_key, write_private_key};
        let dir = tempfile::tempdir().unwrap();
        let (private, public, key_id) = generate_signing_key().unwrap();
        let key = dir.path().join("k.pem");
        let public_file = dir.path().join("k.pem.pub");
        write_private_key(&key, &private).unwrap();
        std::fs::write(&public_file, public).unwrap();
        let root = dir.path().join("store");
        let signing = entrasnap_core::LocalStore::open(&root)
            .unwrap()
            .with_keys(StoreKeys::load(Some(&key), &[]).unwrap());
        let ty = entrasnap_core::ObjectType::find("user").unwrap();
        let id = entrasnap_core::SnapshotStore::begin(&signing, "t-1", &[ty])
            .unwrap()
            .finish()
            .unwrap();
        let manifest = root.join("snapshots").join(format!("{id}.json"));
        assert!(
            std::fs::read_to_string(&manifest)
                .unwrap()
                .contains(&key_id)
        );

        let report = run_request(json!({
            "op": "snapshot.verify", "store": root, "verifyKeyFiles": [public_file]
        }))
        .unwrap();
        assert_eq!(report["signaturesChecked"], 1);
        assert_eq!(report["problems"], json!([]));
        assert_eq!(report["warnings"], json!([]));

        let error = run_request(json!({
            "op": "snapshot.verify", "store": root, "verifyKeyFiles": [manifest]
        }))
        .unwrap_err();
        assert_eq!(error.code(), "EntraSnapshot.InvalidArgument");
        assert!(
            error.message().contains("is not an Ed25519 public key"),
            "{}",
            error.message()
        );
    }
}
