//! `key.generate`: a new Ed25519 key pair for signing snapshots, for callers
//! without the `entrasnap` command (a runbook, Windows without OpenSSL).
//!
//! `{"op": "key.generate", "privateKeyFile": "<path>"}` -> `{"keyId",
//! "privateKey", "publicKey"}`: the private key written owner-only at the
//! path, the public key beside it with `.pub` added. Neither may exist. The
//! result names files only, never key material.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::context::{JobContext, OperationError};
use crate::operation::{self, Operation};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Params {
    private_key_file: String,
}

pub(crate) fn prepare(params: Map<String, Value>) -> Operation {
    match operation::params::<Params>("key.generate", params) {
        Ok(params) => Box::new(move |context| run(&params, context)),
        Err(error) => operation::fail(error),
    }
}

fn run(params: &Params, context: &JobContext) -> Result<Value, OperationError> {
    context.check_cancelled()?;
    let made =
        entrasnap_core::store::write_key_pair(std::path::Path::new(&params.private_key_file))
            .map_err(|e| OperationError::from_store(&e))?;
    Ok(serde_json::to_value(made).expect("a key pair serializes"))
}

#[cfg(test)]
mod tests {
    use crate::list::tests::run_request;
    use serde_json::json;

    #[test]
    fn makes_a_key_pair_once_and_names_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("sign.pem");
        let made = run_request(json!({"op": "key.generate", "privateKeyFile": key})).unwrap();
        assert_eq!(made["privateKey"], key.to_str().unwrap());
        assert_eq!(made["publicKey"], format!("{}.pub", key.display()));
        assert_eq!(made["keyId"].as_str().unwrap().len(), 16);
        let text = std::fs::read_to_string(&key).unwrap();
        assert!(!made.to_string().contains(text.lines().nth(1).unwrap()));
        let again = run_request(json!({"op": "key.generate", "privateKeyFile": key})).unwrap_err();
        assert_eq!(again.code(), "EntraSnapshot.InvalidArgument");
        assert!(
            again.message().contains("never replaced"),
            "{}",
            again.message()
        );
    }
}
