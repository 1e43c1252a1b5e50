//! The benchmark suite: every figure of issue 10 side by side, in one run,
//! against the emulator with its latency model and throttling on.
//!
//! cargo bench -p entrasnap-graph --bench suite [-- OPTIONS]
//!
//!   --seed small|large     tenant shape (default small: its apps and policies)
//!   --users N --groups N   sizes (default 10,000 users and 1,000 groups)
//!   --million              1,000,000 users and 200,000 groups, no naive run
//!   --latency-ms MS        per request (default 40)
//!   --latency-per-object-us US  per object in an answer (default 300)
//!   --dailies N            daily exports at 1% churn for the storage figure (default 30)
//!   --restore-writes N     attribute changes the restore executor writes (default 1,000;
//!                          above 3,000 it runs into Graph's steady write budget)
//!   --out DIR              where BENCHMARKS.md and benchmarks.json go
//!                          (default the workspace root)
//!
//! Under `cargo test` (no `--bench`) it runs a tiny smoke pass and writes
//! into a temp directory.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use entrasnap_core::LocalStore;
use entrasnap_core::diff::{StoredSnapshot, compare};
use entrasnap_core::restore::{Plan, Step, StepKind, StepRequest};
use entrasnap_graph::CancellationToken;
use entrasnap_graph::export::{ExportOptions, ExportReport, export};
use entrasnap_graph::restore::{MemoryJournal, execute};
use entrasnap_sim::kind::Kind;
use entrasnap_sim::{Config, Running, Seed};
use futures::stream::{self, StreamExt};
use serde_json::{Value, json};

#[path = "common/measure.rs"]
mod measure;
#[path = "common/naive.rs"]
mod naive;

use measure::{Counters, client, counters, dir_size};

/// Graph's largest page for directory collections (GRAPH-FACTS.md, "Paging").
const MAX_PAGE: u64 = 999;
/// Conditional Access and named locations: 1 request/s per tenant (GRAPH-FACTS.md, "Throttling").
const CA_INTERVAL: Duration = Duration::from_secs(1);
/// Resource units per 10 s for a tenant of more than 500 users (GRAPH-FACTS.md, "Throttling").
const RU_PER_10S: f64 = 8_000.0;
/// Writes: 3,000 per 2.5 minutes per app and tenant (GRAPH-FACTS.md, "Throttling").
const WRITES_PER_SECOND: f64 = 3_000.0 / 150.0;
/// Microsoft's recovery service's changes per second, as issue 10 states it
/// (no Microsoft page found that gives it).
const MICROSOFT_CHANGES_PER_SECOND: f64 = 4.6;

struct Options {
    seed: Seed,
    users: usize,
    groups: usize,
    million: bool,
    latency: Duration,
    per_object: Duration,
    dailies: usize,
    restore_writes: usize,
    out: PathBuf,
    smoke: bool,
}

fn options() -> (Options, Option<tempfile::TempDir>) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let smoke = !args.iter().any(|a| a == "--bench");
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let num = |name: &str, default: u64| value(name).map_or(default, |v| v.parse().unwrap());
    let million = args.iter().any(|a| a == "--million");
    let (users, groups) = if smoke {
        (300, 30)
    } else if million {
        (1_000_000, 200_000)
    } else {
        (10_000, 1_000)
    };
    let users = num("--users", users as u64) as usize;
    let groups = num("--groups", groups as u64) as usize;
    let seed = match value("--seed").as_deref() {
        Some("large") => Seed::Large,
        None if million => Seed::Large,
        _ => Seed::Small,
    };
    let temp = smoke.then(|| tempfile::tempdir().unwrap());
    let out = match (&temp, value("--out")) {
        (Some(t), _) => t.path().to_path_buf(),
        (None, Some(o)) => PathBuf::from(o),
        (None, None) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."),
    };
    let (latency, per_object, dailies) = if smoke { (1, 10, 2) } else { (40, 300, 30) };
    (
        Options {
            seed,
            users,
            groups,
            million,
            latency: Duration::from_millis(num("--latency-ms", latency)),
            per_object: Duration::from_micros(num("--latency-per-object-us", per_object)),
            dailies: num("--dailies", dailies) as usize,
            restore_writes: num("--restore-writes", if smoke { 20 } else { 1_000 }) as usize,
            out,
            smoke,
        },
        temp,
    )
}

