//! The fault matrix: each fault the emulator's script injects (`/_sim/faults`)
//! at a chosen request, and what the client and the export make of it. Either
//! the job completes with exactly the tenant, or it fails with an error naming
//! the request, and no snapshot is listed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use entrasnap_core::LocalStore;
use entrasnap_core::store::SnapshotStore;
use entrasnap_graph::auth::TokenFuture;
use entrasnap_graph::export::{ExportError, ExportOptions, ExportReport, export};
use entrasnap_graph::{
    AccessToken, CancellationToken, ClientOptions, ErrorKind, GraphClient, TokenSource,
};
use entrasnap_sim::kind::Kind;
use entrasnap_sim::{Config, Running, Seed};
use serde_json::{Value, json};

use crate::export::assert_snapshot_is_the_tenant;
use crate::util;

async fn demo(users: usize) -> Running {
    util::start(Config {
        seed: Seed::Demo,
        users: Some(users),
        ..Default::default()
    })
    .await
}

/// All users page by page (50 a page), checked against the emulator's own ids.
async fn all_users(sim: &Running, client: &GraphClient) -> entrasnap_graph::Result<()> {
    let users = client.get_all("/users?$top=50").await?;
    assert_eq!(util::unique_ids(&users), util::ids(sim, Kind::User));
    Ok(())
}

/// How often each rule acted (`GET /_sim/faults`), to prove the fault was injected.
async fn hits(sim: &Running) -> Vec<u64> {
    let script: Value = reqwest::get(format!("{}/_sim/faults", sim.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    script["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["hits"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_429_storm_with_retry_after_is_waited_out() {
    let sim = demo(400).await;
    util::faults(
        &sim,
        json!([{"kind": "throttle", "retryAfter": 0.05, "path": "/users", "after": 2, "count": 12}]),
    )
    .await;
    let client = util::client(&sim);
    all_users(&sim, &client).await.unwrap();
    assert_eq!(hits(&sim).await, [12]);
    let s = client.stats();
    assert_eq!(s.throttled, 12);
    assert_eq!(s.retries, 12);
    // Each wait is at least the 50 ms Graph asked for.
    assert!(s.throttle_wait >= Duration::from_millis(600), "{s:?}");
}

#[tokio::test]
async fn a_429_storm_without_retry_after_backs_off() {
    let sim = demo(400).await;
    util::faults(
        &sim,
        json!([{"kind": "throttle", "path": "/users", "after": 1, "count": 6}]),
    )
    .await;
    let client = util::client(&sim);
    all_users(&sim, &client).await.unwrap();
    assert_eq!(hits(&sim).await, [6]);
    assert_eq!(client.stats().throttled, 6);
}

#[tokio::test]
async fn a_429_storm_beyond_the_budget_fails_naming_the_request() {
    let sim = demo(100).await;
    util::faults(
        &sim,
        json!([{"kind": "throttle", "retryAfter": 0.01, "path": "/users"}]),
    )
    .await;
    let source = Arc::new(entrasnap_graph::auth::StaticToken::new(
        entrasnap_graph::Secret::new("test-token"),
    ));
    let client = GraphClient::new(ClientOptions {
        max_throttle_retries: 4,
        ..util::options(&sim, source)
    })
    .unwrap();
    let e = all_users(&sim, &client).await.unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Throttled { retries: 4 }),
        "{e}"
    );
    assert!(e.to_string().contains("GET /users"), "{e}");
    assert_eq!(hits(&sim).await, [5]);
}

#[tokio::test]
async fn a_5xx_burst_is_retried_and_repeats_nothing() {
    let sim = demo(400).await;
    util::faults(
        &sim,
        json!([
            {"kind": "status", "status": 500, "path": "/users", "after": 1, "count": 1},
            {"kind": "status", "status": 502, "path": "/users", "after": 2, "count": 1},
            {"kind": "status", "status": 503, "path": "/users", "after": 3, "count": 2},
            {"kind": "status", "status": 504, "path": "/users", "after": 6, "count": 2}
        ]),
    )
    .await;
    let client = util::client(&sim);
    all_users(&sim, &client).await.unwrap();
    assert_eq!(hits(&sim).await, [1, 1, 2, 2]);
    assert_eq!(client.stats().retries, 6);
}

#[tokio::test]
async fn a_5xx_burst_beyond_the_retries_fails_naming_the_request() {
    let sim = demo(100).await;
    util::faults(
        &sim,
        json!([{"kind": "status", "status": 503, "path": "/groups"}]),
    )
    .await;
    let client = util::client(&sim);
    let e = client.get_all("/groups").await.unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Server {
                status: 503,
                retries: 5,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("GET /groups"), "{e}");
}

/// Dropped connections, bodies that break off, truncated and garbled JSON:
/// each is a failed exchange, retried, and the listing is still whole.
#[tokio::test]
async fn broken_answers_are_retried_and_the_listing_is_whole() {
    for kind in ["drop", "breakBody", "truncate", "garble"] {
        let sim = demo(400).await;
        util::faults(
            &sim,
            json!([
                {"kind": kind, "path": "/users", "after": 1, "count": 2},
                {"kind": kind, "path": "/users", "after": 5, "count": 1}
            ]),
        )
        .await;
        let client = util::client(&sim);
        all_users(&sim, &client)
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(hits(&sim).await, [2, 1], "{kind}");
        assert_eq!(client.stats().retries, 3, "{kind}");
    }
}

/// A POST whose answer broke off may have been applied: it is not sent again.
#[tokio::test]
async fn a_write_whose_answer_broke_off_is_not_repeated() {
    let sim = demo(10).await;
    util::faults(
        &sim,
        json!([{"kind": "breakBody", "method": "POST", "path": "/groups", "count": 1}]),
    )
    .await;
    let client = util::client(&sim);
    let before = util::ids(&sim, Kind::Group).len();
    let group = json!({"displayName": "fault-probe", "mailEnabled": false, "mailNickname": "fp", "securityEnabled": true});
    let e = client
        .send(&entrasnap_graph::Request::post("/groups", group))
        .await
        .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Transport { retries: 0, .. }),
        "{e}"
    );
    assert_eq!(
        util::ids(&sim, Kind::Group).len(),
        before + 1,
        "applied once"
    );
}

