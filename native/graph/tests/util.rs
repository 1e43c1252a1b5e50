use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use entrasnap_graph::auth::StaticToken;
use entrasnap_graph::{ClientOptions, GraphClient, Secret, TokenSource};
use entrasnap_sim::kind::Kind;
use serde_json::Value;

pub async fn start(config: entrasnap_sim::Config) -> entrasnap_sim::Running {
    entrasnap_sim::start(config, 0)
        .await
        .expect("emulator starts")
}

/// Short backoff steps keep fault tests quick; everything else is the default.
pub fn options(sim: &entrasnap_sim::Running, source: Arc<dyn TokenSource>) -> ClientOptions {
    ClientOptions {
        retry_base_delay: Duration::from_millis(20),
        ..ClientOptions::new(sim.url(), source)
    }
}

pub fn client(sim: &entrasnap_sim::Running) -> GraphClient {
    let source = Arc::new(StaticToken::new(Secret::new("test-token")));
    GraphClient::new(options(sim, source)).expect("client")
}

/// The emulator's `/_sim/stats`.
pub async fn stats(sim: &entrasnap_sim::Running) -> Value {
    reqwest::get(format!("{}/_sim/stats", sim.url()))
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats JSON")
}

/// Ids the emulator holds for `kind` (its own state, not what Graph answers).
pub fn ids(sim: &entrasnap_sim::Running, kind: Kind) -> BTreeSet<String> {
    sim.sim
        .read()
        .collection(kind)
        .map(|c| c.keys().cloned().collect())
        .unwrap_or_default()
}

/// Ids of `values`, asserting none repeats.
pub fn unique_ids(values: &[Value]) -> BTreeSet<String> {
    let ids: BTreeSet<String> = values
        .iter()
        .map(|v| v["id"].as_str().expect("an id").to_string())
        .collect();
    assert_eq!(ids.len(), values.len(), "duplicates in the listing");
    ids
}

/// `POST /_sim/<route>` with an optional JSON body, asserting success.
pub async fn sim_post(sim: &entrasnap_sim::Running, route: &str, body: Option<Value>) {
    let mut req = reqwest::Client::new().post(format!("{}/_sim/{route}", sim.url()));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let r = req.send().await.expect("emulator control route");
    assert!(
        r.status().is_success(),
        "POST /_sim/{route}: {}",
        r.status()
    );
}

/// Installs a fault script (`POST /_sim/faults`): `rules` as the README's emulator section lists them.
pub async fn faults(sim: &entrasnap_sim::Running, rules: Value) {
    sim_post(sim, "faults", Some(serde_json::json!({ "rules": rules }))).await;
}
