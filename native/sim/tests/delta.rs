use std::collections::{BTreeSet, HashMap};

use entrasnap_sim::Config;
use serde_json::{Value, json};

use crate::util::Graph;

fn by_id(items: &[Value]) -> HashMap<String, Vec<Value>> {
    let mut m: HashMap<String, Vec<Value>> = HashMap::new();
    for i in items {
        m.entry(i["id"].as_str().unwrap().to_string())
            .or_default()
            .push(i.clone());
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_delta_picks_up_a_change_and_deletions_and_tracks_only_selected_properties() {
    let g = Graph::start(Config {
        users: Some(450),
        ..Default::default()
    })
    .await;
    let (initial, link) = g
        .delta_round("/v1.0/users/delta?$select=displayName,department")
        .await;
    let (all, _) = g.get_all("/v1.0/users?$top=999&$select=id").await;
    assert_eq!(
        initial.len(),
        all.len(),
        "the initial sync returns every user once"
    );
    assert!(
        initial
            .iter()
            .all(|u| u.get("department").is_some() && u.get("jobTitle").is_none())
    );

    let ids: Vec<String> = all
        .iter()
        .skip(10)
        .take(4)
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        g.patch(
            &format!("/v1.0/users/{}", ids[0]),
            json!({"department": "Audit"})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        g.patch(
            &format!("/v1.0/users/{}", ids[1]),
            json!({"jobTitle": "Chief Tea Officer"})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        g.delete(&format!("/v1.0/users/{}", ids[2])).await.status,
        204
    );
    assert_eq!(
        g.delete(&format!("/v1.0/users/{}", ids[3])).await.status,
        204
    );
    assert_eq!(
        g.delete(&format!("/v1.0/directory/deletedItems/{}", ids[3]))
            .await
            .status,
        204,
        "hard delete"
    );

    let (changes, next_link) = g.delta_round(&link).await;
    let got = by_id(&changes);
    assert_eq!(
        got.len(),
        3,
        "exactly the changed user and the two deleted ones: {changes:?}"
    );
    assert_eq!(got[&ids[0]][0]["department"], "Audit");
    assert!(
        !got.contains_key(&ids[1]),
        "jobTitle is not selected, so not tracked"
    );
    assert_eq!(
        got[&ids[2]][0]["@removed"]["reason"], "changed",
        "soft-deleted"
    );
    assert_eq!(
        got[&ids[3]][0]["@removed"]["reason"], "deleted",
        "hard-deleted"
    );

    // Nothing changed since: an empty round.
    let (none, _) = g.delta_round(&next_link).await;
    assert!(none.is_empty(), "{none:?}");

    // A restore brings the user back in the next round.
    assert_eq!(
        g.post(
            &format!("/v1.0/directory/deletedItems/{}/restore", ids[2]),
            json!({})
        )
        .await
        .status,
        200
    );
    let (back, _) = g.delta_round(&next_link).await;
    assert_eq!(back.len(), 1);
    assert_eq!(back[0]["id"], ids[2].as_str());
    assert!(back[0].get("@removed").is_none());
}

#[tokio::test]
async fn expired_and_bad_tokens_are_answered_as_graph_does() {
    let g = Graph::demo().await;
    let (_, link) = g.delta_round("/v1.0/users/delta?$select=displayName").await;
    let r = g
        .http
        .post(format!("{}/_sim/expire-delta-tokens", g.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = g.get(&link).await;
    assert_eq!(r.status, 410);
    assert_eq!(r.error_code(), "syncStateNotFound");
    assert!(
        r.headers["location"]
            .to_str()
            .unwrap()
            .contains("/users/delta"),
        "Location points at a full resync"
    );

    let r = g.get("/v1.0/users/delta?$deltatoken=not-a-token").await;
    assert_eq!(r.status, 400);

    let r = g.get("/v1.0/users/delta?$deltatoken=latest").await;
    assert!(r.body["value"].as_array().unwrap().is_empty());
    assert!(r.body["@odata.deltaLink"].is_string());

    assert_eq!(g.get("/v1.0/users/delta?$expand=manager").await.status, 400);
    assert_eq!(g.get("/v1.0/users/delta?$top=5").await.status, 400);
}

/// Merge a group's repeated entries: its members@delta arrive in parts.
fn members(items: &[Value], group: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut added = BTreeSet::new();
    let mut removed = BTreeSet::new();
    for i in items.iter().filter(|i| i["id"] == group) {
        for m in i["members@delta"].as_array().into_iter().flatten() {
            let id = m["id"].as_str().unwrap().to_string();
            if m.get("@removed").is_some() {
                removed.insert(id);
            } else {
                added.insert(id);
            }
        }
    }
    (added, removed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_delta_reports_members_with_big_groups_split_over_entries() {
    let g = Graph::start(Config {
        users: Some(300),
        groups: Some(30),
        ..Default::default()
    })
    .await;
    let (initial, link) = g
        .delta_round("/v1.0/groups/delta?$select=displayName,members")
        .await;
    let sales = g.id_by_name("groups", "SG-Dept-Sales").await;
    let (expected, _) = g
        .get_all(&format!("/v1.0/groups/{sales}/members?$select=id&$top=999"))
        .await;
    let (added, removed) = members(&initial, &sales);
    assert!(
        expected.len() > 20,
        "the department group is big enough to be split"
    );
    assert!(
        initial.iter().filter(|i| i["id"] == sales.as_str()).count() > 1,
        "the group is repeated"
    );
    assert_eq!(
        added.len(),
        expected.len(),
        "merged entries list every member"
    );
    assert!(removed.is_empty());
    assert!(
        initial
            .iter()
            .filter(|i| i["id"] == sales.as_str())
            .all(|i| i["displayName"] == "SG-Dept-Sales")
    );

    let pilot = g.id_by_name("groups", "SG-CA-Pilot").await;
    let user = g
        .get("/v1.0/users?$filter=startswith(displayName,'Break Glass Admin 2')")
        .await
        .body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (pilot_members, _) = g.get_all(&format!("/v1.0/groups/{pilot}/members")).await;
    let leaving = pilot_members[0]["id"].as_str().unwrap().to_string();
    let r = g.post(&format!("/v1.0/groups/{pilot}/members/$ref"), json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{user}")})).await;
    assert_eq!(r.status, 204);
    assert_eq!(
        g.delete(&format!("/v1.0/groups/{pilot}/members/{leaving}/$ref"))
            .await
            .status,
        204
    );

    let (changes, _) = g.delta_round(&link).await;
    assert_eq!(
        changes.len(),
        1,
        "only the pilot group changed: {changes:?}"
    );
    let (added, removed) = members(&changes, &pilot);
    assert_eq!(added, BTreeSet::from([user.clone()]));
    assert_eq!(removed, BTreeSet::from([leaving.clone()]));
    let entry = &changes[0]["members@delta"];
    assert!(
        entry
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["@odata.type"] == "#microsoft.graph.user")
    );
}

#[tokio::test]
async fn users_delta_can_track_the_manager_link() {
    let g = Graph::demo().await;
    let (initial, link) = g
        .delta_round("/v1.0/users/delta?$select=displayName,manager")
        .await;
    assert!(
        initial
            .iter()
            .any(|u| u["manager@delta"].as_array().is_some_and(|m| !m.is_empty()))
    );
    let (users, _) = g.get_all("/v1.0/users?$select=id&$top=999").await;
    let (a, b) = (
        users[7]["id"].as_str().unwrap(),
        users[8]["id"].as_str().unwrap(),
    );
    let r = g
        .call(
            reqwest::Method::PUT,
            &format!("/v1.0/users/{a}/manager/$ref"),
            Some(json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{b}")})),
            &[],
        )
        .await;
    assert_eq!(r.status, 204);
    let (changes, _) = g.delta_round(&link).await;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["manager@delta"][0]["id"], b);
    assert_eq!(
        g.get(&format!("/v1.0/users/{a}/manager")).await.body["id"],
        b
    );
}
