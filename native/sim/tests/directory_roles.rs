//! `/directoryRoles`: the activated roles, derived from role assignments.

use serde_json::json;

use crate::util::Graph;

const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
const SECURITY_READER: &str = "5d6b6bb7-de71-4623-b4af-96380a352509";

#[tokio::test]
async fn activated_roles_and_their_members() {
    let g = Graph::demo().await;
    let r = g.get("/v1.0/directoryRoles").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let roles = r.body["value"].as_array().unwrap().clone();
    let ga = roles
        .iter()
        .find(|x| x["roleTemplateId"] == GLOBAL_ADMIN)
        .expect("Global Administrator is always activated");
    assert_eq!(ga["displayName"], "Global Administrator");
    let ga_id = ga["id"].as_str().unwrap();
    assert_ne!(
        ga_id, GLOBAL_ADMIN,
        "a directory role's id is not its template id"
    );
    assert_eq!(
        g.get(&format!("/v1.0/directoryRoles/{ga_id}")).await.body["roleTemplateId"],
        GLOBAL_ADMIN
    );
    assert!(
        !roles.iter().any(|x| x["roleTemplateId"] == SECURITY_READER),
        "nothing assigned yet"
    );

    let user = g.get("/v1.0/users?$top=1").await.body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let a = g
        .post(
            "/v1.0/roleManagement/directory/roleAssignments",
            json!({"principalId": user, "roleDefinitionId": SECURITY_READER, "directoryScopeId": "/"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let roles = g.get("/v1.0/directoryRoles").await.body["value"]
        .as_array()
        .unwrap()
        .clone();
    let reader = roles
        .iter()
        .find(|x| x["roleTemplateId"] == SECURITY_READER)
        .expect("activated by its first assignment");
    let members = g
        .get(&format!(
            "/v1.0/directoryRoles/{}/members",
            reader["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(members.status, 200, "{}", members.body);
    assert_eq!(members.body["value"][0]["id"], user.as_str());
    assert_eq!(
        members.body["value"][0]["@odata.type"],
        "#microsoft.graph.user"
    );
    assert_eq!(g.get("/v1.0/directoryRoles/nope").await.status, 404);
}
