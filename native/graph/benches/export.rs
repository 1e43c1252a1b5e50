//! Export cost on a large tenant, next to a naive exporter in the same run.
//!
//! cargo bench -p entrasnap-graph --bench export [-- USERS]
//!
//! The naive exporter is what scripts built on `Get-Mg*` do: list every
//! collection, then one members call per group and one owners call per
//! application. Ours reads through delta queries (links included), then,
//! after 1% of users and groups change, reads only the changes. Under
//! `cargo test` (no `--bench`) it runs a small smoke pass.

use std::time::Instant;

use entrasnap_core::LocalStore;
use entrasnap_graph::CancellationToken;
use entrasnap_graph::export::{ExportOptions, export};
use entrasnap_sim::kind::Kind;
use entrasnap_sim::{Config, Seed};
use serde_json::json;

#[path = "common/measure.rs"]
mod measure;
#[path = "common/naive.rs"]
mod naive;

use measure::{client, counters, dir_size};

#[tokio::main]
async fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let users: Option<usize> = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .or((!benching).then_some(2_000));
    let config = Config {
        seed: Seed::Large,
        users,
        groups: users.map(|u| u / 5),
        ..Default::default()
    };
    let sim = entrasnap_sim::start(config, 0).await.unwrap();
    let n_users = sim.sim.read().count(Kind::User);
    let mut rows: Vec<(String, u64, u64, f64, String)> = Vec::new();

    let c0 = counters(&sim).await;
    let t = Instant::now();
    let naive_objects = naive::Naive {
        page: 999,
        concurrency: 8,
        ca_per_policy: false,
    }
    .run(&client(&sim))
    .await;
    let naive_time = t.elapsed().as_secs_f64();
    let c1 = counters(&sim).await;
    rows.push((
        "naive: list all + members/owners per object".into(),
        (c1 - c0).requests,
        (c1 - c0).http,
        naive_time,
        format!("{naive_objects} objects read, nothing stored"),
    ));

    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path()).unwrap();
    let t = Instant::now();
    let first = export(
        &client(&sim),
        &store,
        &ExportOptions::default(),
        &|_| {},
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    let first_time = t.elapsed().as_secs_f64();
    let c2 = counters(&sim).await;
    let size_first = dir_size(dir.path());
    rows.push((
        "entrasnap export (first, full)".into(),
        (c2 - c1).requests,
        (c2 - c1).http,
        first_time,
        format!("store {:.1} MB", size_first as f64 / 1e6),
    ));

    // 1% of users and groups change.
    let http = reqwest::Client::new();
    let ids = |k| {
        sim.sim
            .read()
            .collection(k)
            .map(|c| c.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    for u in ids(Kind::User).iter().step_by(100) {
        http.patch(format!("{}/v1.0/users/{u}", sim.url()))
            .bearer_auth("b")
            .json(&json!({"department": "Changed"}))
            .send()
            .await
            .unwrap();
    }
    for g in ids(Kind::Group).iter().step_by(100) {
        http.patch(format!("{}/v1.0/groups/{g}", sim.url()))
            .bearer_auth("b")
            .json(&json!({"description": "Changed"}))
            .send()
            .await
            .unwrap();
    }
    let c3 = counters(&sim).await;
    let t = Instant::now();
    export(
        &client(&sim),
        &store,
        &ExportOptions::default(),
        &|_| {},
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    let second_time = t.elapsed().as_secs_f64();
    let c4 = counters(&sim).await;
    let growth = dir_size(dir.path()) - size_first;
    rows.push((
        "entrasnap export (after 1% changed)".into(),
        (c4 - c3).requests,
        (c4 - c3).http,
        second_time,
        format!("store +{:.2} MB", growth as f64 / 1e6),
    ));
    sim.stop().await.unwrap();

    println!(
        "{n_users} users, {} groups, {} applications",
        first.counts["group"], first.counts["application"]
    );
    println!(
        "{:<46} {:>10} {:>8} {:>9} {:>10}",
        "", "Graph ops", "HTTP", "seconds", "vs naive"
    );
    let naive_ops = rows[0].1 as f64;
    for (label, ops, http, secs, note) in &rows {
        println!(
            "{label:<46} {ops:>10} {http:>8} {secs:>9.1} {:>9.1}%  {note}",
            100.0 * *ops as f64 / naive_ops
        );
    }
}
