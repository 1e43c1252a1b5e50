//! The Graph emulator for end-to-end tests of the binary: started on a free
//! loopback port, driven through Graph's own verbs (as an admin, an HR sync or
//! an attacker would), and `entrasnap` run against it.

use std::path::Path;
use std::process::{Command, Output};

use reqwest::Method;
use serde_json::{Value, json};

use crate::util::assert_exit;

pub const POLICIES: &str = "identity/conditionalAccess/policies";
pub const LOCATIONS: &str = "identity/conditionalAccess/namedLocations";

pub struct Emulator {
    pub rt: tokio::runtime::Runtime,
    pub url: String,
    pub running: entrasnap_sim::Running,
}

impl Emulator {
    pub fn start() -> Emulator {
        Emulator::with(entrasnap_sim::Config::default())
    }

    pub fn with(config: entrasnap_sim::Config) -> Emulator {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let running = rt.block_on(entrasnap_sim::start(config, 0)).unwrap();
        Emulator {
            url: running.url(),
            running,
            rt,
        }
    }

    /// Sends a request to `{version}/{path}`; returns the status and the body (Null when empty).
    pub fn try_send(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.try_send_as("test-token", method, path, body)
    }

    /// Like [`Self::send`], with `token` as the bearer token (the audit log names its user or app).
    pub fn send_as(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.try_send_as(token, method.clone(), path, body);
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {value}"
        );
        value
    }

    pub fn try_send_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = if path.starts_with("beta/")
            || path.starts_with("v1.0/")
            || path.starts_with("_sim/")
        {
            format!("{}/{path}", self.url)
        } else {
            format!("{}/v1.0/{path}", self.url)
        };
        self.rt.block_on(async {
            let mut req = reqwest::Client::new()
                .request(method, url)
                .bearer_auth(token);
            if let Some(body) = body {
                req = req.json(&body);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            (status, serde_json::from_str(&text).unwrap_or(Value::Null))
        })
    }

    /// Like [`try_send`], asserting success.
    pub fn send(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.try_send(method.clone(), path, body);
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {value}"
        );
        value
    }

    pub fn get(&self, path: &str) -> Value {
        self.send(Method::GET, path, None)
    }

    /// Every item of a collection, following nextLinks.
    pub fn list(&self, path: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut page = self.get(path);
        loop {
            out.extend(page["value"].as_array().cloned().unwrap_or_default());
            match page["@odata.nextLink"].as_str() {
                Some(next) => {
                    let rel = next
                        .strip_prefix(&format!("{}/", self.url))
                        .unwrap()
                        .to_string();
                    page = self.get(&rel);
                }
                None => return out,
            }
        }
    }

    /// The one object of the collection at `path` called `name`.
    pub fn find(&self, path: &str, name: &str) -> Value {
        let found: Vec<Value> = self
            .list(&format!("{path}?$filter=displayName eq '{name}'"))
            .into_iter()
            .filter(|o| o["displayName"] == name)
            .collect();
        assert_eq!(found.len(), 1, "one {path} called {name}: {found:?}");
        found[0].clone()
    }

    pub fn id_of(&self, path: &str, name: &str) -> String {
        self.find(path, name)["id"].as_str().unwrap().to_string()
    }

    /// Sends `requests` (`{method, url, body}`) through `$batch`, 20 at a
    /// time as Graph allows, and asserts every one succeeded.
    pub fn batch(&self, requests: Vec<Value>) {
        for chunk in requests.chunks(20) {
            let body: Vec<Value> = chunk
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let mut r = r.clone();
                    r["id"] = json!(i.to_string());
                    r["headers"] = json!({"Content-Type": "application/json"});
                    r
                })
                .collect();
            let answer = self.send(Method::POST, "$batch", Some(json!({"requests": body})));
            for r in answer["responses"].as_array().unwrap() {
                let status = r["status"].as_u64().unwrap();
                assert!((200..300).contains(&status), "batch item failed: {r}");
            }
        }
    }

    /// Group members' ids.
    pub fn members(&self, group: &str) -> Vec<String> {
        self.list(&format!("groups/{group}/members?$select=id"))
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect()
    }

    /// Writes the emulator has applied so far (`/_sim/stats`).
    pub fn writes(&self) -> u64 {
        self.get("_sim/stats")["writes"].as_u64().unwrap()
    }

    /// `entrasnap <args> --store <store>` against this emulator.
    pub fn entrasnap(&self, store: &Path, args: &[&str]) -> Output {
        self.command(store, args).output().unwrap()
    }

    /// `compare --from <from> --to live --format json`: the report.
    pub fn compare_live(&self, store: &Path, from: &str) -> Value {
        let out = self.entrasnap(
            store,
            &[
                "compare", "--from", from, "--to", "live", "--format", "json",
            ],
        );
        assert_exit(&out, 0);
        crate::util::json(&out)
    }

    pub fn command(&self, store: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_entrasnap"));
        cmd.args(args)
            .arg("--store")
            .arg(store)
            .env_remove("ENTRASNAP_STORE")
            .env("ENTRASNAP_TOKEN", "test-token")
            .env("ENTRASNAP_GRAPH_URL", &self.url);
        cmd
    }
}

/// A JWT-shaped token naming a user (the emulator reads its claims, never checks them).
pub fn user_token(upn: &str, name: &str, oid: &str) -> String {
    jwt(
        &json!({"oid": oid, "upn": upn, "name": name, "appid": "1950a258-227b-4e31-a9cf-717495945fc2"}),
    )
}

/// A JWT-shaped app-only token with these application permissions.
pub fn app_token(app_id: &str, name: &str, roles: &[&str]) -> String {
    jwt(
        &json!({"oid": format!("{app_id}-sp"), "appid": app_id, "app_displayname": name, "idtyp": "app", "roles": roles}),
    )
}

fn jwt(claims: &Value) -> String {
    entrasnap_sim::audit::unsigned_jwt(claims)
}

/// How many trials a kill test runs: `ENTRASNAP_TRIALS` when set (long runs,
/// e.g. `ENTRASNAP_TRIALS=200 cargo test kill`), else `default` (CI).
pub fn trials(default: usize) -> usize {
    std::env::var("ENTRASNAP_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// SplitMix64, for reproducible kill points.
pub fn next_random(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Emulator {
    /// Installs a fault script (`POST /_sim/faults`), replacing the one before.
    pub fn faults(&self, rules: Value) {
        self.send(Method::POST, "_sim/faults", Some(json!({ "rules": rules })));
    }

    /// `GET /_sim/stats`.
    pub fn stats(&self) -> Value {
        self.get("_sim/stats")
    }

    /// Lets parked requests go, drops the hold rules, and waits until none is parked.
    pub fn release(&self) {
        self.send(Method::POST, "_sim/release", None);
        while self.stats()["held"].as_u64().unwrap() > 0 {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    /// Waits until `child` has a request parked by a `hold` rule (true), or
    /// has exited without meeting one (false). An event, not a time: where
    /// the child is stopped is decided by the rule's `after`, whatever the
    /// machine's load.
    pub fn wait_held(&self, child: &mut std::process::Child) -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            if self.stats()["held"].as_u64().unwrap() > 0 {
                return true;
            }
            if child.try_wait().unwrap().is_some() {
                return false;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "neither parked nor finished in two minutes"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }
}
