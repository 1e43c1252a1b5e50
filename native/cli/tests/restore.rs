//! `entrasnap restore` against the emulator, each test proven by reading the
//! tenant's state afterwards: surgical attribute restores, dependency order
//! (named locations before the policies that use them, soft- and hard-deleted),
//! deleted apps, members, exclusions and secrets, the break-glass guard,
//! what-if, a restore killed halfway and re-run, and undo.

use std::path::Path;

use reqwest::Method;
use serde_json::{Value, json};

use crate::emulator::{Emulator, LOCATIONS, POLICIES};
use entrasnap_core::{LocalStore, SnapshotStore};

use crate::util::{assert_exit, json as json_out, stderr, stdout};

const CA001: &str = "CA001 - Require MFA for all users";
const CA004: &str = "CA004 - Block access from outside allowed countries";

fn export(emu: &Emulator, store: &Path) -> String {
    let out = emu.entrasnap(store, &["export"]);
    assert_exit(&out, 0);
    stdout(&out).trim().to_string()
}

/// `restore --snapshot S <args> --yes --json`: the JSON result, exit 0 asserted.
fn restore(emu: &Emulator, store: &Path, snapshot: &str, args: &[&str]) -> Value {
    let mut all = vec!["restore", "--snapshot", snapshot, "--yes", "--json"];
    all.extend_from_slice(args);
    let out = emu.entrasnap(store, &all);
    assert_exit(&out, 0);
    json_out(&out)
}

fn steps(result: &Value) -> &Vec<Value> {
    result["plan"]["steps"].as_array().unwrap()
}

fn assert_clean(result: &Value) {
    let outcome = &result["outcome"];
    assert_eq!(outcome["counts"]["failed"], 0, "{outcome:#}");
    assert_eq!(outcome["verification"]["clean"], true, "{outcome:#}");
}

fn policy(emu: &Emulator, name: &str) -> Value {
    emu.find(&format!("beta/{POLICIES}"), name)
}

