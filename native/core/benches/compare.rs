//! How long a comparison of two large snapshots takes, next to the naive way
//! in the same run: the engine skips every object whose body and links hashes
//! match, the baseline reads and diffs every body.
//!
//! cargo bench -p entrasnap-core --bench compare [-- USERS]
//!
//! Two snapshots shaped like the emulator's `large` tenant (100,000 users,
//! 20,000 groups with members, 300 Conditional Access policies) in a
//! LocalStore in a temp directory, 1% of the objects changed in the second.
//! Under `cargo test` (no `--bench` argument) it runs a 2,000-user smoke pass
//! instead, so the default test run stays fast but still checks it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use entrasnap_core::diff::{Snapshot, StoredSnapshot, compare, diff_bodies};
use entrasnap_core::store::Links;
use entrasnap_core::{LocalStore, ObjectType, normalize};
use serde_json::{Value, json};

const TENANT: &str = "0f5b2c1e-7d44-4c1a-9a4e-2b6f3d8e9c10";

fn ty(name: &str) -> &'static ObjectType {
    ObjectType::find(name).expect("registered type")
}

fn guid(kind: u32, i: usize) -> String {
    format!("{kind:08x}-0000-4000-8000-{i:012}")
}

fn user(i: usize, department: &str) -> Value {
    json!({
        "id": guid(1, i),
        "displayName": format!("User {i}"),
        "givenName": "User", "surname": format!("{i}"),
        "userPrincipalName": format!("user{i}@contoso.example"),
        "mail": format!("user{i}@contoso.example"),
        "mailNickname": format!("user{i}"),
        "accountEnabled": true,
        "department": department,
        "jobTitle": "Analyst",
        "companyName": "Contoso Ltd",
        "employeeId": format!("E{i:06}"),
        "officeLocation": "Seattle/12",
        "usageLocation": "US",
        "city": "Seattle", "country": "United States",
        "businessPhones": [], "proxyAddresses": [format!("SMTP:user{i}@contoso.example")],
        "userType": "Member",
        "createdDateTime": "2024-01-01T00:00:00Z"
    })
}

fn group(i: usize, description: &str) -> Value {
    json!({
        "id": guid(2, i),
        "displayName": format!("Group {i}"),
        "description": description,
        "mailNickname": format!("group{i}"),
        "mailEnabled": false, "securityEnabled": true,
        "groupTypes": [], "visibility": "Private",
        "createdDateTime": "2024-01-01T00:00:00Z"
    })
}

fn policy(i: usize, state: &str, groups: usize) -> Value {
    json!({
        "id": guid(3, i),
        "displayName": format!("CA{i:03} - Require MFA"),
        "state": state,
        "conditions": {
            "users": {"includeUsers": ["All"], "excludeGroups": [guid(2, i % groups)]},
            "applications": {"includeApplications": ["All"]},
            "clientAppTypes": ["all"]
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}
    })
}

fn members(i: usize, users: usize) -> Links {
    let ids = (0..5).map(|k| guid(1, (i * 7 + k * 13) % users)).collect();
    BTreeMap::from([("members".to_string(), ids)])
}

struct Shape {
    users: usize,
    groups: usize,
    policies: usize,
}

