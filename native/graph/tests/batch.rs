use entrasnap_graph::BatchRequest;
use entrasnap_sim::kind::Kind;
use entrasnap_sim::{Config, Seed};

use crate::util;

async fn users_batch(config: Config) -> (entrasnap_sim::Running, entrasnap_graph::GraphClient) {
    let sim = util::start(config).await;
    let client = util::client(&sim);
    let ids: Vec<String> = util::ids(&sim, Kind::User).into_iter().take(45).collect();
    assert_eq!(ids.len(), 45);
    // $select costs 1 resource unit per read instead of 2.
    let requests: Vec<BatchRequest> = ids
        .iter()
        .map(|id| BatchRequest::get(format!("/users/{id}?$select=id,displayName")))
        .collect();
    let responses = client.batch(requests).await.unwrap();
    assert_eq!(responses.len(), 45);
    for (i, (r, id)) in responses.iter().zip(&ids).enumerate() {
        assert_eq!(r.id, i.to_string());
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(
            r.body["id"],
            id.as_str(),
            "response {i} answers request {i}"
        );
    }
    (sim, client)
}

#[tokio::test]
async fn forty_five_requests_three_envelopes_matched_by_id() {
    let (sim, client) = users_batch(Config {
        seed: Seed::Demo,
        users: Some(60),
        ..Default::default()
    })
    .await;
    let stats = util::stats(&sim).await;
    assert_eq!(stats["httpRequests"], 3, "{stats}");
    assert_eq!(
        stats["byRoute"]["GET /users/{id}"]["requests"], 45,
        "{stats}"
    );
    assert_eq!(client.stats().retries, 0);
}

#[tokio::test]
async fn sub_requests_throttled_inside_the_envelope_are_sent_again() {
    let (sim, client) = users_batch(Config {
        seed: Seed::Demo,
        users: Some(60),
        throttle: true,
        // 40 RU for 45 reads of 1 RU: the last envelope's reads meet 429s.
        throttle_ru: Some(40),
        ..Default::default()
    })
    .await;
    let stats = util::stats(&sim).await;
    let ours = client.stats();
    eprintln!("emulator: {stats}\nclient: {ours:?}");
    let throttled = stats["byRoute"]["GET /users/{id}"]["throttled"]
        .as_u64()
        .unwrap();
    assert!(throttled > 0, "{stats}");
    assert_eq!(ours.throttled, throttled);
    assert_eq!(
        stats["byRoute"]["GET /users/{id}"]["requests"]
            .as_u64()
            .unwrap(),
        45 + throttled
    );
}

#[tokio::test]
async fn conditional_access_requests_in_a_batch_are_paced() {
    let sim = util::start(Config {
        seed: Seed::Demo,
        throttle: true,
        ..Default::default()
    })
    .await;
    let client = util::client(&sim);
    let requests = vec![
        BatchRequest::get("/identity/conditionalAccess/policies"),
        BatchRequest::get("/organization"),
        BatchRequest::get("/identity/conditionalAccess/namedLocations"),
    ];
    let responses = client.batch(requests).await.unwrap();
    assert!(responses.iter().all(|r| r.status == 200), "{responses:?}");
    assert!(responses[1].body["value"].is_array());
    let stats = util::stats(&sim).await;
    assert_eq!(stats["throttled"], 0, "{stats}");
}
