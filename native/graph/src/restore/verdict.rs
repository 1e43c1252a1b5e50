//! What Graph's answer to a step means. Some errors mean the write is already
//! so (a member already present, a link already gone), which is what makes
//! re-running a half-done plan safe.

use entrasnap_core::restore::StepKind;
use serde_json::Value;

use crate::request::graph_error;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    /// Written now; the answer's body (a created object, a restored one).
    Done(Value),
    Already,
    Failed(String),
    /// Only a look at the live object can tell "already so" from a failure
    /// (a restore answered 404, a credential removal refused).
    Check(String),
}

/// The verdict on one answer to a step of `kind`.
pub(crate) fn judge(kind: StepKind, status: u16, body: &Value) -> Verdict {
    if (200..300).contains(&status) {
        return Verdict::Done(body.clone());
    }
    let message = describe(status, body);
    let (_, text) = graph_error(body);
    match (kind, status) {
        // Graph: "One or more added object references already exist for the
        // following modified properties: 'members'."
        (StepKind::AddLink, 400) if text.to_ascii_lowercase().contains("already exist") => {
            Verdict::Already
        }
        (StepKind::RemoveLink | StepKind::RemoveManager | StepKind::Delete, 404) => {
            Verdict::Already
        }
        // Not in the recycle bin: either back already (an earlier run) or purged.
        (StepKind::RestoreDeleted, 404) => Verdict::Check(message),
        // Graph's wording for an unknown keyId is not documented: look instead.
        (StepKind::RevokeCredential, 400 | 404) => Verdict::Check(message),
        _ => Verdict::Failed(message),
    }
}

/// `404 Request_ResourceNotFound: Resource 'x' does not exist ...`: Graph's own words.
pub(crate) fn describe(status: u16, body: &Value) -> String {
    let (code, message) = graph_error(body);
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if message.is_empty() {
        format!("{status} {code}")
    } else {
        format!("{status} {code}: {message}")
    }
}

/// Whether `object` (an application or service principal) still holds a
/// credential with `key_id`.
pub(crate) fn has_credential(object: &Value, key_id: &str) -> bool {
    ["passwordCredentials", "keyCredentials"].iter().any(|p| {
        object
            .get(p)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|c| c.get("keyId").and_then(Value::as_str) == Some(key_id))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn error(code: &str, message: &str) -> Value {
        json!({"error": {"code": code, "message": message}})
    }

    #[test]
    fn graph_answers_that_mean_already_so() {
        let exists = error(
            "Request_BadRequest",
            "One or more added object references already exist for the following modified properties: 'members'.",
        );
        assert_eq!(judge(StepKind::AddLink, 400, &exists), Verdict::Already);
        assert!(matches!(
            judge(StepKind::Update, 400, &exists),
            Verdict::Failed(_)
        ));
        let missing = error("Request_ResourceNotFound", "Resource 'x' does not exist.");
        for kind in [
            StepKind::RemoveLink,
            StepKind::RemoveManager,
            StepKind::Delete,
        ] {
            assert_eq!(judge(kind, 404, &missing), Verdict::Already);
        }
        assert_eq!(
            judge(StepKind::RestoreDeleted, 404, &missing),
            Verdict::Check("404 Request_ResourceNotFound: Resource 'x' does not exist.".into())
        );
        assert_eq!(
            judge(StepKind::Update, 404, &missing),
            Verdict::Failed("404 Request_ResourceNotFound: Resource 'x' does not exist.".into())
        );
        assert_eq!(
            judge(StepKind::Create, 201, &json!({"id": "n"})),
            Verdict::Done(json!({"id": "n"}))
        );
        assert_eq!(
            describe(400, &json!("not json")),
            "400 unknown",
            "an answer without Graph's error body"
        );
    }

    #[test]
    fn credentials_by_key_id() {
        let app =
            json!({"passwordCredentials": [{"keyId": "k1"}], "keyCredentials": [{"keyId": "c1"}]});
        assert!(has_credential(&app, "k1"));
        assert!(has_credential(&app, "c1"));
        assert!(!has_credential(&app, "k2"));
        assert!(!has_credential(&json!({}), "k1"));
    }
}
