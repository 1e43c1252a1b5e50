use serde_json::{Value, json};

use crate::util::Graph;

fn by_id(body: &Value) -> std::collections::HashMap<String, Value> {
    body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

#[tokio::test]
async fn batch_runs_each_request_and_fails_dependents_with_424() {
    let g = Graph::demo().await;
    let before = g.stats().await;
    let chain = g
        .post(
            "/v1.0/$batch",
            json!({"requests": [
                {"id": "1", "method": "GET", "url": "/users/00000000-0000-0000-0000-00000000dead"},
                {"id": "2", "method": "PATCH", "url": "/users/00000000-0000-0000-0000-00000000dead", "dependsOn": ["1"],
                 "headers": {"Content-Type": "application/json"}, "body": {"department": "X"}},
            ]}),
        )
        .await;
    assert_eq!(chain.status, 200, "the envelope is 200 when it parses");
    let resp = by_id(&chain.body);
    assert_eq!(resp["1"]["status"], 404);
    assert_eq!(resp["2"]["status"], 424);
    assert_eq!(resp["2"]["body"]["error"]["code"], "FailedDependency");
    let parallel = g
        .post(
            "/v1.0/$batch",
            json!({"requests": [
                {"id": "3", "method": "GET", "url": "/users?$top=2&$select=id"},
                {"id": "4", "method": "POST", "url": "/groups", "headers": {"Content-Type": "application/json"},
                 "body": {"displayName": "Batch group", "mailEnabled": false, "mailNickname": "batchgroup", "securityEnabled": true}},
            ]}),
        )
        .await;
    let resp = by_id(&parallel.body);
    assert_eq!(resp["3"]["status"], 200);
    assert_eq!(resp["3"]["body"]["value"].as_array().unwrap().len(), 2);
    assert_eq!(resp["4"]["status"], 201);
    for r in resp.values() {
        assert!(
            r["headers"]["Content-Type"]
                .as_str()
                .is_some_and(|c| c.starts_with("application/json")),
            "no Content-Type: {r}"
        );
    }
    let after = g.stats().await;
    assert_eq!(
        g.id_by_name("groups", "Batch group").await,
        resp["4"]["body"]["id"].as_str().unwrap()
    );
    assert_eq!(
        after["writes"].as_u64().unwrap() - before["writes"].as_u64().unwrap(),
        1,
        "the POST inside counts; the 424 never ran: {after}"
    );
    assert_eq!(
        after["httpRequests"].as_u64().unwrap() - before["httpRequests"].as_u64().unwrap(),
        2
    );
}

#[tokio::test]
async fn batch_is_fully_sequential_or_fully_parallel() {
    let g = Graph::demo().await;
    let mixed = json!({"requests": [
        {"id": "1", "method": "GET", "url": "/users?$top=1"},
        {"id": "2", "method": "GET", "url": "/groups?$top=1", "dependsOn": ["1"]},
        {"id": "3", "method": "GET", "url": "/applications?$top=1"},
    ]});
    let r = g.post("/v1.0/$batch", mixed).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.error_code(), "BadRequest");
    assert_eq!(
        r.error_message(),
        "Batch should be either fully sequential or fully parallel."
    );
    let forward = json!({"requests": [
        {"id": "1", "method": "GET", "url": "/users?$top=1", "dependsOn": ["2"]},
        {"id": "2", "method": "GET", "url": "/groups?$top=1", "dependsOn": ["1"]},
    ]});
    let r = g.post("/v1.0/$batch", forward).await;
    assert_eq!(r.status, 400);
    assert!(
        r.error_message()
            .starts_with("Invalid dependency for request Id")
    );
    let chain = json!({"requests": [
        {"id": "1", "method": "GET", "url": "/users?$top=1"},
        {"id": "2", "method": "GET", "url": "/groups?$top=1", "dependsOn": ["1"]},
        {"id": "3", "method": "GET", "url": "/applications?$top=1", "dependsOn": ["2"]},
    ]});
    let r = g.post("/v1.0/$batch", chain).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(by_id(&r.body).values().all(|x| x["status"] == 200));
}

#[tokio::test]
async fn batch_limits_are_graphs() {
    let g = Graph::demo().await;
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/users?$top=1"}))
        .collect();
    assert_eq!(
        g.post("/v1.0/$batch", json!({"requests": many}))
            .await
            .status,
        400,
        "more than 20"
    );
    let dup = json!({"requests": [{"id": "1", "method": "GET", "url": "/users"}, {"id": "1", "method": "GET", "url": "/groups"}]});
    assert_eq!(
        g.post("/v1.0/$batch", dup).await.status,
        400,
        "duplicate ids"
    );
    let no_type =
        json!({"requests": [{"id": "1", "method": "PATCH", "url": "/users/x", "body": {"a": 1}}]});
    let r = g.post("/v1.0/$batch", no_type).await;
    assert_eq!(r.status, 400);
    assert!(r.error_message().contains("Content-Type"));
    let unknown_dep =
        json!({"requests": [{"id": "1", "method": "GET", "url": "/users", "dependsOn": ["9"]}]});
    assert_eq!(g.post("/v1.0/$batch", unknown_dep).await.status, 400);
}