#[tokio::test]
async fn a_response_slower_than_the_timeout_is_abandoned_and_retried() {
    let sim = demo(10).await;
    // The emulator holds the answer for two minutes; the client gives up after 300 ms.
    util::faults(
        &sim,
        json!([{"kind": "slow", "path": "/organization", "count": 1}]),
    )
    .await;
    let source = Arc::new(entrasnap_graph::auth::StaticToken::new(
        entrasnap_graph::Secret::new("test-token"),
    ));
    let client = GraphClient::new(ClientOptions {
        request_timeout: Duration::from_millis(300),
        ..util::options(&sim, source)
    })
    .unwrap();
    let org = client.get("/organization").await.unwrap();
    assert!(org["value"][0]["id"].is_string(), "{org}");
    assert_eq!(hits(&sim).await, [1]);
    assert_eq!(client.stats().retries, 1);
    assert_eq!(client.stats().requests, 2);
}

#[tokio::test]
async fn a_page_that_links_to_itself_fails_instead_of_spinning() {
    let sim = demo(400).await;
    util::faults(
        &sim,
        json!([{"kind": "selfLink", "path": "/users", "after": 2, "count": 1}]),
    )
    .await;
    let client = util::client(&sim);
    let e = client.get_all("/users?$top=50").await.unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidResponse { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "Graph answered GET /users with an unexpected body: page 3 links to the page itself as its next page: Graph's paging loops"
    );
    // Found on the third page's answer, without asking for it again.
    assert_eq!(client.stats().requests, 3);
}

/// Hands out `token-N`, a new one on every refresh.
#[derive(Default)]
struct Renewing {
    refreshes: AtomicUsize,
}

impl TokenSource for Renewing {
    fn token(&self, refresh: bool) -> TokenFuture<'_> {
        if refresh {
            self.refreshes.fetch_add(1, Ordering::SeqCst);
        }
        let n = self.refreshes.load(Ordering::SeqCst);
        Box::pin(async move { Ok(AccessToken::new(format!("token-{n}"), None)) })
    }

    fn describe(&self) -> &str {
        "renewing test source"
    }
}

async fn export_with(
    sim: &Running,
    store: &LocalStore,
    source: Arc<dyn TokenSource>,
) -> Result<ExportReport, ExportError> {
    let client = GraphClient::new(util::options(sim, source)).unwrap();
    let options = ExportOptions::default();
    export(&client, store, &options, &|_| {}, &CancellationToken::new()).await
}

