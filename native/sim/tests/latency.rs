use std::time::{Duration, Instant};

use entrasnap_sim::{Config, Seed};
use serde_json::json;

use crate::util::Graph;

const PER_OBJECT: Duration = Duration::from_millis(1);

async fn timed(g: &Graph, path: &str) -> (Duration, usize) {
    let started = Instant::now();
    let reply = g.get(path).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    let objects = reply.body["value"].as_array().map_or(0, Vec::len);
    (started.elapsed(), objects)
}

#[tokio::test]
async fn a_bigger_page_takes_longer_by_its_objects() {
    let g = Graph::start(Config {
        seed: Seed::Small,
        latency_per_object: PER_OBJECT,
        ..Default::default()
    })
    .await;
    let (small, one) = timed(&g, "/v1.0/users?$top=1").await;
    let (big, many) = timed(&g, "/v1.0/users?$top=300").await;
    assert_eq!((one, many), (1, 300));
    assert!(
        big >= PER_OBJECT * 300,
        "300 objects cost at least 300 x 1 ms, took {big:?}"
    );
    assert!(small < big, "1 object ({small:?}) vs 300 ({big:?})");
}

#[tokio::test]
async fn a_batch_costs_the_objects_of_its_sub_answers() {
    let g = Graph::start(Config {
        seed: Seed::Small,
        latency_per_object: PER_OBJECT,
        ..Default::default()
    })
    .await;
    let requests: Vec<_> = (0..3)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/users?$top=100"}))
        .collect();
    let started = Instant::now();
    let reply = g
        .post("/v1.0/$batch", json!({ "requests": requests }))
        .await;
    let took = started.elapsed();
    assert_eq!(reply.status, 200);
    assert!(
        took >= PER_OBJECT * 300,
        "three pages of 100 cost at least 300 x 1 ms, took {took:?}"
    );
}
