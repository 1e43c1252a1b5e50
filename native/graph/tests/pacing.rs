use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use entrasnap_graph::{AccessToken, GraphClient, TokenSource, auth::TokenFuture};
use entrasnap_sim::{Config, Seed};

use crate::util;

/// Notes the moment of every token request: the client takes its token
/// right before it sends, after waiting its turn, so these are send times.
#[derive(Default)]
struct SendClock(Mutex<Vec<Instant>>);

impl TokenSource for SendClock {
    fn token(&self, _refresh: bool) -> TokenFuture<'_> {
        self.0.lock().unwrap().push(Instant::now());
        Box::pin(async { Ok(AccessToken::new("test-token", None)) })
    }

    fn describe(&self) -> &str {
        "send clock"
    }
}

#[tokio::test]
async fn conditional_access_reads_are_a_second_apart_across_tasks() {
    let sim = util::start(Config {
        seed: Seed::Demo,
        throttle: true,
        ..Default::default()
    })
    .await;
    let clock = Arc::new(SendClock::default());
    let client = GraphClient::new(util::options(&sim, clock.clone())).unwrap();
    let paths = [
        "/identity/conditionalAccess/policies",
        "/identity/conditionalAccess/namedLocations",
        "/identity/conditionalAccess/policies?$top=5",
        "/identity/conditionalAccess/namedLocations",
    ];
    let tasks: Vec<_> = paths
        .iter()
        .map(|p| {
            let (client, p) = (client.clone(), p.to_string());
            tokio::spawn(async move { client.get_all(&p).await })
        })
        .collect();
    // A directory read meanwhile, between two Conditional Access turns, is
    // not held up by the pacer.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    client.get("/organization").await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(900));
    for t in tasks {
        t.await.unwrap().unwrap();
    }

    let mut times = clock.0.lock().unwrap().clone();
    times.sort();
    // Leave out the /organization read: the one send made just after `started`.
    let org = times
        .iter()
        .position(|t| *t >= started && *t - started < Duration::from_millis(100))
        .expect("the directory read");
    times.remove(org);
    // At least one send per listing (a listing may take more than one page).
    assert!(times.len() >= paths.len(), "{times:?}");
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    eprintln!("gaps between Conditional Access sends: {gaps:?}");
    assert!(
        gaps.iter().all(|g| *g >= Duration::from_secs(1)),
        "{gaps:?}"
    );

    let stats = util::stats(&sim).await;
    for route in [
        "GET /identity/conditionalAccess/policies",
        "GET /identity/conditionalAccess/namedLocations",
    ] {
        assert_eq!(stats["byRoute"][route]["throttled"], 0, "{route}: {stats}");
        assert!(
            stats["byRoute"][route]["requests"].as_u64().unwrap() >= 2,
            "{route}: {stats}"
        );
    }
    assert_eq!(client.stats().throttled, 0);
}
