//! How fast the emulator builds and serves a large tenant, next to the floor:
//! serialising the same users straight from memory with serde_json.
//!
//! cargo bench -p entrasnap-sim --bench serve [-- USERS]
//!
//! Under `cargo test` (no `--bench` argument) it runs a 2,000-user smoke pass
//! instead, so the default test run stays fast but still exercises it.

use std::time::Instant;

use entrasnap_sim::kind::Kind;
use entrasnap_sim::{Config, Seed};

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
        ..Default::default()
    };

    let t0 = Instant::now();
    let tenant = entrasnap_sim::tenant(&config).expect("seed builds");
    let build = t0.elapsed();
    let counts: Vec<(Kind, usize)> = entrasnap_sim::kind::ALL
        .iter()
        .map(|k| (*k, tenant.count(*k)))
        .collect();
    let n_users = tenant.count(Kind::User);

    // Baseline: the same users serialised in 999-sized pages with no HTTP at all.
    let t0 = Instant::now();
    let mut bytes_floor = 0;
    let all: Vec<_> = tenant.collection(Kind::User).unwrap().values().collect();
    for page in all.chunks(999) {
        bytes_floor += serde_json::to_vec(page).unwrap().len();
    }
    let floor = t0.elapsed();
    drop(all);
    drop(tenant);

    let sim = entrasnap_sim::start(config, 0)
        .await
        .expect("emulator starts");
    let http = reqwest::Client::new();
    let mut rows = Vec::new();
    for (label, query) in [
        ("default properties, $top=999", "$top=999"),
        (
            "HR $select, $top=999",
            "$top=999&$select=id,displayName,department,jobTitle,employeeId,companyName,accountEnabled,userPrincipalName",
        ),
    ] {
        let t0 = Instant::now();
        let mut next = Some(format!("{}/v1.0/users?{query}", sim.url()));
        let (mut pages, mut seen, mut bytes) = (0, 0, 0);
        while let Some(url) = next {
            let body = http
                .get(&url)
                .bearer_auth("bench")
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            bytes += body.len();
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            seen += v["value"].as_array().unwrap().len();
            pages += 1;
            next = v["@odata.nextLink"].as_str().map(str::to_string);
        }
        assert_eq!(seen, n_users, "every user served exactly once");
        rows.push((label, pages, seen, bytes, t0.elapsed()));
    }
    sim.stop().await.unwrap();

    println!("large seed built in {:.2} s:", build.as_secs_f64());
    for (k, n) in counts.iter().filter(|(_, n)| *n > 0) {
        println!("  {:<40} {n:>8}", format!("{k:?}"));
    }
    println!();
    println!(
        "{:<34} {:>6} {:>8} {:>9} {:>8} {:>11} {:>9}",
        "read all users over HTTP", "pages", "users", "MB", "seconds", "users/s", "vs floor"
    );
    for (label, pages, seen, bytes, took) in rows {
        println!(
            "{:<34} {:>6} {:>8} {:>9.1} {:>8.2} {:>11.0} {:>8.1}x",
            label,
            pages,
            seen,
            bytes as f64 / 1e6,
            took.as_secs_f64(),
            seen as f64 / took.as_secs_f64(),
            took.as_secs_f64() / floor.as_secs_f64()
        );
    }
    println!(
        "{:<34} {:>6} {:>8} {:>9.1} {:>8.2} {:>11.0} {:>9}",
        "floor: serde_json from memory",
        n_users.div_ceil(999),
        n_users,
        bytes_floor as f64 / 1e6,
        floor.as_secs_f64(),
        n_users as f64 / floor.as_secs_f64(),
        "1.0x"
    );
}
