//! Export against the emulator: the snapshot holds exactly the tenant's
//! objects, selected properties and links; faults and throttling change
//! nothing; a second export reads only what changed.

use std::collections::BTreeMap;
use std::time::Duration;

use entrasnap_core::store::{Links, Manifest, SnapshotStore};
use entrasnap_core::{LocalStore, ObjectType, normalize};
use entrasnap_graph::CancellationToken;
use entrasnap_graph::export::{ExportOptions, ExportReport, ReadMode, export};
use entrasnap_sim::kind::{Kind, Rel};
use entrasnap_sim::{Config, Running, Seed};
use serde_json::{Map, Value, json};

use crate::util::{client, start, stats};

async fn run_export(sim: &Running, store: &LocalStore, full: bool) -> ExportReport {
    let client = client(sim);
    let options = ExportOptions {
        full,
        ..ExportOptions::default()
    };
    export(&client, store, &options, &|_| {}, &CancellationToken::new())
        .await
        .expect("export succeeds")
}

/// The emulator's object as a Graph read with the type's `$select` returns it.
fn as_read(ty: &ObjectType, obj: &Map<String, Value>) -> Value {
    if ty.select.is_empty() {
        return Value::Object(obj.clone());
    }
    let mut out = Map::new();
    if let Some(t) = obj.get("@odata.type") {
        out.insert("@odata.type".into(), t.clone());
    }
    for p in ty.select {
        out.insert(p.to_string(), obj.get(*p).cloned().unwrap_or(Value::Null));
    }
    Value::Object(out)
}

