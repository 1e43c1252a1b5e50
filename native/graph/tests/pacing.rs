use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use entrasnap_graph::{AccessToken, GraphClient, TokenSource, auth::TokenFuture};
use entrasnap_sim::{Config, Seed};

use crate::util;

tokio::task_local! {
    /// Set around the directory read, so its send is told apart from the paced ones.
    static DIRECTORY_READ: ();
}

/// Notes the moment of every token request: the client takes its token
/// right before it sends, after waiting its turn (with no await between the
/// turn's stamp and the token), so these are send times.
#[derive(Default)]
struct SendClock {
    paced: Mutex<Vec<Instant>>,
    directory: Mutex<Vec<Instant>>,
    first: tokio::sync::Notify,
}

impl TokenSource for SendClock {
    fn token(&self, _refresh: bool) -> TokenFuture<'_> {
        let now = Instant::now();
        if DIRECTORY_READ.try_with(|_| ()).is_ok() {
            self.directory.lock().unwrap().push(now);
        } else {
            self.paced.lock().unwrap().push(now);
            self.first.notify_one();
        }
        Box::pin(async { Ok(AccessToken::new("test-token", None)) })
    }

    fn describe(&self) -> &str {
        "send clock"
    }
}

/// Deterministic under load: the directory read starts once the first
/// Conditional Access read has gone out (an event, not a sleep), and is
/// told apart by a task-local, not by a time window. What is asserted is
/// what the client controls: its own send times. (The emulator judges its
/// 1 request/s on arrival, which a loaded machine shifts by more than the
/// client's 100 ms margin; a 429 there is retried, as from Graph.)
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
    // not held up by the pacer: it goes out before the second paced send.
    clock.first.notified().await;
    DIRECTORY_READ
        .scope((), client.get("/organization"))
        .await
        .unwrap();
    for t in tasks {
        t.await.unwrap().unwrap();
    }

    let mut times = clock.paced.lock().unwrap().clone();
    times.sort();
    let directory = clock.directory.lock().unwrap().clone();
    assert_eq!(directory.len(), 1, "one directory send");
    // At least one send per listing (a listing may take more than one page).
    assert!(times.len() >= paths.len(), "{times:?}");
    assert!(
        directory[0] < times[1],
        "the directory read waited for a Conditional Access turn"
    );
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
        assert!(
            stats["byRoute"][route]["requests"].as_u64().unwrap() >= 2,
            "{route}: {stats}"
        );
    }
}