/// A failed export lists nothing, and verify finds the store sound.
fn assert_nothing_listed(store: &LocalStore) {
    assert!(
        store.list().unwrap().is_empty(),
        "a partial snapshot is listed"
    );
    assert!(store.verify(None).unwrap().problems.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_through_every_recoverable_fault_holds_exactly_the_tenant() {
    // Enough users to be listed in partitions: the `/users` faults land on
    // those pages (and on the one `/users/delta` call that takes the link).
    let sim = util::start(Config {
        seed: Seed::Small,
        users: Some(3000),
        ..Default::default()
    })
    .await;
    util::faults(
        &sim,
        json!([
            {"kind": "throttle", "retryAfter": 0.02, "path": "/users", "after": 1, "count": 5},
            {"kind": "throttle", "path": "/groups/delta", "count": 3},
            {"kind": "status", "status": 503, "path": "/applications", "count": 2},
            {"kind": "status", "status": 500, "path": "/$batch", "count": 1},
            {"kind": "drop", "path": "/servicePrincipals", "count": 2},
            {"kind": "breakBody", "path": "/groups/delta", "after": 4, "count": 1},
            {"kind": "truncate", "path": "/users", "after": 7, "count": 1},
            {"kind": "garble", "path": "/identity/conditionalAccess", "count": 1},
            {"kind": "slow", "delayMs": 200, "path": "/$batch", "after": 1, "count": 1},
            {"kind": "expireTokens", "after": 15, "count": 1}
        ]),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path()).unwrap();
    let source = Arc::new(Renewing::default());
    let report = export_with(&sim, &store, source.clone()).await.unwrap();
    let fired = hits(&sim).await;
    eprintln!("faults that fired per rule: {fired:?}");
    assert!(fired.iter().all(|h| *h > 0), "every rule fired: {fired:?}");
    // Renewed by each request in flight that met the 401 (at most one per
    // concurrent request), never in a loop.
    let refreshes = source.refreshes.load(Ordering::SeqCst);
    assert!((1..=8).contains(&refreshes), "renewed {refreshes} times");
    let manifest = store.manifest(&report.snapshot_id).unwrap();
    assert_snapshot_is_the_tenant(&sim, &store, &manifest);
    assert!(store.verify(None).unwrap().problems.is_empty());
}

#[tokio::test]
async fn a_token_that_expires_mid_export_and_cannot_be_renewed_lists_nothing() {
    let sim = demo(300).await;
    util::faults(
        &sim,
        json!([{"kind": "expireTokens", "after": 6, "count": 1}]),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path()).unwrap();
    let source = Arc::new(entrasnap_graph::auth::StaticToken::new(
        entrasnap_graph::Secret::new("static-token"),
    ));
    let e = export_with(&sim, &store, source).await.unwrap_err();
    let message = e.to_string();
    assert!(
        message.contains("Graph refused the token even after asking"),
        "{message}"
    );
    assert!(!message.contains("static-token"), "{message}");
    assert_nothing_listed(&store);
}

#[tokio::test]
async fn an_unrecoverable_fault_mid_export_lists_nothing() {
    for rules in [
        json!([{"kind": "status", "status": 503, "path": "/servicePrincipals"}]),
        json!([{"kind": "drop", "path": "/groups/delta"}]),
        json!([{"kind": "selfLink", "path": "/groups/delta", "count": 1}]),
        json!([{"kind": "body", "path": "/applications", "body": "{\"value\": 7}"}]),
    ] {
        let sim = demo(300).await;
        util::faults(&sim, rules.clone()).await;
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let source = Arc::new(Renewing::default());
        let e = export_with(&sim, &store, source).await.unwrap_err();
        eprintln!("{rules}: {e}");
        assert!(matches!(e, ExportError::Graph(_)), "{rules}: {e}");
        assert_nothing_listed(&store);
        // And the next export, the faults gone, is complete.
        util::faults(&sim, json!([])).await;
        let report = export_with(&sim, &store, Arc::new(Renewing::default()))
            .await
            .unwrap();
        let manifest = store.manifest(&report.snapshot_id).unwrap();
        assert_snapshot_is_the_tenant(&sim, &store, &manifest);
    }
}
