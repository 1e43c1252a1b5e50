use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use entrasnap_graph::auth::TokenFuture;
use entrasnap_graph::{AccessToken, ErrorKind, GraphClient, TokenSource};
use entrasnap_sim::{Config, Seed};

use crate::util;

/// Hands out a new token whenever asked to refresh.
#[derive(Default)]
struct Renewing {
    issued: AtomicUsize,
    refreshes: AtomicUsize,
}

impl TokenSource for Renewing {
    fn token(&self, refresh: bool) -> TokenFuture<'_> {
        if refresh {
            self.refreshes.fetch_add(1, Ordering::SeqCst);
            self.issued.fetch_add(1, Ordering::SeqCst);
        }
        let n = self.issued.load(Ordering::SeqCst);
        Box::pin(async move { Ok(AccessToken::new(format!("token-{n}"), None)) })
    }

    fn describe(&self) -> &str {
        "renewing test source"
    }
}

fn expiring_sim() -> Config {
    Config {
        seed: Seed::Demo,
        token_lifetime: Some(Duration::from_secs(1)),
        ..Default::default()
    }
}

/// The token expires on the emulator's word (`/_sim/expire-tokens`), not on a
/// one-second lifetime: paging 5 users at a time takes longer than that on a
/// loaded machine, and the renewed token would expire too.
#[tokio::test]
async fn an_expired_token_is_renewed_exactly_once() {
    let sim = util::start(Config {
        seed: Seed::Demo,
        ..Default::default()
    })
    .await;
    let source = Arc::new(Renewing::default());
    let client = GraphClient::new(util::options(&sim, source.clone())).unwrap();
    client.get("/organization").await.unwrap();
    util::sim_post(&sim, "expire-tokens", None).await;
    let users = client.get_all("/users?$top=5").await.unwrap();
    assert_eq!(
        users.len(),
        util::ids(&sim, entrasnap_sim::kind::Kind::User).len()
    );
    assert_eq!(source.refreshes.load(Ordering::SeqCst), 1);
    let stats = client.stats();
    // First read, then the 401, then the retry with the new token and the remaining pages.
    assert_eq!(stats.retries, 1);
}

/// `--token-lifetime-secs`: the sleep only ever makes the token older.
#[tokio::test]
async fn a_token_that_cannot_be_renewed_is_an_auth_error() {
    let sim = util::start(expiring_sim()).await;
    let client = util::client(&sim);
    client.get("/organization").await.unwrap();
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let e = client.get("/organization").await.unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Auth { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "authentication failed for GET /organization: Graph refused the token even after asking the caller for a new one (401 InvalidAuthenticationToken: Lifetime validation failed, the token is expired.)"
    );
    assert!(!e.to_string().contains("test-token"));
}
