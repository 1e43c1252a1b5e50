//! The `entrasnap-sim` binary as users and other tests start it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Killed, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_entrasnap-sim"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the emulator binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_string();
    (Killed(child), url)
}

#[test]
fn port_zero_picks_a_free_port_and_says_where() {
    let (_a, url_a) = spawn(&["--port", "0", "--seed", "none"]);
    let (_b, url_b) = spawn(&["--port", "0", "--seed", "none"]);
    assert!(url_a.starts_with("http://127.0.0.1:"));
    assert_ne!(url_a, url_b, "two emulators side by side");
}

#[test]
fn bad_flags_are_usage_errors() {
    let out = Command::new(env!("CARGO_BIN_EXE_entrasnap-sim"))
        .args(["--fault-rate", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--fault-rate"));
    let out = Command::new(env!("CARGO_BIN_EXE_entrasnap-sim"))
        .args(["--seed", "huge"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn state_is_saved_and_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("tenant.json");
    let config = || entrasnap_sim::Config {
        state: Some(state.clone()),
        ..Default::default()
    };
    let g = crate::util::Graph::start(config()).await;
    let id = g.id_by_name("groups", "SG-CA-Pilot").await;
    assert_eq!(
        g.patch(
            &format!("/v1.0/groups/{id}"),
            serde_json::json!({"description": "saved"})
        )
        .await
        .status,
        204
    );
    g.sim.stop().await.unwrap();
    assert!(state.exists());
    let g = crate::util::Graph::start(config()).await;
    assert_eq!(
        g.get(&format!("/v1.0/groups/{id}")).await.body["description"],
        "saved"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_are_injected_at_the_asked_rate() {
    let g = crate::util::Graph::start(entrasnap_sim::Config {
        fault_rate: 0.3,
        ..Default::default()
    })
    .await;
    let mut failed = 0;
    for _ in 0..100 {
        match g
            .http
            .get(format!("{}/v1.0/users?$top=1", g.base))
            .bearer_auth("t")
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => match r.text().await {
                Ok(_) => {}
                Err(_) => failed += 1,
            },
            _ => failed += 1,
        }
    }
    let stats = g.stats().await;
    assert!(
        (15..=45).contains(&failed),
        "about 30% of requests fail: {failed}"
    );
    assert_eq!(
        stats["faults"].as_u64().unwrap(),
        failed as u64,
        "every fault is counted and every failure was a fault"
    );
}
