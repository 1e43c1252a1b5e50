//! Counters that let tests and benchmarks prove what a client sent.

use std::collections::BTreeMap;

use serde::Serialize;

#[derive(Debug, Default, Clone, Serialize)]
pub struct RouteStats {
    pub requests: u64,
    pub writes: u64,
    pub throttled: u64,
}

#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Graph operations: top-level requests plus every `$batch` sub-request.
    pub requests: u64,
    /// Successful or failed writes (POST/PATCH/PUT/DELETE), sub-requests included.
    pub writes: u64,
    /// Operations answered 429.
    pub throttled: u64,
    /// HTTP requests received (a `$batch` envelope is one).
    pub http_requests: u64,
    /// Injected faults (`--fault-rate`).
    pub faults: u64,
    /// Resource units charged (with `--throttle`), as `x-ms-resource-unit` states them.
    pub resource_units: u64,
    pub by_route: BTreeMap<String, RouteStats>,
}

impl Stats {
    pub fn record(&mut self, label: &str, write: bool, throttled: bool) {
        self.requests += 1;
        let r = self.by_route.entry(label.to_string()).or_default();
        r.requests += 1;
        if write {
            self.writes += 1;
            r.writes += 1;
        }
        if throttled {
            self.throttled += 1;
            r.throttled += 1;
        }
    }
}
