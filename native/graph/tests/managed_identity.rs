//! The engine's managed identity client against the emulator's endpoints,
//! over HTTP: each shape's token reaches Graph, every expiry form is read,
//! and a token that expires during an export is fetched again.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use entrasnap_core::LocalStore;
use entrasnap_graph::export::{ExportOptions, export};
use entrasnap_graph::{AuthOptions, CancellationToken, Environment, GraphClient};
use entrasnap_sim::identity::{Expiry, IdentityConfig, USER_ASSIGNED_CLIENT_ID};
use entrasnap_sim::{Config, Running};
use serde_json::Value;

use crate::util::start;

fn config(expiry: Expiry, lifetime: Option<Duration>) -> Config {
    Config {
        identity: IdentityConfig {
            expiry,
            ..Default::default()
        },
        token_lifetime: lifetime,
        ..Default::default()
    }
}

async fn overview(sim: &Running) -> Value {
    reqwest::get(format!("{}/_sim/identity", sim.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Exactly the variables of `shape`, plus the emulator's Graph URL.
async fn environment(sim: &Running, shape: &str) -> Environment {
    let mut vars: HashMap<String, String> = overview(sim).await[shape]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    vars.insert("ENTRASNAP_GRAPH_URL".into(), sim.url());
    Environment::given(vars)
}

fn auth(environment: Environment, imds: bool, client_id: Option<&str>) -> AuthOptions {
    AuthOptions {
        environment,
        managed_identity: imds,
        managed_identity_client_id: client_id.map(str::to_string),
        ..Default::default()
    }
}

#[tokio::test]
async fn each_shape_hands_out_a_token_graph_accepts() {
    let sim = start(config(Expiry::EpochString, None)).await;
    let cases = [
        ("appService2019", false, None),
        ("appService2019", false, Some(USER_ASSIGNED_CLIENT_ID)),
        ("appService2017", false, None),
        ("appService2017", false, Some(USER_ASSIGNED_CLIENT_ID)),
        ("cloudShell", false, None),
        ("arc", false, None),
        ("imds", true, None),
        ("imds", true, Some(USER_ASSIGNED_CLIENT_ID)),
    ];
    for (n, (shape, imds, client_id)) in cases.into_iter().enumerate() {
        let env = environment(&sim, shape).await;
        let client =
            GraphClient::connect(None, auth(env, imds, client_id), &CancellationToken::new())
                .unwrap_or_else(|e| panic!("{shape}: {e}"));
        let org = client
            .get("/organization")
            .await
            .unwrap_or_else(|e| panic!("{shape}: {e}"));
        assert!(org["value"][0]["id"].is_string(), "{shape}: {org}");
        let token = client.token_source().token(false).await.unwrap();
        assert!(token.secret().expose().starts_with("sim-mi-"), "{shape}");
        let left = token
            .expires_on()
            .unwrap()
            .duration_since(SystemTime::now())
            .unwrap();
        assert!(left > Duration::from_secs(3000), "{shape}: {left:?}");
        assert_eq!(overview(&sim).await["issued"], n as u64 + 1, "{shape}");
    }
    // Arc's key files are used once and removed.
    let dir = overview(&sim).await["arc"]["ENTRASNAP_ARC_TOKENS_DIR"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(std::fs::read_dir(dir).unwrap().count(), 0);
}

#[tokio::test]
async fn every_expiry_form_gives_the_same_lifetime() {
    for expiry in [
        Expiry::EpochString,
        Expiry::EpochNumber,
        Expiry::Date,
        Expiry::ExpiresIn,
    ] {
        let sim = start(config(expiry, Some(Duration::from_secs(600)))).await;
        let env = environment(&sim, "imds").await;
        let source = entrasnap_graph::default_chain(auth(env, true, None)).unwrap();
        let token = source
            .token(false)
            .await
            .unwrap_or_else(|e| panic!("{expiry:?}: {e}"));
        let left = token
            .expires_on()
            .unwrap()
            .duration_since(SystemTime::now())
            .unwrap();
        assert!(
            left <= Duration::from_secs(600) && left > Duration::from_secs(590),
            "{expiry:?}: {left:?}"
        );
    }
}

#[tokio::test]
async fn malformed_answers_are_refused() {
    for (expiry, expected) in [
        (Expiry::None, "without expires_on or expires_in"),
        (Expiry::EpochMs, "epoch milliseconds"),
    ] {
        let sim = start(config(expiry, None)).await;
        let env = environment(&sim, "appService2019").await;
        let source = entrasnap_graph::default_chain(auth(env, false, None)).unwrap();
        let e = source.token(false).await.unwrap_err().to_string();
        assert!(e.contains(expected), "{expiry:?}: {e}");
        assert!(e.contains("IDENTITY_ENDPOINT + IDENTITY_HEADER"), "{e}");
    }
}

#[tokio::test]
async fn a_token_that_expires_mid_export_is_fetched_again() {
    // Tokens live 1 s; Conditional Access is paced to one request per 1.1 s,
    // so the export outlives its first token whatever the machine's load.
    let sim = start(config(Expiry::EpochString, Some(Duration::from_secs(1)))).await;
    let env = environment(&sim, "appService2019").await;
    let client =
        GraphClient::connect(None, auth(env, false, None), &CancellationToken::new()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path().join("store")).unwrap();
    let report = export(
        &client,
        &store,
        &ExportOptions::default(),
        &|_| {},
        &CancellationToken::new(),
    )
    .await
    .expect("the export outlives its tokens");
    assert!(
        report.counts["conditionalAccessPolicy"] >= 12,
        "{:?}",
        report.counts
    );
    let issued = overview(&sim).await["issued"].as_u64().unwrap();
    assert!(
        issued >= 2,
        "one token for an export longer than its lifetime: {issued}"
    );
}
