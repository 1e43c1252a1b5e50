//! Reading relations as Graph does: memberOf, transitiveMemberOf,
//! transitiveMembers, OData casts (`microsoft.graph.` or its alias `graph.`)
//! and `$count` of a relation.

use serde_json::{Value, json};

use crate::util::{Graph, Reply};

fn ids(r: &Reply) -> Vec<String> {
    let mut v: Vec<String> = r.body["value"]
        .as_array()
        .unwrap_or_else(|| panic!("no value: {}", r.body))
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

async fn group(g: &Graph, name: &str) -> String {
    let r = g
        .post(
            "/v1.0/groups",
            json!({"displayName": name, "mailEnabled": false, "mailNickname": name, "securityEnabled": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

async fn add_member(g: &Graph, group: &str, member: &str) {
    let r = g
        .post(
            &format!("/v1.0/groups/{group}/members/$ref"),
            json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{member}")}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
}

#[tokio::test]
async fn member_of_transitive_and_casts() {
    let g = Graph::demo().await;
    let user = g.get("/v1.0/users?$top=1").await.body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let outer = group(&g, "Rel-Outer").await;
    let inner = group(&g, "Rel-Inner").await;
    add_member(&g, &outer, &inner).await;
    add_member(&g, &inner, &user).await;

    let direct = g.get(&format!("/v1.0/users/{user}/memberOf")).await;
    assert_eq!(direct.status, 200);
    assert!(ids(&direct).contains(&inner) && !ids(&direct).contains(&outer));
    let transitive = g
        .get(&format!("/v1.0/users/{user}/transitiveMemberOf"))
        .await;
    assert!(ids(&transitive).contains(&inner) && ids(&transitive).contains(&outer));
    let full = g
        .get(&format!(
            "/v1.0/users/{user}/memberOf/microsoft.graph.group"
        ))
        .await;
    let alias = g
        .get(&format!("/v1.0/users/{user}/memberOf/graph.group"))
        .await;
    assert_eq!(full.status, 200, "{}", full.body);
    assert_eq!(ids(&full), ids(&alias));
    assert!(
        full.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["@odata.type"] == "#microsoft.graph.group")
    );

    let members = g
        .get(&format!("/v1.0/groups/{outer}/transitiveMembers"))
        .await;
    let mut want = vec![inner.clone(), user.clone()];
    want.sort();
    assert_eq!(ids(&members), want);
    let users = g
        .get(&format!("/v1.0/groups/{outer}/members/graph.user"))
        .await;
    assert_eq!(ids(&users), Vec::<String>::new());
    let users = g
        .get(&format!(
            "/v1.0/groups/{inner}/members/microsoft.graph.user"
        ))
        .await;
    assert_eq!(ids(&users), vec![user.clone()]);
    let users = g
        .get(&format!(
            "/v1.0/groups/{outer}/transitiveMembers/graph.user"
        ))
        .await;
    assert_eq!(ids(&users), vec![user.clone()]);
}

#[tokio::test]
async fn count_of_members_needs_eventual_consistency() {
    let g = Graph::demo().await;
    let outer = group(&g, "Count-Outer").await;
    let inner = group(&g, "Count-Inner").await;
    add_member(&g, &outer, &inner).await;
    let path = format!("/v1.0/groups/{outer}/members/$count");
    let r = g.get(&path).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.error_code(), "Request_BadRequest");
    let eventual = [("ConsistencyLevel", "eventual")];
    let r = g.call(reqwest::Method::GET, &path, None, &eventual).await;
    assert_eq!(r.status, 200);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(r.body, Value::from(1));
    let r = g
        .call(
            reqwest::Method::GET,
            &format!("/v1.0/groups/{outer}/members/graph.user/$count"),
            None,
            &eventual,
        )
        .await;
    assert_eq!(r.body, Value::from(0));
}

#[tokio::test]
async fn deleted_items_take_the_graph_alias() {
    let g = Graph::demo().await;
    let user = g.get("/v1.0/users?$top=1").await.body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(g.delete(&format!("/v1.0/users/{user}")).await.status, 204);
    let full = g
        .get("/v1.0/directory/deletedItems/microsoft.graph.user")
        .await;
    let alias = g.get("/v1.0/directory/deletedItems/graph.user").await;
    assert_eq!(alias.status, 200, "{}", alias.body);
    assert!(ids(&alias).contains(&user));
    assert_eq!(ids(&full), ids(&alias));
}
