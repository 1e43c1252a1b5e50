use serde_json::json;

use crate::util::Graph;

#[tokio::test]
async fn a_soft_deleted_policy_is_restored_with_its_id() {
    let g = Graph::demo().await;
    let id = g
        .id_by_name(
            "identity/conditionalAccess/policies",
            "CA001 - Require MFA for all users",
        )
        .await;
    let path = format!("/v1.0/identity/conditionalAccess/policies/{id}");
    let before = g.get(&path).await.body;
    assert_eq!(g.delete(&path).await.status, 204);
    assert_eq!(g.get(&path).await.status, 404);
    let bin = g
        .get("/v1.0/identity/conditionalAccess/deletedItems/policies")
        .await;
    let listed = bin.body["value"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], id.as_str());
    assert!(listed[0]["deletedDateTime"].is_string());
    let r = g
        .post(
            &format!("/v1.0/identity/conditionalAccess/deletedItems/policies/{id}/restore"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["id"], id.as_str());
    let after = g.get(&path).await.body;
    assert_eq!(after["conditions"], before["conditions"]);
    assert_eq!(after["grantControls"], before["grantControls"]);
    assert!(
        g.get("/v1.0/identity/conditionalAccess/deletedItems/policies")
            .await
            .body["value"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_hard_deleted_named_location_leaves_a_dangling_reference() {
    let g = Graph::demo().await;
    let loc = g
        .id_by_name(
            "identity/conditionalAccess/namedLocations",
            "Allowed Countries",
        )
        .await;
    assert_eq!(
        g.delete(&format!(
            "/v1.0/identity/conditionalAccess/namedLocations/{loc}"
        ))
        .await
        .status,
        204
    );
    assert_eq!(
        g.delete(&format!(
            "/v1.0/identity/conditionalAccess/deletedItems/namedLocations/{loc}"
        ))
        .await
        .status,
        204
    );
    assert_eq!(
        g.post(
            &format!("/v1.0/identity/conditionalAccess/deletedItems/namedLocations/{loc}/restore"),
            json!({})
        )
        .await
        .status,
        404
    );
    // The policy that named it still does, as in Graph; writing it back now fails.
    let policy = g
        .get("/v1.0/identity/conditionalAccess/policies?$filter=startswith(displayName,'CA004')")
        .await
        .body["value"][0]
        .clone();
    assert_eq!(
        policy["conditions"]["locations"]["excludeLocations"][0],
        loc.as_str()
    );
    let r = g
        .patch(
            &format!(
                "/v1.0/identity/conditionalAccess/policies/{}",
                policy["id"].as_str().unwrap()
            ),
            json!({"conditions": policy["conditions"]}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.error_message().starts_with("1040: NamedLocation"));
}

#[tokio::test]
async fn users_come_back_with_their_id_and_memberships() {
    let g = Graph::demo().await;
    let bg = g
        .get("/v1.0/users?$filter=startswith(displayName,'Break Glass Admin 1')")
        .await
        .body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let group = g.id_by_name("groups", "SG-CA-Exclude-BreakGlass").await;
    assert_eq!(g.delete(&format!("/v1.0/users/{bg}")).await.status, 204);
    assert_eq!(
        g.get_all(&format!("/v1.0/groups/{group}/members"))
            .await
            .0
            .len(),
        1,
        "a deleted user leaves its groups"
    );
    let bin = g
        .get("/v1.0/directory/deletedItems/microsoft.graph.user")
        .await;
    assert_eq!(bin.body["value"][0]["id"], bg.as_str());
    assert_eq!(bin.body["value"][0]["@odata.type"], "#microsoft.graph.user");
    assert_eq!(
        g.get("/v1.0/directory/deletedItems").await.status,
        400,
        "the cast is required"
    );
    let r = g
        .post(
            &format!("/v1.0/directory/deletedItems/{bg}/restore"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["id"], bg.as_str());
    assert_eq!(
        g.get_all(&format!("/v1.0/groups/{group}/members"))
            .await
            .0
            .len(),
        2,
        "memberships come back"
    );
}

#[tokio::test]
async fn deleting_an_application_deletes_its_service_principal_and_restore_brings_back_only_the_app()
 {
    let g = Graph::demo().await;
    let app = g
        .get("/v1.0/applications?$filter=displayName eq 'Contoso HR Portal'")
        .await
        .body["value"][0]
        .clone();
    let (id, app_id) = (app["id"].as_str().unwrap(), app["appId"].as_str().unwrap());
    let sp = g
        .get(&format!(
            "/v1.0/servicePrincipals?$filter=appId eq '{app_id}'"
        ))
        .await
        .body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        g.delete(&format!("/v1.0/applications/{id}")).await.status,
        204
    );
    assert_eq!(
        g.get(&format!("/v1.0/servicePrincipals/{sp}")).await.status,
        404
    );
    let deleted_sps = g
        .get("/v1.0/directory/deletedItems/microsoft.graph.servicePrincipal")
        .await;
    assert_eq!(deleted_sps.body["value"][0]["id"], sp.as_str());
    assert_eq!(
        g.post(
            &format!("/v1.0/directory/deletedItems/{id}/restore"),
            json!({})
        )
        .await
        .status,
        200
    );
    assert_eq!(
        g.get(&format!("/v1.0/applications/{id}")).await.body["appId"],
        app_id
    );
    assert_eq!(
        g.get(&format!("/v1.0/servicePrincipals/{sp}")).await.status,
        404,
        "the service principal stays deleted"
    );
    assert_eq!(
        g.post(
            &format!("/v1.0/directory/deletedItems/{sp}/restore"),
            json!({})
        )
        .await
        .status,
        200
    );
    assert_eq!(
        g.get(&format!("/v1.0/servicePrincipals/{sp}")).await.body["appId"],
        app_id
    );
}