/// The process's peak resident set (Linux `VmHWM`), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The fastest any exporter could read this tenant: each collection's pages
/// of 999 one after another (a nextLink chain cannot be shortened), the
/// Conditional Access pair 1 s apart, and the resource units above one full
/// bucket paid at Graph's rate; the longest of these.
fn bound(sim: &Running, o: &Options) -> Duration {
    let tenant = sim.sim.read();
    let round = |objects: u64| o.latency + o.per_object * objects as u32;
    let mut longest = Duration::ZERO;
    let mut units = 0.0;
    for kind in [
        Kind::User,
        Kind::Group,
        Kind::Application,
        Kind::ServicePrincipal,
    ] {
        let n = tenant.count(kind) as u64;
        let pages = n.div_ceil(MAX_PAGE).max(1);
        longest = longest.max(o.latency * pages as u32 + o.per_object * n as u32);
        // GET users and applications cost 2, `$select` takes 1 off (GRAPH-FACTS.md).
        units += pages as f64;
    }
    let policies = tenant.count(Kind::ConditionalAccessPolicy) as u64;
    let locations = tenant.count(Kind::NamedLocation) as u64;
    let ca = round(policies).max(CA_INTERVAL) + round(locations);
    let budget = Duration::from_secs_f64(((units - RU_PER_10S).max(0.0) / RU_PER_10S) * 10.0);
    longest.max(ca).max(budget)
}