/// Writes the two snapshots; returns their ids and how many objects changed.
fn build(store: &LocalStore, s: &Shape) -> (String, String, usize) {
    let types = [ty("user"), ty("group"), ty("conditionalAccessPolicy")];
    let mut ids = Vec::new();
    let mut changed = 0;
    for (n, day) in [(0, 1), (1, 2)] {
        let second = n == 1;
        let w = store
            .begin_at(
                TENANT,
                &types,
                Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap(),
            )
            .expect("writer");
        // 1% of each type changes: users every 100th, groups every 100th
        // (half description, half a member), policies every 100th.
        for i in 0..s.users {
            let dept = if second && i % 100 == 0 {
                "Marketing"
            } else {
                "Sales"
            };
            changed += usize::from(second && i % 100 == 0);
            let obj = normalize(ty("user"), user(i, dept)).expect("user");
            w.put(ty("user"), &obj).expect("put user");
        }
        for i in 0..s.groups {
            let edit = second && i % 100 == 0;
            changed += usize::from(edit);
            let description = if edit && i % 200 == 0 {
                "Renamed"
            } else {
                "Team"
            };
            let obj = normalize(ty("group"), group(i, description)).expect("group");
            w.put(ty("group"), &obj).expect("put group");
            let mut links = members(i, s.users);
            if edit && i % 200 != 0 {
                links
                    .get_mut("members")
                    .expect("members")
                    .push(guid(1, (i + 1) % s.users));
            }
            w.put_links(ty("group"), &obj.id, &links)
                .expect("put links");
        }
        for i in 0..s.policies {
            let edit = second && i % 100 == 0;
            changed += usize::from(edit);
            let obj = normalize(
                ty("conditionalAccessPolicy"),
                policy(i, if edit { "disabled" } else { "enabled" }, s.groups),
            )
            .expect("policy");
            w.put(ty("conditionalAccessPolicy"), &obj)
                .expect("put policy");
        }
        ids.push(w.finish().expect("finish").to_string());
    }
    (ids[0].clone(), ids[1].clone(), changed)
}

/// The naive comparison: read every body and links list on both sides and
/// diff each pair, as a tool without content hashes has to.
fn naive(before: &dyn Snapshot, after: &dyn Snapshot, types: &[&ObjectType]) -> usize {
    let mut changed = 0;
    for t in types {
        for a in before.entries(t.name) {
            let Some(b) = after.find(t.name, &a.id) else {
                changed += 1;
                continue;
            };
            let x = before.read_body(&a.hash).expect("body");
            let y = after.read_body(&b.hash).expect("body");
            let links = |side: &dyn Snapshot, h: &Option<_>| {
                h.as_ref().map(|h| side.read_links(h).expect("links"))
            };
            let attrs = diff_bodies(t, &x, &y);
            if !attrs.is_empty() || links(before, &a.links) != links(after, &b.links) {
                changed += 1;
            }
        }
    }
    changed
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let users: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(if benching { 100_000 } else { 2_000 });
    let shape = Shape {
        users,
        groups: users / 5,
        policies: if benching { 300 } else { 30 },
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let store = LocalStore::open(dir.path().join("store")).expect("store");
    let t0 = Instant::now();
    let (a, b, changed) = build(&store, &shape);
    let build_time = t0.elapsed();
    let objects = shape.users + shape.groups + shape.policies;

    let types = [ty("user"), ty("group"), ty("conditionalAccessPolicy")];
    let t0 = Instant::now();
    let (before, after) = StoredSnapshot::open_pair(&store, &a, &b).expect("open");
    let open = t0.elapsed();

    // Best of three for each, the page cache warm for both.
    let mut ours = Duration::MAX;
    let mut report = None;
    for _ in 0..3 {
        let t0 = Instant::now();
        let r = compare(&before, &after, Some(&types)).expect("compare");
        ours = ours.min(t0.elapsed());
        report = Some(r);
    }
    let report = report.expect("a report");
    let mut base = Duration::MAX;
    let mut naive_changed = 0;
    for _ in 0..3 {
        let t0 = Instant::now();
        naive_changed = naive(&before, &after, &types);
        base = base.min(t0.elapsed());
    }
    assert_eq!(
        report.changes.len(),
        changed,
        "the engine finds every change"
    );
    assert_eq!(naive_changed, changed, "the baseline finds every change");

    println!(
        "two snapshots of {objects} objects ({} users, {} groups with members, {} CA policies), written in {}",
        shape.users,
        shape.groups,
        shape.policies,
        ms(build_time)
    );
    println!("manifests opened in {}", ms(open));
    println!();
    println!(
        "| objects | changed | ours (hash-skipping) | naive (read + diff every body) | ratio |"
    );
    println!("|---:|---:|---:|---:|---:|");
    println!(
        "| {objects} | {changed} | {} | {} | {:.0}x |",
        ms(ours),
        ms(base),
        base.as_secs_f64() / ours.as_secs_f64().max(1e-9)
    );
    if benching {
        assert!(
            ours < Duration::from_secs(1),
            "comparing {objects} objects took {}",
            ms(ours)
        );
    }
}
