//! Delegated permission grants over HTTP as Graph serves them: ids derived
//! from what a grant joins, validation, one grant per client, resource and
//! principal (409), only `scope` changes, and a grant created again after a
//! delete gets its old id back.

use serde_json::{Value, json};

use crate::util::Graph;

/// Microsoft Graph's appId, the resource of the seeded consents.
const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

async fn graph_sp(g: &Graph) -> String {
    let r = g
        .get(&format!(
            "/v1.0/servicePrincipals?$filter=appId eq '{GRAPH_APP_ID}'&$select=id"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["value"][0]["id"].as_str().unwrap().to_string()
}

async fn first(g: &Graph, path: &str) -> Value {
    let r = g.get(path).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["value"][0].clone()
}

#[tokio::test]
async fn a_grant_is_validated_unique_and_keeps_its_id_across_delete_and_create() {
    let g = Graph::demo().await;
    let resource = graph_sp(&g).await;
    let client = first(&g, "/v1.0/oauth2PermissionGrants").await["clientId"]
        .as_str()
        .unwrap()
        .to_string();
    let user = first(&g, "/v1.0/users?$select=id").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let grant = json!({
        "clientId": client, "consentType": "Principal", "principalId": user,
        "resourceId": resource, "scope": "User.Read",
    });

    let created = g.post("/v1.0/oauth2PermissionGrants", grant.clone()).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    // base64url of three GUIDs' bytes: 48 bytes, 64 characters, no padding.
    assert_eq!(id.len(), 64, "{id}");
    assert_eq!(created.body["scope"], "User.Read");

    let again = g.post("/v1.0/oauth2PermissionGrants", grant.clone()).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert_eq!(
        again.error_code(),
        "Request_MultipleObjectsWithSameKeyValue"
    );
    assert_eq!(again.error_message(), "Permission entry already exists.");

    for (property, value) in [
        ("scope", json!("User.Read Not.A.Scope")),
        ("consentType", json!("Everyone")),
        ("principalId", json!("5f3b8a2e-0000-4000-8000-00000000abcd")),
        ("resourceId", json!("5f3b8a2e-0000-4000-8000-00000000abcd")),
    ] {
        let mut bad = grant.clone();
        bad[property] = value;
        let r = g.post("/v1.0/oauth2PermissionGrants", bad).await;
        assert_eq!(r.status, 400, "{property}: {}", r.body);
        assert!(
            r.error_message().contains(&format!("'{property}'")),
            "{property}: {}",
            r.error_message()
        );
    }
    // An admin's consent for everyone names no user.
    let mut everyone = grant.clone();
    everyone["consentType"] = json!("AllPrincipals");
    let r = g.post("/v1.0/oauth2PermissionGrants", everyone).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.error_message().contains("'principalId'"),
        "{}",
        r.error_message()
    );

    // Only the scope changes.
    let path = format!("/v1.0/oauth2PermissionGrants/{id}");
    let r = g
        .patch(&path, json!({"scope": "User.Read Mail.Read"}))
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    assert_eq!(g.get(&path).await.body["scope"], "User.Read Mail.Read");
    let r = g.patch(&path, json!({"clientId": resource})).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(g.get(&path).await.body["clientId"], json!(client));

    // Deleted (grants have no recycle bin) and created again: the same id.
    assert_eq!(g.delete(&path).await.status, 204);
    assert_eq!(g.get(&path).await.status, 404);
    let recreated = g.post("/v1.0/oauth2PermissionGrants", grant).await;
    assert_eq!(recreated.status, 201, "{}", recreated.body);
    assert_eq!(recreated.body["id"], json!(id));
}