/// Every object, every selected property and every link of the emulator's
/// tenant is in the snapshot, and nothing else is.
pub(crate) fn assert_snapshot_is_the_tenant(
    sim: &Running,
    store: &LocalStore,
    manifest: &Manifest,
) {
    let tenant = sim.sim.read();
    let mut checked = 0;
    for ty in ObjectType::all() {
        let Ok(kind) = serde_json::from_value::<Kind>(json!(ty.name)) else {
            continue;
        };
        let expected = tenant.collection(kind).cloned().unwrap_or_default();
        let entries = manifest
            .objects
            .get(ty.name)
            .unwrap_or_else(|| panic!("{ty} missing from the snapshot"));
        let got: BTreeMap<&str, _> = entries.iter().map(|e| (e.id.as_str(), e)).collect();
        assert_eq!(got.len(), expected.len(), "{ty}: number of objects");
        for (id, obj) in &expected {
            let entry = got
                .get(id.as_str())
                .unwrap_or_else(|| panic!("{ty} {id} missing from the snapshot"));
            let want = normalize(ty, as_read(ty, obj)).expect("emulator objects normalize");
            let body = store.read_object(&entry.hash).expect("object readable");
            assert!(
                body == want.body,
                "{ty} {id}: stored body differs from the emulator's\n stored: {body}\n want:   {}",
                want.body
            );
            let links: Links = entry
                .links
                .as_ref()
                .map(|h| store.read_links(h).unwrap())
                .unwrap_or_default();
            for link in ty.links {
                let want: Vec<String> = match link.name {
                    "manager" => tenant.manager.get(id).cloned().into_iter().collect(),
                    name => {
                        let rel = if name == "members" {
                            Rel::Members
                        } else {
                            Rel::Owners
                        };
                        tenant
                            .targets(rel, id)
                            .map(|t| t.iter().cloned().collect())
                            .unwrap_or_default()
                    }
                };
                let have = links.get(link.name).cloned().unwrap_or_default();
                assert_eq!(have, want, "{ty} {id}: {} differ", link.name);
            }
            checked += 1;
        }
    }
    for (name, key) in [
        ("authorizationPolicy", "authorizationPolicy"),
        ("authenticationMethodsPolicy", "authenticationMethodsPolicy"),
    ] {
        let ty = ObjectType::find(name).unwrap();
        let entries = &manifest.objects[name];
        assert_eq!(entries.len(), 1, "{name} is one object");
        let mut raw = tenant.singletons[key].clone();
        if name == "authenticationMethodsPolicy" {
            // Graph inlines the method configurations; they are their own type.
            raw.remove("authenticationMethodConfigurations");
        }
        let want = normalize(ty, as_read(ty, &raw)).unwrap();
        let mut body = store.read_object(&entries[0].hash).unwrap();
        body.as_object_mut()
            .unwrap()
            .remove("authenticationMethodConfigurations");
        assert!(
            body == want.body,
            "{name} differs:\n stored {body}\n want   {}",
            want.body
        );
    }
    let cross = &manifest.objects["crossTenantAccessPolicy"];
    assert_eq!(
        cross.len(),
        2 + tenant.count(Kind::CrossTenantAccessPolicyPartner),
        "policy, default and each partner"
    );
    assert!(checked > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_snapshot_holds_exactly_the_tenant() {
    let sim = start(Config {
        seed: Seed::Small,
        ..Default::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path()).unwrap();
    let report = run_export(&sim, &store, false).await;
    assert!(report.modes.values().all(|m| *m == ReadMode::Full));
    let manifest = store.manifest(&report.snapshot_id).unwrap();
    assert_snapshot_is_the_tenant(&sim, &store, &manifest);
    assert_eq!(report.counts["user"], 502);
    let s = stats(&sim).await;
    assert_eq!(
        s["byRoute"]["GET /groups/{id}/members"]["requests"]
            .as_u64()
            .unwrap_or(0),
        0,
        "members come from delta, never one call per group"
    );
    assert_eq!(s["throttled"], 0);
    assert!(store.verify(None).unwrap().problems.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_and_throttling_change_nothing_in_the_snapshot() {
    let clean = start(Config {
        seed: Seed::Small,
        ..Default::default()
    })
    .await;
    let rough = start(Config {
        seed: Seed::Small,
        throttle: true,
        throttle_ru: Some(8),
        fault_rate: 0.1,
        ..Default::default()
    })
    .await;
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (sa, sb) = (
        LocalStore::open(a.path()).unwrap(),
        LocalStore::open(b.path()).unwrap(),
    );
    let ra = run_export(&clean, &sa, false).await;
    let rb = run_export(&rough, &sb, false).await;
    let s = stats(&rough).await;
    assert!(
        s["faults"].as_u64().unwrap() > 0,
        "faults were injected: {s}"
    );
    assert!(
        s["throttled"].as_u64().unwrap() > 0,
        "throttling happened: {s}"
    );
    assert!(rb.retries > 0);
    let (ma, mb) = (
        sa.manifest(&ra.snapshot_id).unwrap(),
        sb.manifest(&rb.snapshot_id).unwrap(),
    );
    for (ty, entries) in &ma.objects {
        let other = &mb.objects[ty];
        let key = |es: &Vec<entrasnap_core::store::ObjectEntry>| {
            es.iter()
                .map(|e| (e.id.clone(), e.hash, e.links))
                .collect::<Vec<_>>()
        };
        assert!(
            key(entries) == key(other),
            "{ty}: same objects, same content, same links"
        );
    }
    assert_snapshot_is_the_tenant(&rough, &sb, &mb);
}

/// Change 1% of users and groups through Graph.
async fn change_one_percent(sim: &Running) -> (usize, usize) {
    let http = reqwest::Client::new();
    let base = format!("{}/v1.0", sim.url());
    let users: Vec<String> = crate::util::ids(sim, Kind::User).into_iter().collect();
    let groups: Vec<String> = crate::util::ids(sim, Kind::Group).into_iter().collect();
    let (nu, ng) = (users.len().div_ceil(100), groups.len().div_ceil(100));
    for u in users.iter().step_by(100) {
        let r = http
            .patch(format!("{base}/users/{u}"))
            .bearer_auth("t")
            .json(&json!({"department": "Reorganised"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }
    for (i, g) in groups.iter().step_by(100).enumerate() {
        let r = if i % 2 == 0 {
            http.patch(format!("{base}/groups/{g}"))
                .bearer_auth("t")
                .json(&json!({"description": "Changed"}))
                .send()
                .await
                .unwrap()
        } else {
            let member = &users[(i * 7919) % users.len()];
            http.post(format!("{base}/groups/{g}/members/$ref")).bearer_auth("t")
                .json(&json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{member}")})).send().await.unwrap()
        };
        assert!(
            r.status().is_success() || r.status() == 400,
            "{}",
            r.status()
        );
    }
    // And one user goes away, one comes back from nowhere.
    let r = http
        .delete(format!("{base}/users/{}", users[3]))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    (nu, ng)
}

fn dir_size(path: &std::path::Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(path).unwrap().flatten() {
        let meta = entry.metadata().unwrap();
        total += if meta.is_dir() {
            dir_size(&entry.path())
        } else {
            meta.len()
        };
    }
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_export_reads_only_what_changed() {
    let sim = start(Config {
        seed: Seed::Small,
        users: Some(5000),
        groups: Some(1000),
        ..Default::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path()).unwrap();
    let first = run_export(&sim, &store, false).await;
    let after_first = stats(&sim).await;
    let size_first = dir_size(dir.path());
    let (nu, ng) = change_one_percent(&sim).await;
    let before_second = stats(&sim).await;
    let second = run_export(&sim, &store, false).await;
    let after_second = stats(&sim).await;
    let size_second = dir_size(dir.path());

    let n = |s: &Value, k: &str| s[k].as_u64().unwrap();
    let first_ops = n(&after_first, "requests");
    let second_ops = n(&after_second, "requests") - n(&before_second, "requests");
    let first_http = n(&after_first, "httpRequests");
    let second_http = n(&after_second, "httpRequests") - n(&before_second, "httpRequests");
    println!(
        "incremental export after {nu} users and {ng} groups changed: Graph operations {second_ops}/{first_ops} ({:.1}%), HTTP requests {second_http}/{first_http} ({:.1}%), store {size_first} -> {size_second} bytes (+{:.2}%)",
        100.0 * second_ops as f64 / first_ops as f64,
        100.0 * second_http as f64 / first_http as f64,
        100.0 * (size_second - size_first) as f64 / size_first as f64
    );
    assert_eq!(second.modes["user"], ReadMode::Incremental);
    assert_eq!(second.modes["group"], ReadMode::Incremental);
    // Only the changes were read: one or two delta pages per type, no listing.
    let route = |s: &Value, r: &str| s["byRoute"][r]["requests"].as_u64().unwrap_or(0);
    for r in ["GET /users/delta", "GET /groups/delta"] {
        let sent = route(&after_second, r) - route(&before_second, r);
        assert!(sent <= 2, "{r}: {sent} requests for about 1% of changes");
    }
    assert_eq!(
        route(&after_second, "GET /users") - route(&before_second, "GET /users"),
        0
    );
    assert!(
        (size_second - size_first) * 20 <= size_first,
        "store grew {size_first} -> {size_second}"
    );

    // The incremental snapshot is exactly what a full export sees now.
    let manifest = store.manifest(&second.snapshot_id).unwrap();
    assert_snapshot_is_the_tenant(&sim, &store, &manifest);
    assert_eq!(second.counts["user"], first.counts["user"] - 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_delta_token_falls_back_to_a_full_read() {
    let sim = start(Config::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path()).unwrap();
    run_export(&sim, &store, false).await;
    reqwest::Client::new()
        .post(format!("{}/_sim/expire-delta-tokens", sim.url()))
        .send()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let g = crate::util::ids(&sim, Kind::Group)
        .into_iter()
        .next()
        .unwrap();
    http.patch(format!("{}/v1.0/groups/{g}", sim.url()))
        .bearer_auth("t")
        .json(&json!({"description": "after expiry"}))
        .send()
        .await
        .unwrap();
    let second = run_export(&sim, &store, false).await;
    assert_eq!(second.modes["user"], ReadMode::Resynced);
    assert_eq!(second.modes["group"], ReadMode::Resynced);
    assert_snapshot_is_the_tenant(&sim, &store, &store.manifest(&second.snapshot_id).unwrap());
    let third = run_export(&sim, &store, false).await;
    assert_eq!(
        third.modes["group"],
        ReadMode::Incremental,
        "the new token is saved"
    );
    let _ = Duration::ZERO;
}

/// The `large` tenant (100k users, 20k groups): the snapshot is the tenant, and
/// after 1% of users and groups change, the next export sends at most 10% of
/// the requests and grows the store by at most 5%.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "scale: about a minute; run with --ignored (test.sh --scale)"]
async fn large_tenant_exports_exactly_and_incrementally() {
    let t0 = std::time::Instant::now();
    let sim = start(Config {
        seed: Seed::Large,
        ..Default::default()
    })
    .await;
    let seeded = t0.elapsed();
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path()).unwrap();
    let t1 = std::time::Instant::now();
    let first = run_export(&sim, &store, false).await;
    let first_time = t1.elapsed();
    let after_first = stats(&sim).await;
    let size_first = dir_size(dir.path());
    assert_snapshot_is_the_tenant(&sim, &store, &store.manifest(&first.snapshot_id).unwrap());
    let (nu, ng) = change_one_percent(&sim).await;
    let before_second = stats(&sim).await;
    let t2 = std::time::Instant::now();
    let second = run_export(&sim, &store, false).await;
    let second_time = t2.elapsed();
    let after_second = stats(&sim).await;
    let size_second = dir_size(dir.path());
    let n = |s: &Value, k: &str| s[k].as_u64().unwrap();
    let (first_ops, first_http) = (n(&after_first, "requests"), n(&after_first, "httpRequests"));
    let second_ops = n(&after_second, "requests") - n(&before_second, "requests");
    let second_http = n(&after_second, "httpRequests") - n(&before_second, "httpRequests");
    for (route, r) in after_second["byRoute"].as_object().unwrap() {
        let was = before_second["byRoute"][route]["requests"]
            .as_u64()
            .unwrap_or(0);
        let sent = r["requests"].as_u64().unwrap_or(0) - was;
        if sent > 0 {
            println!("second export: {route}: {sent}");
        }
    }
    println!(
        "seeded in {:.1} s; {} users, {} groups",
        seeded.as_secs_f64(),
        first.counts["user"],
        first.counts["group"]
    );
    println!(
        "first export:  {first_ops} Graph operations, {first_http} HTTP requests, {:.1} s, store {size_first} bytes",
        first_time.as_secs_f64()
    );
    println!(
        "second export after {nu} users and {ng} groups changed: {second_ops} operations ({:.1}%), {second_http} HTTP requests ({:.1}%), {:.1} s, store +{} bytes ({:.2}%)",
        100.0 * second_ops as f64 / first_ops as f64,
        100.0 * second_http as f64 / first_http as f64,
        second_time.as_secs_f64(),
        size_second - size_first,
        100.0 * (size_second - size_first) as f64 / size_first as f64
    );
    assert!(
        second_ops * 10 <= first_ops,
        "Graph operations {second_ops} vs {first_ops}"
    );
    assert!(
        second_http * 10 <= first_http,
        "HTTP requests {second_http} vs {first_http}"
    );
    assert!(
        (size_second - size_first) * 20 <= size_first,
        "store grew {size_first} -> {size_second}"
    );
    assert_eq!(second.modes["user"], ReadMode::Incremental);
    assert_snapshot_is_the_tenant(&sim, &store, &store.manifest(&second.snapshot_id).unwrap());
}
