//! Delegated permission grants (`/oauth2PermissionGrants`): the ids Graph
//! derives from what a grant joins, and its validation.
//!
//! Sources: microsoft-graph-docs-contrib `api-reference/v1.0/resources/oauth2permissiongrant.md`
//! (properties; clientId and resourceId are service principal object ids,
//! principalId is null unless consentType is `Principal`), `oauth2permissiongrant-update.md`
//! (only `scope` changes), hashicorp/terraform-provider-azuread#690 (a second grant
//! for the same client, resource and principal: 409 `Request_MultipleObjectsWithSameKeyValue`
//! "Permission entry already exists."), Azure/azure-cli#20974 (real grant ids).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::error::{GraphError, GraphResult};
use crate::kind::Kind;
use crate::tenant::{Obj, Tenant};

const CONSENT_TYPES: &[&str] = &["AllPrincipals", "Principal"];

/// A GUID's bytes as .NET lays them out (the first three groups little-endian).
fn guid_bytes(guid: &str) -> Option<[u8; 16]> {
    let hex: String = guid.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || guid.len() != 36 {
        return None;
    }
    let mut b = [0u8; 16];
    for (i, byte) in b.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    b[0..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    Some(b)
}

/// Graph's id of a grant: base64url of the client's, the resource's and (for
/// a `Principal` grant) the user's GUID bytes. Azure/azure-cli#20974 shows
/// client b25985a8-... as "qIVZsiud3k-fp2xOQ6jd7A" leading both its grants' ids.
/// So a grant deleted and created again gets its old id back.
pub fn grant_id(body: &Obj) -> Option<String> {
    let mut bytes = Vec::with_capacity(48);
    for p in ["clientId", "resourceId"] {
        bytes.extend(guid_bytes(body.get(p)?.as_str()?)?);
    }
    if let Some(principal) = body.get("principalId").and_then(Value::as_str) {
        bytes.extend(guid_bytes(principal)?);
    }
    Some(URL_SAFE_NO_PAD.encode(bytes))
}

fn invalid(property: &str) -> GraphError {
    // Graph's usual wording for a bad property value; the exact text for grants is unconfirmed.
    GraphError::bad_request(format!(
        "Invalid value specified for property '{property}' of resource 'OAuth2PermissionGrant'."
    ))
}

fn text<'a>(g: &'a Obj, p: &str) -> Option<&'a str> {
    g.get(p).and_then(Value::as_str)
}

/// Checks a grant as it will be stored: both ends are service principals of
/// this tenant, the consent type and principal agree, every scope is one the
/// resource publishes, and no other grant joins the same three. A new grant
/// joining them has the existing one's id (it is derived from the three),
/// so on create any grant with its id is that other grant.
pub fn check(t: &Tenant, g: &Obj, creating: bool) -> GraphResult<()> {
    for p in ["clientId", "resourceId"] {
        let id = text(g, p).unwrap_or_default();
        if !t.exists(Kind::ServicePrincipal, id) {
            return Err(invalid(p));
        }
    }
    let consent = text(g, "consentType").unwrap_or_default();
    if !CONSENT_TYPES.contains(&consent) {
        return Err(invalid("consentType"));
    }
    match (consent, text(g, "principalId")) {
        ("Principal", Some(user)) if t.exists(Kind::User, user) => {}
        ("AllPrincipals", None) => {}
        _ => return Err(invalid("principalId")),
    }
    let resource = t
        .get(
            Kind::ServicePrincipal,
            text(g, "resourceId").unwrap_or_default(),
        )
        .expect("checked above");
    let published: Vec<&str> = resource
        .get("oauth2PermissionScopes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|s| s.get("isEnabled") != Some(&Value::Bool(false)))
        .filter_map(|s| s.get("value").and_then(Value::as_str))
        .collect();
    let scope = match g.get("scope") {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s,
        Some(_) => return Err(invalid("scope")),
    };
    if scope
        .split(' ')
        .any(|s| !s.is_empty() && !published.contains(&s))
    {
        return Err(invalid("scope"));
    }
    let me = text(g, "id");
    let duplicate = t
        .collection(Kind::OAuth2PermissionGrant)
        .into_iter()
        .flatten()
        .any(|(id, x)| {
            (creating || Some(id.as_str()) != me)
                && ["clientId", "resourceId", "principalId"]
                    .iter()
                    .all(|p| x.get(*p) == g.get(*p))
        });
    if duplicate {
        return Err(GraphError::new(
            409,
            "Request_MultipleObjectsWithSameKeyValue",
            "Permission entry already exists.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_follow_graph() {
        // Azure/azure-cli#20974: the AllPrincipals grant of client b25985a8-...
        // on resource a3efc889-... and the Principal grant of user 182c8534-...
        let mut g: Obj = serde_json::from_value(json!({
            "clientId": "b25985a8-9d2b-4fde-9fa7-6c4e43a8ddec",
            "resourceId": "a3efc889-f1b7-4532-9e01-91e32d1039f4",
        }))
        .unwrap();
        assert_eq!(
            grant_id(&g).unwrap(),
            "qIVZsiud3k-fp2xOQ6jd7InI76O38TJFngGR4y0QOfQ"
        );
        g.insert(
            "principalId".into(),
            json!("182c8534-f413-487c-91a3-7addc80e35d5"),
        );
        assert_eq!(
            grant_id(&g).unwrap(),
            "qIVZsiud3k-fp2xOQ6jd7InI76O38TJFngGR4y0QOfQ0hSwYE_R8SJGjet3IDjXV"
        );
        g.insert("clientId".into(), json!("not-a-guid"));
        assert_eq!(grant_id(&g), None);
    }
}
