use entrasnap_graph::{DeltaError, Removal, RemovalReason, Request};
use entrasnap_sim::kind::Kind;
use entrasnap_sim::{Config, Seed};
use serde_json::json;

use crate::util;

#[tokio::test]
async fn the_next_round_sees_exactly_the_patch_and_the_delete() {
    let sim = util::start(Config {
        seed: Seed::Demo,
        ..Default::default()
    })
    .await;
    let client = util::client(&sim);
    let first = client
        .delta("/users/delta?$select=displayName,jobTitle")
        .await
        .unwrap();
    assert_eq!(
        util::unique_ids(&first.objects),
        util::ids(&sim, Kind::User)
    );
    assert!(first.removed.is_empty());

    let ids: Vec<String> = util::ids(&sim, Kind::User).into_iter().collect();
    let (changed, deleted) = (&ids[0], &ids[1]);
    client
        .send(&Request::patch(
            format!("/users/{changed}"),
            json!({"jobTitle": "Auditor"}),
        ))
        .await
        .unwrap();
    client
        .send(&Request::delete(format!("/users/{deleted}")))
        .await
        .unwrap();

    let next = client.delta(&first.delta_link).await.unwrap();
    assert_eq!(next.objects.len(), 1, "{:?}", next.objects);
    assert_eq!(next.objects[0]["id"], changed.as_str());
    assert_eq!(next.objects[0]["jobTitle"], "Auditor");
    assert_eq!(
        next.removed,
        vec![Removal {
            id: deleted.clone(),
            reason: RemovalReason::Changed
        }]
    );
    assert_ne!(next.delta_link, first.delta_link);

    let quiet = client.delta(&next.delta_link).await.unwrap();
    assert!(quiet.objects.is_empty() && quiet.removed.is_empty());
}

#[tokio::test]
async fn group_links_split_over_entries_come_back_whole() {
    let sim = util::start(Config {
        seed: Seed::Demo,
        ..Default::default()
    })
    .await;
    let client = util::client(&sim);
    let round = client
        .delta("/groups/delta?$select=displayName,members")
        .await
        .unwrap();
    let groups = util::unique_ids(&round.objects);
    assert_eq!(groups, util::ids(&sim, Kind::Group));
    let state = sim.sim.read();
    let mut checked = 0;
    for g in &round.objects {
        let id = g["id"].as_str().unwrap();
        let mut members: Vec<&str> = g["members@delta"]
            .as_array()
            .map(|a| a.iter().map(|m| m["id"].as_str().unwrap()).collect())
            .unwrap_or_default();
        members.sort();
        let expected: Vec<&str> = state
            .targets(entrasnap_sim::kind::Rel::Members, id)
            .map(|t| t.iter().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(members, expected, "members of {id}");
        checked += members.len();
    }
    assert!(checked > 0);
}

#[tokio::test]
async fn an_expired_delta_token_says_so() {
    let sim = util::start(Config {
        seed: Seed::Demo,
        ..Default::default()
    })
    .await;
    let client = util::client(&sim);
    let first = client.delta("/users/delta").await.unwrap();
    let resp = reqwest::Client::new()
        .post(format!("{}/_sim/expire-delta-tokens", sim.url()))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    match client.delta(&first.delta_link).await {
        Err(DeltaError::Expired) => {}
        other => panic!("expected Expired, got {other:?}"),
    }
}
