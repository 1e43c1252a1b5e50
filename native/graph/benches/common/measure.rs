//! What the benchmarks read off a run: a client of the emulator, its request
//! counters, and the size of a store on disk.

use std::path::Path;
use std::sync::Arc;

use entrasnap_graph::auth::StaticToken;
use entrasnap_graph::{ClientOptions, GraphClient, Secret};
use entrasnap_sim::Running;
use serde_json::Value;

pub fn client(sim: &Running) -> GraphClient {
    GraphClient::new(ClientOptions::new(
        sim.url(),
        Arc::new(StaticToken::new(Secret::new("bench"))),
    ))
    .unwrap()
}

/// The emulator's `/_sim/stats` totals; two readings subtract to a step's cost.
#[derive(Clone, Copy, Default)]
pub struct Counters {
    /// Graph operations (each `$batch` item counts).
    pub requests: u64,
    /// HTTP requests.
    pub http: u64,
    pub resource_units: u64,
    /// Answers that were 429.
    pub throttled: u64,
}

impl std::ops::Sub for Counters {
    type Output = Counters;
    fn sub(self, o: Counters) -> Counters {
        Counters {
            requests: self.requests - o.requests,
            http: self.http - o.http,
            resource_units: self.resource_units - o.resource_units,
            throttled: self.throttled - o.throttled,
        }
    }
}

pub async fn counters(sim: &Running) -> Counters {
    let s: Value = reqwest::get(format!("{}/_sim/stats", sim.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let n = |k: &str| {
        s[k].as_u64()
            .unwrap_or_else(|| panic!("/_sim/stats has no {k}"))
    };
    Counters {
        requests: n("requests"),
        http: n("httpRequests"),
        resource_units: n("resourceUnits"),
        throttled: n("throttled"),
    }
}

/// Bytes of every file under `path`.
pub fn dir_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .unwrap()
        .flatten()
        .map(|e| {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                dir_size(&e.path())
            } else {
                m.len()
            }
        })
        .sum()
}
