//! Does the token carry the permissions a plan needs? Read from the access
//! token's own claims (`roles` for application tokens, `scp` for delegated
//! ones) before the first write, so a restore does not stop half-way on a 403.
//!
//! The token's signature is not checked: this is advice to the caller, and
//! Graph checks the token anyway. The token text never leaves this module,
//! and no message here quotes it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::auth::TokenSource;

/// What the token says about the permissions asked for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "result")]
pub enum PermissionCheck {
    /// The token's claims were read; `missing` lists what it lacks (empty: all there).
    Checked {
        missing: Vec<String>,
        /// Delegated (`scp`): the signed-in user's own roles limit it further.
        delegated: bool,
    },
    /// The claims could not be read (an opaque token, no token); the caller
    /// warns and goes on, and Graph's 403s name the permission.
    Unknown { reason: String },
}

impl PermissionCheck {
    /// True when nothing is known to be missing.
    pub fn is_satisfied(&self) -> bool {
        match self {
            PermissionCheck::Checked { missing, .. } => missing.is_empty(),
            PermissionCheck::Unknown { .. } => true,
        }
    }
}

/// Higher permissions that include lower ones, from the "higher privileged
/// permissions" columns of Graph's permission tables. Kept small on purpose:
/// only what the registry's write permissions need; checked transitively
/// (Directory.ReadWrite.All -> Directory.Read.All -> User.Read.All).
const SUPERSETS: &[(&str, &[&str])] = &[
    (
        "Directory.ReadWrite.All",
        &[
            "Directory.Read.All",
            "User.ReadWrite.All",
            "Group.ReadWrite.All",
            "AdministrativeUnit.ReadWrite.All",
        ],
    ),
    (
        "Directory.Read.All",
        &[
            "User.Read.All",
            "Group.Read.All",
            "GroupMember.Read.All",
            "Application.Read.All",
            "AdministrativeUnit.Read.All",
            "Organization.Read.All",
        ],
    ),
    ("User.ReadWrite.All", &["User.Read.All"]),
    (
        "Group.ReadWrite.All",
        &["Group.Read.All", "GroupMember.ReadWrite.All"],
    ),
    ("GroupMember.ReadWrite.All", &["GroupMember.Read.All"]),
    (
        "Application.ReadWrite.All",
        &["Application.Read.All", "Application.ReadWrite.OwnedBy"],
    ),
    (
        "AdministrativeUnit.ReadWrite.All",
        &["AdministrativeUnit.Read.All"],
    ),
    ("Organization.ReadWrite.All", &["Organization.Read.All"]),
    (
        "RoleManagement.ReadWrite.Directory",
        &["RoleManagement.Read.Directory"],
    ),
];

/// Whether holding `granted` gives `needed` (itself, or a superset of it).
pub fn covers(granted: &str, needed: &str) -> bool {
    covers_depth(granted, needed, 0)
}

fn covers_depth(granted: &str, needed: &str, depth: u8) -> bool {
    if granted.eq_ignore_ascii_case(needed) {
        return true;
    }
    // The table is shallow; the bound only guards against a cycle typed into it.
    depth < 4
        && SUPERSETS
            .iter()
            .filter(|(higher, _)| higher.eq_ignore_ascii_case(granted))
            .flat_map(|(_, lower)| lower.iter())
            .any(|lower| covers_depth(lower, needed, depth + 1))
}

/// Reads the token `source` hands out and lists the `needed` permissions it lacks.
pub async fn check_permissions(source: &dyn TokenSource, needed: &[String]) -> PermissionCheck {
    let token = match source.token(false).await {
        Ok(t) => t,
        Err(e) => {
            return PermissionCheck::Unknown {
                reason: format!("no token to inspect: {e}"),
            };
        }
    };
    let claims = match claims(token.secret().expose()) {
        Ok(c) => c,
        Err(reason) => {
            return PermissionCheck::Unknown {
                reason: reason.to_string(),
            };
        }
    };
    let roles: Vec<&str> = claims
        .get("roles")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let scopes: Vec<&str> = claims
        .get("scp")
        .and_then(Value::as_str)
        .map(|s| s.split_whitespace().collect())
        .unwrap_or_default();
    let delegated = roles.is_empty() && !scopes.is_empty();
    let granted: Vec<&str> = roles.into_iter().chain(scopes).collect();
    let mut missing: Vec<String> = needed
        .iter()
        .filter(|n| !granted.iter().any(|g| covers(g, n)))
        .cloned()
        .collect();
    missing.sort();
    missing.dedup();
    PermissionCheck::Checked { missing, delegated }
}

/// The payload of a JWT (`header.payload.signature`, base64url), as JSON.
fn claims(token: &str) -> Result<Value, &'static str> {
    let parts: Vec<&str> = token.split('.').collect();
    let [_, payload, _] = parts.as_slice() else {
        return Err("the token is not a JWT, so its permissions cannot be read");
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| "the token's payload is not base64url, so its permissions cannot be read")?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|_| "the token's payload is not JSON, so its permissions cannot be read")?;
    if value.is_object() {
        Ok(value)
    } else {
        Err("the token's payload is not a claims object, so its permissions cannot be read")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supersets_cover_lower_permissions_transitively() {
        assert!(covers("Directory.ReadWrite.All", "User.ReadWrite.All"));
        assert!(covers("Directory.ReadWrite.All", "User.Read.All"));
        assert!(covers("directory.readwrite.all", "Group.ReadWrite.All"));
        assert!(covers(
            "Application.ReadWrite.All",
            "Application.ReadWrite.OwnedBy"
        ));
        assert!(!covers("User.ReadWrite.All", "Directory.ReadWrite.All"));
        assert!(!covers(
            "Policy.ReadWrite.ConditionalAccess",
            "Policy.Read.All"
        ));
        assert!(!covers(
            "Directory.ReadWrite.All",
            "Application.ReadWrite.All"
        ));
    }

    #[test]
    fn claims_of_a_jwt_only() {
        assert!(claims("opaque-token").is_err());
        assert!(claims("a.b").is_err());
        assert!(claims("a.!!!.c").is_err());
        let payload = URL_SAFE_NO_PAD.encode(br#"{"roles":["User.Read.All"]}"#);
        assert_eq!(
            claims(&format!("h.{payload}.s")).unwrap()["roles"][0],
            "User.Read.All"
        );
    }
}