#[test]
fn one_attribute_on_5000_users_keeps_a_later_change_to_another() {
    let emu = Emulator::with(entrasnap_sim::Config {
        seed: entrasnap_sim::Seed::Small,
        users: Some(5_000),
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let snapshot = export(&emu, dir.path());
    let before: Vec<Value> = emu.list("users?$select=id,department,jobTitle&$top=999");
    assert!(before.len() >= 5_000, "{} users", before.len());
    let users: Vec<&Value> = before.iter().take(5_000).collect();

    // The HR sync overwrites 5,000 departments; later, a legitimate change
    // gives the same users a new job title.
    let patch = |body: Value| -> Vec<Value> {
        users
            .iter()
            .map(|u| {
                json!({
                    "method": "PATCH",
                    "url": format!("/users/{}", u["id"].as_str().unwrap()),
                    "body": body,
                })
            })
            .collect()
    };
    emu.batch(patch(json!({"department": "HR-Import-Unmapped"})));
    emu.batch(patch(json!({"jobTitle": "Analyst (2026 grade)"})));

    let requests_before = emu.get("_sim/stats")["httpRequests"].as_u64().unwrap();
    let result = restore(
        &emu,
        dir.path(),
        &snapshot,
        &["--types", "user", "--attribute", "department"],
    );
    assert_clean(&result);
    assert_eq!(steps(&result).len(), 5_000);
    for s in steps(&result) {
        let body = &s["request"]["body"];
        assert_eq!(
            body.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["department"],
            "{s}"
        );
    }
    let requests = emu.get("_sim/stats")["httpRequests"].as_u64().unwrap() - requests_before;
    // 250 $batch envelopes for the writes, plus two incremental exports and the
    // recycle bins: nowhere near one HTTP request per user.
    assert!(requests < 400, "{requests} HTTP requests for 5,000 writes");

    let after: std::collections::BTreeMap<String, Value> = emu
        .list("users?$select=id,department,jobTitle&$top=999")
        .into_iter()
        .map(|u| (u["id"].as_str().unwrap().to_string(), u))
        .collect();
    for u in users {
        let now = &after[u["id"].as_str().unwrap()];
        assert_eq!(now["department"], u["department"], "{now}");
        assert_eq!(now["jobTitle"], "Analyst (2026 grade)", "{now}");
    }
}

#[test]
fn a_policy_and_its_named_location_come_back_soft_and_hard_deleted() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let snapshot = export(&emu, dir.path());
    let ca004 = policy(&emu, CA004);
    let ca004_id = ca004["id"].as_str().unwrap().to_string();
    let allowed = emu.id_of(&format!("beta/{LOCATIONS}"), "Allowed Countries");
    assert_eq!(
        ca004["conditions"]["locations"]["excludeLocations"],
        json!([allowed])
    );
    let count = emu.list(&format!("beta/{LOCATIONS}")).len();

    // Soft delete: the policy stops using the location, the location is deleted.
    let drop_location = |emu: &Emulator| {
        let mut conditions = policy(emu, CA004)["conditions"].clone();
        conditions["locations"]["excludeLocations"] = json!([]);
        conditions["locations"]["includeLocations"] = json!(["All"]);
        emu.send(
            Method::PATCH,
            &format!("beta/{POLICIES}/{ca004_id}"),
            Some(json!({"conditions": conditions})),
        );
    };
    drop_location(&emu);
    emu.send(Method::DELETE, &format!("beta/{LOCATIONS}/{allowed}"), None);

    let result = restore(
        &emu,
        dir.path(),
        &snapshot,
        &["--types", "namedLocation,conditionalAccessPolicy"],
    );
    assert_clean(&result);
    let kinds: Vec<(&str, &str)> = steps(&result)
        .iter()
        .map(|s| (s["kind"].as_str().unwrap(), s["objectId"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("restoreDeleted", allowed.as_str()),
            ("update", ca004_id.as_str())
        ]
    );
    assert_eq!(
        emu.id_of(&format!("beta/{LOCATIONS}"), "Allowed Countries"),
        allowed
    );
    assert_eq!(
        policy(&emu, CA004)["conditions"]["locations"]["excludeLocations"],
        json!([allowed])
    );

    // Hard delete: gone from the recycle bin too; it comes back with a new id
    // and the policy is re-pointed to it.
    drop_location(&emu);
    emu.send(Method::DELETE, &format!("beta/{LOCATIONS}/{allowed}"), None);
    emu.send(
        Method::DELETE,
        &format!("beta/identity/conditionalAccess/deletedItems/namedLocations/{allowed}"),
        None,
    );
    let result = restore(
        &emu,
        dir.path(),
        &snapshot,
        &["--types", "namedLocation,conditionalAccessPolicy"],
    );
    assert_clean(&result);
    let recreated = emu.id_of(&format!("beta/{LOCATIONS}"), "Allowed Countries");
    assert_ne!(recreated, allowed);
    assert_eq!(emu.list(&format!("beta/{LOCATIONS}")).len(), count);
    assert_eq!(
        policy(&emu, CA004)["conditions"]["locations"]["excludeLocations"],
        json!([recreated])
    );
    let first = &steps(&result)[0];
    assert_eq!(first["kind"], "create");
    assert_eq!(first["objectName"], "Allowed Countries");
}

#[test]
fn a_deleted_app_a_member_an_exclusion_and_an_attackers_secret() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let snapshot = export(&emu, dir.path());

    let apps = emu.list("applications?$select=id,appId,displayName,passwordCredentials");
    let hr = apps
        .iter()
        .find(|a| a["displayName"] == "Contoso HR Portal")
        .unwrap()
        .clone();
    let other = apps
        .iter()
        .find(|a| a["displayName"] != "Contoso HR Portal")
        .unwrap()
        .clone();
    let hr_id = hr["id"].as_str().unwrap().to_string();
    let app_id = hr["appId"].as_str().unwrap().to_string();
    let sp = emu.list(&format!("servicePrincipals?$filter=appId eq '{app_id}'"));
    assert_eq!(sp.len(), 1);
    let sp_id = sp[0]["id"].as_str().unwrap().to_string();
    let other_id = other["id"].as_str().unwrap().to_string();
    let keys = |app: &Value| -> Vec<String> {
        let mut k: Vec<String> = app["passwordCredentials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["keyId"].as_str().unwrap().to_string())
            .collect();
        k.sort();
        k
    };
    let other_keys = keys(&other);

    let admins = emu.id_of("groups", "SG-Admins-Privileged");
    let members = emu.members(&admins);
    let removed = members[0].clone();
    let breakglass = emu.id_of("groups", "SG-CA-Exclude-BreakGlass");
    let ca004_id = policy(&emu, CA004)["id"].as_str().unwrap().to_string();

    // The incident.
    emu.send(Method::DELETE, &format!("applications/{hr_id}"), None);
    emu.send(
        Method::DELETE,
        &format!("groups/{admins}/members/{removed}/$ref"),
        None,
    );
    let mut conditions = policy(&emu, CA004)["conditions"].clone();
    conditions["users"]["excludeGroups"] = json!([]);
    emu.send(
        Method::PATCH,
        &format!("beta/{POLICIES}/{ca004_id}"),
        Some(json!({"conditions": conditions})),
    );
    let secret = emu.send(
        Method::POST,
        &format!("applications/{other_id}/addPassword"),
        Some(json!({"passwordCredential": {"displayName": "sync"}})),
    );
    assert!(secret["secretText"].is_string());

    let result = restore(&emu, dir.path(), &snapshot, &[]);
    assert_clean(&result);

    // The app with its id and appId, and its service principal, back.
    let app = emu.get(&format!("applications/{hr_id}"));
    assert_eq!(app["appId"], app_id.as_str());
    let sps = emu.list(&format!("servicePrincipals?$filter=appId eq '{app_id}'"));
    assert_eq!(sps.len(), 1, "{sps:?}");
    assert_eq!(sps[0]["id"], sp_id.as_str());
    let order: Vec<&str> = steps(&result)
        .iter()
        .map(|s| s["objectId"].as_str().unwrap())
        .collect();
    let pos = |id: &str| order.iter().position(|o| *o == id).unwrap();
    assert!(
        pos(&hr_id) < pos(&sp_id),
        "the app before its service principal: {order:?}"
    );
    // The member, the exclusion, and only the snapshot's secrets.
    let mut now = emu.members(&admins);
    now.sort();
    let mut then = members.clone();
    then.sort();
    assert_eq!(now, then);
    assert_eq!(
        policy(&emu, CA004)["conditions"]["users"]["excludeGroups"],
        json!([breakglass])
    );
    let other_now = emu.get(&format!(
        "applications/{other_id}?$select=passwordCredentials"
    ));
    assert_eq!(keys(&other_now), other_keys);
    let revoke = steps(&result)
        .iter()
        .find(|s| s["kind"] == "revokeCredential")
        .expect("a revoke step");
    assert_eq!(revoke["objectId"], other_id.as_str());
}

/// A third emergency account, created after the snapshot and excluded from
/// every enabled policy: restoring the policies as they were would expose it.
#[test]
fn the_break_glass_guard_refuses_and_an_override_or_a_narrower_restore_proceeds() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let snapshot = export(&emu, dir.path());
    let bg3 = emu.send(
        Method::POST,
        "users",
        Some(json!({
            "accountEnabled": true,
            "displayName": "Break Glass Admin 3",
            "mailNickname": "breakglass.admin3",
            "userPrincipalName": "breakglass.admin3@contoso.onmicrosoft.com",
            "passwordProfile": {"password": "Correct-Horse-Battery-9", "forceChangePasswordNextSignIn": false}
        })),
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    let enabled: Vec<Value> = emu
        .list(&format!("beta/{POLICIES}"))
        .into_iter()
        .filter(|p| p["state"] == "enabled")
        .collect();
    for p in &enabled {
        let mut users = p["conditions"]["users"].clone();
        let mut excluded = users["excludeUsers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        excluded.push(json!(bg3));
        users["excludeUsers"] = json!(excluded);
        let mut conditions = p["conditions"].clone();
        conditions["users"] = users;
        emu.send(
            Method::PATCH,
            &format!("beta/{POLICIES}/{}", p["id"].as_str().unwrap()),
            Some(json!({"conditions": conditions})),
        );
    }
    let ca001 = policy(&emu, CA001)["id"].as_str().unwrap().to_string();
    emu.send(
        Method::PATCH,
        &format!("beta/{POLICIES}/{ca001}"),
        Some(json!({"state": "disabled"})),
    );

    let writes = emu.writes();
    let out = emu.entrasnap(
        dir.path(),
        &[
            "restore",
            "--snapshot",
            &snapshot,
            "--types",
            "conditionalAccessPolicy",
            "--yes",
        ],
    );
    assert_exit(&out, 1);
    let err = stderr(&out);
    let first_error = err
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_default();
    assert!(first_error.contains("restore refused"), "{err}");
    assert!(
        err.contains("Break Glass Admin 3") && err.contains(CA001),
        "{err}"
    );
    assert!(
        stdout(&out).contains("Break Glass Admin 3"),
        "{}",
        stdout(&out)
    );
    assert_eq!(emu.writes(), writes, "a refused plan writes nothing");

    // Only the state: the exclusions stay, the guard has nothing to say.
    let result = restore(
        &emu,
        dir.path(),
        &snapshot,
        &[
            "--types",
            "conditionalAccessPolicy",
            "--id",
            &ca001,
            "--attribute",
            "state",
        ],
    );
    assert_clean(&result);
    let now = policy(&emu, CA001);
    assert_eq!(now["state"], "enabled");
    assert!(
        now["conditions"]["users"]["excludeUsers"]
            .as_array()
            .unwrap()
            .contains(&json!(bg3))
    );

    // The override restores the policies as they were, exposing the account.
    let result = restore(
        &emu,
        dir.path(),
        &snapshot,
        &[
            "--types",
            "conditionalAccessPolicy",
            "--override-break-glass",
        ],
    );
    assert_clean(&result);
    assert_eq!(result["plan"]["guard"]["overridden"], true);
    for p in emu.list(&format!("beta/{POLICIES}")) {
        let excluded = p["conditions"]["users"]["excludeUsers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!excluded.contains(&json!(bg3)), "{}", p["displayName"]);
    }
}

#[test]
fn what_if_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("tenant.json");
    let store = dir.path().join("store");
    let (snapshot, port) = {
        let emu = Emulator::with(entrasnap_sim::Config {
            state: Some(state.clone()),
            ..Default::default()
        });
        let snapshot = export(&emu, &store);
        let ca001 = policy(&emu, CA001)["id"].as_str().unwrap().to_string();
        emu.send(
            Method::PATCH,
            &format!("beta/{POLICIES}/{ca001}"),
            Some(json!({"state": "disabled"})),
        );
        emu.send(Method::POST, "_sim/save", None);
        let port = emu
            .running
            .url()
            .rsplit(':')
            .next()
            .unwrap()
            .parse::<u16>()
            .unwrap();
        emu.rt.block_on(emu.running.stop()).unwrap();
        (snapshot, port)
    };
    // The same tenant, served again on the same address, has written nothing yet.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let running = rt
        .block_on(entrasnap_sim::start(
            entrasnap_sim::Config {
                state: Some(state),
                ..Default::default()
            },
            port,
        ))
        .unwrap();
    let emu = Emulator {
        url: running.url(),
        running,
        rt,
    };
    assert_eq!(emu.writes(), 0);
    let out = emu.entrasnap(&store, &["restore", "--snapshot", &snapshot, "--what-if"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains(CA001) && text.contains("state: disabled -> enabled"),
        "{text}"
    );
    assert!(text.contains("nothing was written"), "{text}");
    assert_eq!(emu.writes(), 0, "what-if wrote to the tenant");
    assert_eq!(policy(&emu, CA001)["state"], "disabled");
}

#[test]
fn a_restore_killed_halfway_and_run_again_finishes_without_duplicates() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let snapshot = export(&emu, dir.path());
    let locations = format!("beta/{LOCATIONS}");
    let names = [
        "Allowed Countries",
        "Corporate HQ",
        "VPN Egress",
        "Branch Offices",
    ];
    let count = emu.list(&locations).len();
    let ca004_id = policy(&emu, CA004)["id"].as_str().unwrap().to_string();
    // Two policies disabled, then the locations hard-deleted while CA004 still
    // points at one of them.
    for name in [CA001, CA004] {
        let id = policy(&emu, name)["id"].as_str().unwrap().to_string();
        emu.send(
            Method::PATCH,
            &format!("beta/{POLICIES}/{id}"),
            Some(json!({"state": "disabled"})),
        );
    }
    for name in names {
        let id = emu.id_of(&locations, name);
        emu.send(Method::DELETE, &format!("{locations}/{id}"), None);
        emu.send(
            Method::DELETE,
            &format!("beta/identity/conditionalAccess/deletedItems/namedLocations/{id}"),
            None,
        );
    }

    // The emulator parks the third write; the restore is killed there, after
    // exactly two writes (an event seen in /_sim/stats, not a time).
    emu.faults(json!([{"kind": "hold", "writes": true, "after": 2}]));
    let mut child = emu
        .command(
            dir.path(),
            &[
                "restore",
                "--snapshot",
                &snapshot,
                "--types",
                "namedLocation,conditionalAccessPolicy",
                "--yes",
            ],
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        emu.wait_held(&mut child),
        "the restore ended before its third write"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    emu.release();
    let halfway = emu.list(&locations).len();
    assert!(
        halfway < count,
        "killed before it finished ({halfway} of {count})"
    );

    let result = restore(
        &emu,
        dir.path(),
        &snapshot,
        &["--types", "namedLocation,conditionalAccessPolicy"],
    );
    assert_clean(&result);
    let now = emu.list(&locations);
    assert_eq!(now.len(), count, "no duplicates, nothing missing");
    for name in names {
        assert_eq!(
            now.iter().filter(|l| l["displayName"] == name).count(),
            1,
            "{name}"
        );
    }
    let allowed = emu.id_of(&locations, "Allowed Countries");
    let ca004 = emu.get(&format!("beta/{POLICIES}/{ca004_id}"));
    assert_eq!(
        ca004["conditions"]["locations"]["excludeLocations"],
        json!([allowed])
    );
    assert_eq!(ca004["state"], "enabled");
    assert_eq!(policy(&emu, CA001)["state"], "enabled");

    // And once more: nothing left to do.
    let again = restore(
        &emu,
        dir.path(),
        &snapshot,
        &["--types", "namedLocation,conditionalAccessPolicy"],
    );
    assert_eq!(steps(&again).len(), 0, "{again:#}");
}

#[test]
fn undo_returns_the_tenant_to_its_pre_restore_state() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let snapshot = export(&emu, dir.path());
    let ca001 = policy(&emu, CA001)["id"].as_str().unwrap().to_string();
    let megan = emu.id_of("users", "Megan Bowen");
    emu.send(
        Method::PATCH,
        &format!("beta/{POLICIES}/{ca001}"),
        Some(json!({"state": "disabled"})),
    );
    emu.send(
        Method::PATCH,
        &format!("users/{megan}"),
        Some(json!({"department": "Security"})),
    );

    let result = restore(
        &emu,
        dir.path(),
        &snapshot,
        &["--types", "conditionalAccessPolicy,user"],
    );
    assert_clean(&result);
    assert_eq!(policy(&emu, CA001)["state"], "enabled");
    assert_eq!(
        emu.get(&format!("users/{megan}?$select=department"))["department"],
        "IT"
    );
    let restore_id = result["outcome"]["restoreId"].as_str().unwrap().to_string();
    let pre = result["preRestore"].as_str().unwrap().to_string();

    let out = emu.entrasnap(
        dir.path(),
        &["restore", "--undo", &restore_id, "--yes", "--json"],
    );
    assert_exit(&out, 0);
    assert_clean(&json_out(&out));
    assert_eq!(policy(&emu, CA001)["state"], "disabled");
    assert_eq!(
        emu.get(&format!("users/{megan}?$select=department"))["department"],
        "Security"
    );
    let out = emu.entrasnap(
        dir.path(),
        &[
            "compare",
            "--from",
            &pre,
            "--to",
            "live",
            "--exit-code",
            "--json",
        ],
    );
    assert_exit(&out, 0);
    assert_eq!(json_out(&out)["changes"], json!([]));
}

/// An unsigned JWT whose `roles` claim holds `roles` (the emulator accepts any token).
fn token_with_roles(roles: &[&str]) -> String {
    entrasnap_sim::audit::unsigned_jwt(
        &json!({"aud": "https://graph.microsoft.com", "roles": roles}),
    )
}

#[test]
fn a_token_without_the_write_permission_is_refused_before_any_write() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let snapshot = export(&emu, dir.path());
    let ca001 = policy(&emu, CA001)["id"].as_str().unwrap().to_string();
    emu.send(
        Method::PATCH,
        &format!("beta/{POLICIES}/{ca001}"),
        Some(json!({"state": "disabled"})),
    );

    let writes = emu.writes();
    let read_only = token_with_roles(&[
        "Policy.Read.All",
        "Directory.Read.All",
        "Application.Read.All",
    ]);
    let restore_as = |token: &str, extra: &[&str]| {
        let mut args = vec![
            "restore",
            "--snapshot",
            &snapshot,
            "--types",
            "conditionalAccessPolicy",
            "--yes",
        ];
        args.extend_from_slice(extra);
        emu.command(dir.path(), &args)
            .env("ENTRASNAP_TOKEN", token)
            .output()
            .unwrap()
    };
    let out = restore_as(&read_only, &[]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("Policy.ReadWrite.ConditionalAccess"), "{err}");
    assert!(
        !err.contains(&read_only) && !stdout(&out).contains(&read_only),
        "the token leaked"
    );
    assert_eq!(
        emu.writes(),
        writes,
        "nothing written without the permission"
    );
    assert_eq!(policy(&emu, CA001)["state"], "disabled");

    // With the permission it goes through, staged as report-only when asked.
    let writer = token_with_roles(&[
        "Policy.Read.All",
        "Policy.ReadWrite.ConditionalAccess",
        "Directory.Read.All",
        "Application.Read.All",
    ]);
    let out = restore_as(&writer, &["--report-only", "--json"]);
    assert_exit(&out, 0);
    assert_eq!(
        policy(&emu, CA001)["state"],
        "enabledForReportingButNotEnforced"
    );
}

/// The incident the kill and fault trials restore from: every user's
/// department overwritten (batched writes), and a group with members deleted
/// for good (re-created by a POST that must never happen twice).
struct Incident {
    departments: std::collections::BTreeMap<String, Value>,
    group: String,
    members: usize,
}

impl Incident {
    fn record(emu: &Emulator) -> Incident {
        let departments = emu
            .list("users?$select=id,department&$top=999")
            .into_iter()
            .map(|u| {
                (
                    u["id"].as_str().unwrap().to_string(),
                    u["department"].clone(),
                )
            })
            .collect();
        // The first security group with members, by name (its id changes when re-created).
        let group = emu
            .list("groups?$select=id,displayName,securityEnabled")
            .into_iter()
            .filter(|g| g["securityEnabled"] == true)
            .find(|g| !emu.members(g["id"].as_str().unwrap()).is_empty())
            .expect("a group with members");
        let name = group["displayName"].as_str().unwrap().to_string();
        let members = emu.members(group["id"].as_str().unwrap()).len();
        Incident {
            departments,
            group: name,
            members,
        }
    }

    fn strike(&self, emu: &Emulator) {
        emu.batch(
            self.departments
                .keys()
                .map(|id| json!({"method": "PATCH", "url": format!("/users/{id}"), "body": {"department": "HR-Import-Unmapped"}}))
                .collect(),
        );
        let id = emu.id_of("groups", &self.group);
        emu.send(Method::DELETE, &format!("groups/{id}"), None);
        emu.send(
            Method::DELETE,
            &format!("directory/deletedItems/{id}"),
            None,
        );
    }

    /// The tenant is back: every department, the group once, with its members.
    fn assert_restored(&self, emu: &Emulator, context: &str) {
        let now: std::collections::BTreeMap<String, Value> = emu
            .list("users?$select=id,department&$top=999")
            .into_iter()
            .map(|u| {
                (
                    u["id"].as_str().unwrap().to_string(),
                    u["department"].clone(),
                )
            })
            .collect();
        assert!(now == self.departments, "{context}: departments differ");
        let groups: Vec<Value> = emu
            .list("groups?$select=id,displayName")
            .into_iter()
            .filter(|g| g["displayName"] == self.group.as_str())
            .collect();
        assert_eq!(groups.len(), 1, "{context}: the group exists exactly once");
        assert_eq!(
            emu.members(groups[0]["id"].as_str().unwrap()).len(),
            self.members,
            "{context}: its members are back"
        );
    }
}

fn verify_ok(emu: &Emulator, store: &Path, context: &str) {
    let out = emu.entrasnap(store, &["verify"]);
    assert_exit(&out, 0);
    let listed = LocalStore::open(store).unwrap().list().unwrap();
    assert!(
        listed.iter().all(|s| s.intact),
        "{context}: a listed snapshot is damaged"
    );
}

/// SIGKILL at chosen writes of a restore, many trials: the emulator parks
/// write N+1 and the restore is killed there (every third trial is let go
/// first, so the kill lands between answers and journal lines). Each time
/// `verify` passes, nothing partial is listed, and the re-run restore ends
/// with the tenant whole and no object created twice.
/// `ENTRASNAP_TRIALS` sets the number of trials (CI: 6).
#[test]
fn restores_killed_at_chosen_writes_finish_without_duplicates_when_run_again() {
    let emu = Emulator::with(entrasnap_sim::Config {
        users: Some(60),
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let snapshot = export(&emu, dir.path());
    let incident = Incident::record(&emu);
    let trials = crate::emulator::trials(6);
    let mut seed = 0xC0FF_EE00_u64;
    let mut parked = 0;
    for round in 0..trials {
        incident.strike(&emu);
        let after = crate::emulator::next_random(&mut seed) % 6;
        emu.faults(json!([{"kind": "hold", "writes": true, "after": after}]));
        let mut child = emu
            .command(
                dir.path(),
                &[
                    "restore",
                    "--snapshot",
                    &snapshot,
                    "--types",
                    "user,group",
                    "--yes",
                ],
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let held = emu.wait_held(&mut child);
        if held && round % 3 == 2 {
            emu.release();
        }
        parked += usize::from(held);
        child.kill().unwrap();
        child.wait().unwrap();
        emu.release();
        let context = format!("round {round} (killed after write {after}, parked: {held})");
        verify_ok(&emu, dir.path(), &context);

        let result = restore(&emu, dir.path(), &snapshot, &["--types", "user,group"]);
        // A run let go before the kill may have finished everything (seen
        // once in 60 trials): then the re-run plans nothing, which is right.
        if result["outcome"].is_null() {
            assert!(steps(&result).is_empty(), "{context}: {result:#}");
        } else {
            assert_clean(&result);
        }
        incident.assert_restored(&emu, &context);
        verify_ok(&emu, dir.path(), &context);
    }
    eprintln!("restore kill trials: {trials} ({parked} killed at a parked write)");
    assert!(parked > 0, "no trial was killed mid-restore");
    let again = restore(&emu, dir.path(), &snapshot, &["--types", "user,group"]);
    assert_eq!(steps(&again).len(), 0, "{again:#}");
}

/// Faults mid-restore: a write whose answer breaks off after it was applied,
/// 5xx bursts and a 429 storm on the batches, then a token that expires and
/// cannot be renewed. The restore ends with a clear error or failed steps;
/// run again (a new token), it reaches the same end state as a clean one.
#[test]
fn a_restore_through_faults_resumes_to_the_same_end_state() {
    let emu = Emulator::with(entrasnap_sim::Config {
        users: Some(60),
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let snapshot = export(&emu, dir.path());
    let incident = Incident::record(&emu);
    let cases = [
        (
            "the re-created group's answer breaks off",
            json!([{"kind": "breakBody", "method": "POST", "path": "/groups", "count": 1}]),
        ),
        (
            "5xx bursts and a 429 storm on the batches",
            json!([
                {"kind": "status", "status": 503, "writes": true, "path": "/$batch", "count": 2},
                {"kind": "throttle", "retryAfter": 0.01, "writes": true, "path": "/$batch", "after": 3, "count": 4}
            ]),
        ),
        (
            "the token expires after the first write",
            json!([{"kind": "expireTokens", "writes": true, "after": 1, "count": 1}]),
        ),
    ];
    for (case, rules) in cases {
        incident.strike(&emu);
        emu.faults(rules);
        let out = emu
            .command(
                dir.path(),
                &[
                    "restore",
                    "--snapshot",
                    &snapshot,
                    "--types",
                    "user,group",
                    "--yes",
                    "--json",
                ],
            )
            .env("ENTRASNAP_RETRY_BASE_MS", "5")
            .output()
            .unwrap();
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{case}: {err}");
        assert!(
            matches!(out.status.code(), Some(0 | 1 | 4)),
            "{case}: exit {:?}\n{err}",
            out.status.code()
        );
        if out.status.code() == Some(1) {
            assert!(err.starts_with("error: "), "{case}: {err}");
        }
        emu.send(Method::DELETE, "_sim/faults", None);
        verify_ok(&emu, dir.path(), case);
        // Run again, with a token the emulator has not seen.
        let out = emu
            .command(
                dir.path(),
                &[
                    "restore",
                    "--snapshot",
                    &snapshot,
                    "--types",
                    "user,group",
                    "--yes",
                    "--json",
                ],
            )
            .env("ENTRASNAP_TOKEN", format!("renewed-token-{}", case.len()))
            .output()
            .unwrap();
        assert_exit(&out, 0);
        let result = json_out(&out);
        // The faulted run may have finished everything; then there is nothing to do.
        if !result["outcome"].is_null() {
            assert_clean(&result);
        }
        incident.assert_restored(&emu, case);
    }
}
