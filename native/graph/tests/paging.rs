use entrasnap_sim::kind::Kind;
use entrasnap_sim::{Config, Seed};

use crate::util;

#[tokio::test]
async fn all_users_over_pages_of_999() {
    let sim = util::start(Config {
        seed: Seed::Demo,
        users: Some(3000),
        ..Default::default()
    })
    .await;
    let client = util::client(&sim);
    let users = client.get_all("/users?$top=999").await.unwrap();
    let expected = util::ids(&sim, Kind::User);
    assert!(expected.len() >= 3000);
    assert_eq!(util::unique_ids(&users), expected);
    // ceil(count / 999) pages, one request each.
    let pages = expected.len().div_ceil(999) as u64;
    assert_eq!(client.stats().requests, pages);
    assert_eq!(client.stats().retries, 0);
}

#[tokio::test]
async fn throttling_and_faults_lose_nothing_and_repeat_nothing() {
    let sim = util::start(Config {
        seed: Seed::Demo,
        users: Some(3000),
        fault_rate: 0.2,
        ..Default::default()
    })
    .await;
    // A throttling burst at a chosen page, not a resource-unit bucket whose
    // refill races the machine's speed (a slow run drained nothing and saw no 429).
    util::faults(
        &sim,
        serde_json::json!([{"kind": "throttle", "retryAfter": 0.05, "path": "/users", "after": 3, "count": 4}]),
    )
    .await;
    let client = util::client(&sim);
    let users = client.get_all("/users?$top=100").await.unwrap();
    assert_eq!(util::unique_ids(&users), util::ids(&sim, Kind::User));

    let emulator = util::stats(&sim).await;
    let ours = client.stats();
    eprintln!("emulator: {emulator}\nclient: {ours:?}");
    assert!(emulator["throttled"].as_u64().unwrap() > 0, "{emulator}");
    assert!(emulator["faults"].as_u64().unwrap() > 0, "{emulator}");
    assert_eq!(ours.requests, emulator["httpRequests"].as_u64().unwrap());
    assert!(ours.throttled > 0 && ours.retries >= ours.throttled);
    assert!(!ours.throttle_wait.is_zero());
}

#[tokio::test]
async fn headers_are_sent_on_every_page() {
    let sim = util::start(Config {
        seed: Seed::Demo,
        users: Some(250),
        ..Default::default()
    })
    .await;
    let client = util::client(&sim);
    let request = entrasnap_graph::Request::get("/users?$count=true&$top=100")
        .header("ConsistencyLevel", "eventual");
    let mut pager = client.pages(request);
    let first = pager.next_page().await.unwrap().unwrap();
    let mut total = first.values.len();
    while let Some(page) = pager.next_page().await.unwrap() {
        total += page.values.len();
    }
    assert_eq!(total, util::ids(&sim, Kind::User).len());
    assert_eq!(first.count, Some(total as u64));
    assert_eq!(pager.pages(), total.div_ceil(100));
}
