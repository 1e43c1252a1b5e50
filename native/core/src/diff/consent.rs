//! The severity rule for delegated permission grants (consent): an app
//! granted scopes on an API, for every user or for one.
//!
//! A compromised admin who consents an attacker's app to Mail.Read or
//! Directory.ReadWrite.All for all users has planted persistence that
//! survives password resets: MITRE ATT&CK T1098.003 (Account Manipulation:
//! Additional Cloud Roles, "add additional roles or permissions to an
//! adversary-controlled cloud account"); the consent-phishing way in is
//! T1528 (Steal Application Access Token). Reasons carry both ids.

use serde_json::Value;

use super::model::{ChangeKind, Severity};
use super::severity::{Context, Subject, Verdict};
use crate::graph_permissions;

const TECHNIQUE: &str = "MITRE ATT&CK T1098.003, T1528";

fn scopes(body: Option<&Value>) -> Vec<&str> {
    body.and_then(|b| b.get("scope"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .split(' ')
        .filter(|s| !s.is_empty())
        .collect()
}

fn missing_from<'a>(these: &[&'a str], those: &[&str]) -> Vec<&'a str> {
    these
        .iter()
        .filter(|s| !those.iter().any(|t| t.eq_ignore_ascii_case(s)))
        .copied()
        .collect()
}

/// "for all users" or "for 'Mallory'".
fn whom(body: &Value, ctx: &Context) -> String {
    match body.get("principalId").and_then(Value::as_str) {
        Some(user) => format!("for '{}'", ctx.name(user)),
        None => "for all users".to_string(),
    }
}

/// Scopes gained rank by reach and power: every user and a privileged scope
/// (mail, files, directory writes) is critical, either one high, else medium.
/// Scopes lost are medium when the whole grant went (an app's users can no
/// longer use it), low when it only narrowed.
pub fn delegated_consent(s: &Subject, ctx: &Context) -> Option<Verdict> {
    if s.change.object_type != "oAuth2PermissionGrant" {
        return None;
    }
    let body = s.after.or(s.before)?;
    let client = ctx.name(body.get("clientId").and_then(Value::as_str)?);
    let resource = ctx.name(body.get("resourceId").and_then(Value::as_str)?);
    let (old, new) = (scopes(s.before), scopes(s.after));
    let gained = missing_from(&new, &old);
    let whom = whom(body, ctx);
    if !gained.is_empty() {
        let all_users = body.get("principalId").and_then(Value::as_str).is_none();
        let privileged = gained
            .iter()
            .any(|g| graph_permissions::is_privileged_scope(g));
        let severity = match (all_users, privileged) {
            (true, true) => Severity::Critical,
            (true, false) | (false, true) => Severity::High,
            (false, false) => Severity::Medium,
        };
        let how = if s.change.kind == ChangeKind::Modified {
            "was additionally granted"
        } else {
            "was granted"
        };
        return Some((
            severity,
            format!(
                "'{client}' {how} {} on '{resource}' {whom} by consent ({TECHNIQUE})",
                gained.join(", ")
            ),
        ));
    }
    let lost = missing_from(&old, &new);
    if lost.is_empty() {
        return None;
    }
    let (severity, how) = if s.change.kind == ChangeKind::Removed {
        (Severity::Medium, "the grant was deleted")
    } else {
        (Severity::Low, "the grant was narrowed")
    };
    Some((
        severity,
        format!(
            "'{client}' lost {} on '{resource}' {whom}: {how}",
            lost.join(", ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::model::Change;
    use super::*;
    use serde_json::json;

    fn judge(kind: ChangeKind, before: Option<Value>, after: Option<Value>) -> Option<Verdict> {
        let change = Change {
            object_type: "oAuth2PermissionGrant".to_string(),
            object_id: "g".to_string(),
            object_name: "g".to_string(),
            kind,
            attributes: Vec::new(),
            links: Vec::new(),
            severity: Severity::Info,
            reason: String::new(),
            restorable: None,
            attribution: None,
        };
        let mut ctx = Context::default();
        ctx.names.insert("evil".into(), "Evil App".into());
        ctx.names.insert("graph".into(), "Microsoft Graph".into());
        ctx.names.insert("u1".into(), "Mallory".into());
        delegated_consent(
            &super::super::severity::Subject {
                change: &change,
                before: before.as_ref(),
                after: after.as_ref(),
            },
            &ctx,
        )
    }

    fn grant(principal: Option<&str>, scope: &str) -> Value {
        json!({"clientId": "evil", "resourceId": "graph", "principalId": principal,
               "consentType": if principal.is_some() { "Principal" } else { "AllPrincipals" }, "scope": scope})
    }

    #[test]
    fn rule_delegated_consent() {
        let v = judge(
            ChangeKind::Added,
            None,
            Some(grant(None, "Mail.Read User.Read")),
        );
        assert_eq!(
            v.unwrap(),
            (
                Severity::Critical,
                "'Evil App' was granted Mail.Read, User.Read on 'Microsoft Graph' for all users by consent (MITRE ATT&CK T1098.003, T1528)".to_string()
            )
        );
        let v = judge(
            ChangeKind::Added,
            None,
            Some(grant(Some("u1"), "Mail.Read")),
        );
        assert_eq!(v.unwrap().0, Severity::High);
        let v = judge(
            ChangeKind::Added,
            None,
            Some(grant(Some("u1"), "User.Read")),
        );
        assert_eq!(v.unwrap().0, Severity::Medium);
        let v = judge(
            ChangeKind::Modified,
            Some(grant(None, "User.Read")),
            Some(grant(None, "User.Read Directory.ReadWrite.All")),
        );
        assert_eq!(
            v.unwrap(),
            (
                Severity::Critical,
                "'Evil App' was additionally granted Directory.ReadWrite.All on 'Microsoft Graph' for all users by consent (MITRE ATT&CK T1098.003, T1528)".to_string()
            )
        );
        let v = judge(ChangeKind::Removed, Some(grant(None, "User.Read")), None);
        assert_eq!(
            v.unwrap(),
            (
                Severity::Medium,
                "'Evil App' lost User.Read on 'Microsoft Graph' for all users: the grant was deleted"
                    .to_string()
            )
        );
        // Same scopes in another order: nothing gained or lost.
        let v = judge(
            ChangeKind::Modified,
            Some(grant(None, "A B")),
            Some(grant(None, "B A")),
        );
        assert_eq!(v, None);
    }
}
