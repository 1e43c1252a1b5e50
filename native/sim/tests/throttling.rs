use entrasnap_sim::Config;
use serde_json::{Value, json};

use crate::util::Graph;

#[tokio::test]
async fn conditional_access_above_one_request_per_second_is_throttled_without_retry_after() {
    let g = Graph::start(Config {
        throttle: true,
        ..Default::default()
    })
    .await;
    let first = g.get("/v1.0/identity/conditionalAccess/policies").await;
    assert_eq!(first.status, 200);
    let second = g
        .get("/v1.0/identity/conditionalAccess/namedLocations")
        .await;
    assert_eq!(
        second.status, 429,
        "policies and named locations share the tenant's 1/s"
    );
    assert_eq!(second.error_code(), "TooManyRequests");
    assert!(
        second.headers.get("retry-after").is_none(),
        "Conditional Access sends no Retry-After"
    );
    // Other directory reads are not held back by the CA limit.
    assert_eq!(g.get("/v1.0/users?$top=1").await.status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(1050)).await;
    assert_eq!(
        g.get("/v1.0/identity/conditionalAccess/namedLocations")
            .await
            .status,
        200
    );
    let stats = g.stats().await;
    assert_eq!(
        stats["byRoute"]["GET /identity/conditionalAccess/namedLocations"]["throttled"],
        1
    );
}

#[tokio::test]
async fn the_resource_unit_bucket_answers_429_with_a_fractional_retry_after() {
    let g = Graph::start(Config {
        throttle: true,
        throttle_ru: Some(10),
        ..Default::default()
    })
    .await;
    let mut throttled = None;
    let mut warned = false;
    for _ in 0..40 {
        let r = g.get("/v1.0/users?$top=1").await;
        if let Some(p) = r.headers.get("x-ms-throttle-limit-percentage") {
            assert!(p.to_str().unwrap().parse::<f64>().unwrap() >= 0.8);
            warned = true;
        }
        assert!(r.headers.contains_key("x-ms-resource-unit") || r.status == 429);
        if r.status == 429 {
            throttled = Some(r);
            break;
        }
    }
    let r = throttled.expect("a 10 RU bucket (refilling at 1 RU/s) runs dry within 40 quick reads");
    assert!(
        warned,
        "Graph warns with x-ms-throttle-limit-percentage from 80% of the bucket"
    );
    // Whole seconds, as Graph sends it.
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3).contains(&wait), "Retry-After {wait}");
    assert_eq!(
        r.headers["x-ms-throttle-information"],
        "ResourceUnitLimitExceeded"
    );
    assert!(r.headers.contains_key("x-ms-throttle-scope"));
    tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    assert_eq!(
        g.get("/v1.0/users?$top=1").await.status,
        200,
        "after Retry-After the request goes through"
    );
}

#[tokio::test]
async fn throttled_sub_requests_come_back_429_inside_a_200_envelope() {
    let g = Graph::start(Config {
        throttle: true,
        throttle_ru: Some(6),
        ..Default::default()
    })
    .await;
    let requests: Vec<Value> = (0..8)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/users?$top=1"}))
        .collect();
    let r = g.post("/v1.0/$batch", json!({"requests": requests})).await;
    assert_eq!(r.status, 200);
    let statuses: Vec<u64> = r.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_u64().unwrap())
        .collect();
    assert!(
        statuses.contains(&200) && statuses.contains(&429),
        "{statuses:?}"
    );
    let throttled = r.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["status"] == 429)
        .unwrap();
    assert!(
        throttled["headers"]["Retry-After"]
            .as_str()
            .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())),
        "{throttled}"
    );
    // Every item with a body says what it is, as Graph's do (SDKs read bodies by it).
    for item in r.body["responses"].as_array().unwrap() {
        assert!(
            item["headers"]["Content-Type"]
                .as_str()
                .is_some_and(|c| c.starts_with("application/json")),
            "{item}"
        );
    }
}