async fn churn(sim: &Running, share: usize, salt: usize) -> usize {
    let ids = |k| {
        sim.sim
            .read()
            .collection(k)
            .map(|c| c.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let http = reqwest::Client::new();
    let url = sim.url();
    let mut writes = Vec::new();
    for u in ids(Kind::User).iter().skip(salt % share).step_by(share) {
        writes.push((
            format!("{url}/v1.0/users/{u}"),
            json!({"department": format!("Changed {salt}")}),
        ));
    }
    for g in ids(Kind::Group).iter().skip(salt % share).step_by(share) {
        writes.push((
            format!("{url}/v1.0/groups/{g}"),
            json!({"description": format!("Changed {salt}")}),
        ));
    }
    let n = writes.len();
    stream::iter(writes)
        .for_each_concurrent(16, |(url, body)| {
            let http = http.clone();
            async move {
                loop {
                    let r = http
                        .patch(&url)
                        .bearer_auth("bench")
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    if r.status() != 429 {
                        assert!(r.status().is_success(), "{url}: {}", r.status());
                        break;
                    }
                    let wait = r
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok()?.parse().ok())
                        .unwrap_or(1);
                    tokio::time::sleep(Duration::from_secs(wait)).await;
                }
            }
        })
        .await;
    n
}

async fn run_export(sim: &Running, store: &LocalStore) -> (ExportReport, Duration, Counters) {
    let c0 = counters(sim).await;
    let t = Instant::now();
    let report = export(
        &client(sim),
        store,
        &ExportOptions::default(),
        &|_| {},
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    let took = t.elapsed();
    (report, took, counters(sim).await - c0)
}

/// The restore executor writing `n` user attribute changes, as a plan made
/// from a snapshot would: one PATCH per user, batched as the executor does.
async fn restore(sim: &Running, n: usize) -> (Duration, Counters, usize) {
    let users: Vec<String> = sim
        .sim
        .read()
        .collection(Kind::User)
        .map(|c| c.keys().take(n).cloned().collect())
        .unwrap_or_default();
    let steps = users
        .iter()
        .enumerate()
        .map(|(i, id)| Step {
            seq: i as u32 + 1,
            kind: StepKind::Update,
            object_type: "user".into(),
            object_id: id.clone(),
            object_name: id.clone(),
            summary: "department: Changed -> Restored".into(),
            depends_on: Vec::new(),
            request: StepRequest {
                method: "PATCH".into(),
                version: "v1.0".into(),
                path: format!("users/{id}"),
                body: Some(json!({"department": "Restored"})),
                new_ids: Default::default(),
            },
        })
        .collect();
    let plan = Plan {
        snapshot: "20260101T000000Z-000001".into(),
        live: "20260102T000000Z-000002".into(),
        steps,
        ..Default::default()
    };
    let c0 = counters(sim).await;
    let t = Instant::now();
    let report = execute(
        &client(sim),
        &plan,
        &mut MemoryJournal::default(),
        &|_| {},
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    let took = t.elapsed();
    assert_eq!(report.counts.failed, 0, "every restore write succeeds");
    (took, counters(sim).await - c0, report.counts.done as usize)
}

struct Row {
    name: String,
    seconds: f64,
    counters: Option<Counters>,
    throttle_wait: Option<f64>,
    note: String,
}

fn row_json(r: &Row) -> Value {
    json!({
        "name": r.name,
        "seconds": r.seconds,
        "requests": r.counters.map(|c| c.requests),
        "httpRequests": r.counters.map(|c| c.http),
        "resourceUnits": r.counters.map(|c| c.resource_units),
        "throttled": r.counters.map(|c| c.throttled),
        "throttleWaitSeconds": r.throttle_wait,
        "note": r.note,
    })
}

#[tokio::main]
async fn main() {
    let (o, _temp) = options();
    let config = Config {
        seed: o.seed,
        users: Some(o.users),
        groups: Some(o.groups),
        latency: o.latency,
        latency_per_object: o.per_object,
        throttle: true,
        ..Default::default()
    };
    let sim = entrasnap_sim::start(config, 0).await.unwrap();
    let (users, groups, apps, policies) = {
        let t = sim.sim.read();
        (
            t.count(Kind::User),
            t.count(Kind::Group),
            t.count(Kind::Application),
            t.count(Kind::ConditionalAccessPolicy),
        )
    };
    let tenant = format!(
        "{users} users, {groups} groups, {apps} applications, {policies} CA policies; \
         latency {} ms + {} µs per object, throttling on",
        o.latency.as_millis(),
        o.per_object.as_micros()
    );
    eprintln!("{tenant}");
    let mut rows = Vec::new();
    let bound = bound(&sim, &o);

    let naive = if o.million {
        None
    } else {
        eprintln!("naive exporter...");
        let c0 = counters(&sim).await;
        let t = Instant::now();
        let read = naive::Naive {
            page: 100,
            concurrency: 1,
            // 1 GET/s per policy is the naive exporter's cost; the smoke skips it to stay fast.
            ca_per_policy: !o.smoke,
        }
        .run(&client(&sim))
        .await;
        let took = t.elapsed();
        let c = counters(&sim).await - c0;
        rows.push(Row {
            name: "naive: sequential, pages of 100, members/owners/CA policy one GET each".into(),
            seconds: took.as_secs_f64(),
            counters: Some(c),
            throttle_wait: None,
            note: format!("{read} objects and links read, nothing stored"),
        });
        Some((took, c))
    };

    // Conditional Access allows one request a second per tenant: a run
    // starting in the same second as the naive one's last policy GET would
    // pay for that exporter's throttling, not its own.
    tokio::time::sleep(CA_INTERVAL).await;
    eprintln!("entrasnap export (full)...");
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path()).unwrap();
    let (first, full_time, full) = run_export(&sim, &store).await;
    let full_size = dir_size(dir.path());
    rows.push(Row {
        name: "entrasnap export, first (full)".into(),
        seconds: full_time.as_secs_f64(),
        counters: Some(full),
        throttle_wait: Some(first.throttle_wait_ms as f64 / 1000.0),
        note: format!("store {:.1} MB", full_size as f64 / 1e6),
    });
    rows.push(Row {
        name: "bound: longest chain of 999-object pages, CA at 1/s, RU budget".into(),
        seconds: bound.as_secs_f64(),
        counters: None,
        throttle_wait: None,
        note: String::new(),
    });

    eprintln!("1% churn, incremental export...");
    let changed = churn(&sim, 100, 0).await;
    let (second, incr_time, incr) = run_export(&sim, &store).await;
    rows.push(Row {
        name: "entrasnap export after 1% changed (incremental)".into(),
        seconds: incr_time.as_secs_f64(),
        counters: Some(incr),
        throttle_wait: Some(second.throttle_wait_ms as f64 / 1000.0),
        note: format!(
            "{changed} objects changed; {:.1}% of the full export's requests",
            100.0 * incr.requests as f64 / full.requests.max(1) as f64
        ),
    });

    eprintln!("compare...");
    let t = Instant::now();
    let (before, after) =
        StoredSnapshot::open_pair(&store, &first.snapshot_id, &second.snapshot_id).unwrap();
    let report = compare(&before, &after, None).unwrap();
    let compare_time = t.elapsed();
    rows.push(Row {
        name: "compare first vs incremental (open + diff)".into(),
        seconds: compare_time.as_secs_f64(),
        counters: None,
        throttle_wait: None,
        note: format!("{} changes", report.changes.len()),
    });

    eprintln!("{} daily exports at 1% churn...", o.dailies);
    let t = Instant::now();
    for day in 2..o.dailies.max(2) {
        churn(&sim, 100, day).await;
        run_export(&sim, &store).await;
    }
    let dailies_time = t.elapsed();
    let dailies_size = dir_size(dir.path());
    let plain: u64 = reqwest::get(format!("{}/_sim/state", sim.url()))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .len() as u64;
    let days = o.dailies.max(2);
    rows.push(Row {
        name: format!("storage: {days} dailies at 1% churn"),
        seconds: dailies_time.as_secs_f64(),
        counters: None,
        throttle_wait: None,
        note: format!(
            "{:.1} MB = {:.2}x one snapshot ({:.1} MB); {days} plain JSON copies {:.1} MB",
            dailies_size as f64 / 1e6,
            dailies_size as f64 / full_size as f64,
            full_size as f64 / 1e6,
            (plain * days as u64) as f64 / 1e6
        ),
    });
    eprintln!("restore: {} attribute changes...", o.restore_writes);
    let (restore_time, restore_c, written) = restore(&sim, o.restore_writes).await;
    let rate = written as f64 / restore_time.as_secs_f64().max(1e-9);
    rows.push(Row {
        name: format!("restore executor: {written} attribute changes"),
        seconds: restore_time.as_secs_f64(),
        counters: Some(restore_c),
        throttle_wait: None,
        note: format!(
            "{rate:.1} changes/s; Graph's write budget {WRITES_PER_SECOND:.0}/s after a burst of 3,000; \
             Microsoft's recovery {MICROSOFT_CHANGES_PER_SECOND}/s"
        ),
    });
    sim.stop().await.unwrap();
    let rss = peak_rss();

    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    let mut md = String::new();
    md.push_str("# Benchmarks\n\n");
    md.push_str(
        "Written by `cargo bench -p entrasnap-graph --bench suite` (README, \"Performance\"); \
         every figure below comes from the same run.\n\n",
    );
    md.push_str(&format!("Tenant: {tenant}.\n\n"));
    md.push_str("| | seconds | Graph ops | HTTP | RU | 429s | throttle wait s | |\n");
    md.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    for r in &rows {
        let c = |f: fn(&Counters) -> u64| r.counters.map_or("".into(), |c| f(&c).to_string());
        md.push_str(&format!(
            "| {} | {:.2} | {} | {} | {} | {} | {} | {} |\n",
            r.name,
            r.seconds,
            c(|c| c.requests),
            c(|c| c.http),
            c(|c| c.resource_units),
            c(|c| c.throttled),
            r.throttle_wait.map_or("".into(), |w| format!("{w:.1}")),
            r.note
        ));
    }
    md.push('\n');
    let mut summary = json!({
        "fullVsBound": ratio(full_time.as_secs_f64(), bound.as_secs_f64()),
        "incrementalRequestShare": ratio(incr.requests as f64, full.requests as f64),
        "dailiesVsOneSnapshot": ratio(dailies_size as f64, full_size as f64),
        "peakRssBytes": rss,
        "restoreChangesPerSecond": rate,
        "writeBudgetPerSecond": WRITES_PER_SECOND,
    });
    md.push_str(&format!(
        "- full export vs the bound: {:.1}x (target at most 1.5x)\n",
        ratio(full_time.as_secs_f64(), bound.as_secs_f64())
    ));
    if let Some((naive_time, naive_c)) = naive {
        let speedup = ratio(naive_time.as_secs_f64(), full_time.as_secs_f64());
        summary["naiveVsFull"] = json!(speedup);
        md.push_str(&format!(
            "- naive vs full export: {speedup:.1}x the time, {:.1}x the requests (target at least 30x faster)\n",
            ratio(naive_c.requests as f64, full.requests as f64)
        ));
    }
    md.push_str(&format!(
        "- incremental: {:.1}% of the full export's requests (target at most 5%)\n",
        100.0 * ratio(incr.requests as f64, full.requests as f64)
    ));
    md.push_str(&format!(
        "- {days} dailies: {:.2}x one snapshot (target at most 1.3x)\n",
        ratio(dailies_size as f64, full_size as f64)
    ));
    if let Some(rss) = rss {
        md.push_str(&format!(
            "- peak RSS of the benchmark process (emulator and tenant included, so an upper bound of the engine's): {:.0} MB\n",
            rss as f64 / 1e6
        ));
    }
    md.push_str(&format!(
        "- restore: {rate:.1} changes/s = {:.0}% of Graph's steady write budget ({WRITES_PER_SECOND:.0}/s; \
         runs of at most 3,000 writes fit in its burst), {:.1}x Microsoft's {MICROSOFT_CHANGES_PER_SECOND}/s\n",
        100.0 * rate / WRITES_PER_SECOND,
        rate / MICROSOFT_CHANGES_PER_SECOND
    ));
    print!("{md}");
    std::fs::create_dir_all(&o.out).unwrap();
    std::fs::write(o.out.join("BENCHMARKS.md"), &md).unwrap();
    let json = json!({
        "tenant": tenant,
        "rows": rows.iter().map(row_json).collect::<Vec<_>>(),
        "summary": summary,
    });
    std::fs::write(
        o.out.join("benchmarks.json"),
        serde_json::to_string_pretty(&json).unwrap(),
    )
    .unwrap();
    if o.smoke {
        assert_eq!(report.changes.len(), changed, "compare finds every change");
    }
}
