//! The incidents issue 4 names, each made through Graph's own verbs on the
//! emulator between two exports, then reported by `entrasnap compare`: the
//! report must hold exactly the expected changes, by name, with the expected
//! severity, and nothing else.

use std::collections::BTreeMap;
use std::path::Path;

use entrasnap_sim::{Config, Seed};
use reqwest::Method;
use serde_json::{Value, json};

use crate::compare::{POLICIES, changes};
use crate::emulator::Emulator;
use crate::util::{assert_exit, stdout};

const LOCATIONS: &str = "identity/conditionalAccess/namedLocations";
const SMS: &str = "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms";
pub const EXCLUSION_GROUP: &str = "SG-CA-Exclude-MFA-Temporary";
pub const ADMIN: &str = "Megan Bowen";
pub const APP: &str = "Contoso HR Portal";

/// Exports into `store` and returns the new snapshot's id.
pub fn export(emu: &Emulator, store: &Path) -> String {
    let out = emu.entrasnap(store, &["export"]);
    assert_exit(&out, 0);
    stdout(&out).trim().to_string()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn an_hr_sync_rewriting_5000_departments_is_5000_low_changes_and_nothing_else() {
    let emu = Emulator::with(Config {
        seed: Seed::Small,
        users: Some(6_000),
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let baseline = export(&emu, store);

    // The HR system renames every department it owns: 5,000 employees.
    let users = emu.list("users?$select=id,displayName,department&$top=999");
    let employees: Vec<&Value> = users
        .iter()
        .filter(|u| u["department"].is_string())
        .collect();
    assert!(employees.len() >= 5_000, "{} employees", employees.len());
    let mut expected: BTreeMap<String, (String, String, String)> = BTreeMap::new();
    let mut writes = Vec::new();
    for u in employees.into_iter().take(5_000) {
        let old = u["department"].as_str().unwrap().to_string();
        let new = format!("{old} (Northwind)");
        writes.push(json!({"method": "PATCH", "url": format!("/users/{}", id(u)), "body": {"department": new}}));
        let name = u["displayName"].as_str().unwrap().to_string();
        expected.insert(id(u), (name, old, new));
    }
    emu.batch(writes);

    let report = emu.compare_live(store, &baseline);
    let found = changes(&report);
    assert_eq!(found.len(), 5_000, "exactly 5,000 changes");
    for c in found {
        let oid = c["objectId"].as_str().unwrap();
        let (name, old, new) = expected
            .get(oid)
            .unwrap_or_else(|| panic!("an unexpected change: {c:#}"));
        assert_eq!(c["objectType"], "user");
        assert_eq!(c["objectName"], name.as_str());
        assert_eq!(c["kind"], json!({"type": "modified"}));
        assert_eq!(c["severity"], "low", "{c:#}");
        assert_eq!(c["reason"], format!("user '{name}' changed: department"));
        assert_eq!(
            c["attributes"],
            json!([{"path": "department", "old": old, "new": new}])
        );
        assert_eq!(c["links"], json!([]));
    }
    let incident = report["to"].as_str().unwrap().to_string();

    // As text: one `department: old -> new` line per user.
    let out = emu.entrasnap(store, &["compare", "--from", &baseline, "--to", &incident]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("\n5000 changes: 5000 low\n"),
        "{}",
        &text[..300]
    );
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("          department: "))
        .collect();
    assert_eq!(lines.len(), 5_000);
    for (_, old, new) in expected.values().take(50) {
        let line = format!("          department: {old} -> {new}");
        assert!(lines.contains(&line.as_str()), "{line}");
    }

    // As HTML: one folded table for the bulk, of a size that opens quickly.
    let file = dir.path().join("hr.html");
    let out = emu.entrasnap(
        store,
        &[
            "compare",
            "--from",
            &baseline,
            "--to",
            &incident,
            "--format",
            "html",
            "--output",
            file.to_str().unwrap(),
        ],
    );
    assert_exit(&out, 0);
    let page = std::fs::read_to_string(&file).unwrap();
    println!("HTML report of 5,000 changes: {} bytes", page.len());
    assert!(page.len() < 1_500_000, "{} bytes", page.len());
    assert_eq!(page.matches(r#"<details class="bulk sev-low""#).count(), 1);
    assert!(
        page.contains("5,000 user changes <span class=\"paths\">(department \u{d7}5,000)</span>")
    );
    assert_eq!(page.matches("<article").count(), 0);
    assert_eq!(page.matches("<td class=\"n\">").count(), 5_000);
}

/// The compromised-admin incident, shared with the HTML check: SMS sign-in
/// enabled, the admin added to an exclusion group, a secret added to an app.
/// Returns the baseline snapshot, the incident snapshot and the JSON report.
pub fn compromised_admin(emu: &Emulator, store: &Path) -> (String, String, Value) {
    let baseline = export(emu, store);
    emu.send(
        Method::PATCH,
        SMS,
        Some(json!({"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", "state": "enabled"})),
    );
    let group = emu.find("groups", EXCLUSION_GROUP);
    let admin = emu.find("users", ADMIN);
    emu.send(
        Method::POST,
        &format!("groups/{}/members/$ref", id(&group)),
        Some(json!({
            "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{}", id(&admin))
        })),
    );
    let app = emu.find("applications", APP);
    emu.send(
        Method::POST,
        &format!("applications/{}/addPassword", id(&app)),
        Some(json!({"passwordCredential": {"displayName": "backup"}})),
    );
    let report = emu.compare_live(store, &baseline);
    let incident = report["to"].as_str().unwrap().to_string();
    (baseline, incident, report)
}

#[test]
fn a_compromised_admin_is_three_high_changes_naming_the_policies_escaped() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let (_, _, report) = compromised_admin(&emu, dir.path());
    let found = changes(&report);
    assert_eq!(found.len(), 3, "exactly three changes: {report:#}");

    // Which policies the group exempts from, as the tenant says.
    let group = emu.find("groups", EXCLUSION_GROUP);
    let mut escaped: Vec<String> = emu
        .list(POLICIES)
        .iter()
        .filter(|p| p["state"] == "enabled")
        .filter(|p| strs(&p["conditions"]["users"]["excludeGroups"]).contains(&id(&group)))
        .map(|p| p["displayName"].as_str().unwrap().to_string())
        .collect();
    escaped.sort();
    assert!(!escaped.is_empty());
    let list: Vec<String> = escaped.iter().map(|p| format!("'{p}'")).collect();

    let by_type = |ty: &str| {
        let of: Vec<&Value> = found.iter().filter(|c| c["objectType"] == ty).collect();
        assert_eq!(of.len(), 1, "one {ty} change: {report:#}");
        of[0]
    };
    let sms = by_type("authenticationMethodConfiguration");
    assert_eq!(sms["objectId"], "Sms");
    assert_eq!(sms["severity"], "high");
    assert_eq!(sms["reason"], "SMS sign-in was enabled for all users");
    assert_eq!(
        sms["attributes"],
        json!([{"path": "state", "old": "disabled", "new": "enabled"}])
    );

    let membership = by_type("group");
    assert_eq!(membership["objectName"], EXCLUSION_GROUP);
    assert_eq!(membership["severity"], "high");
    assert_eq!(
        membership["reason"],
        format!(
            "'{ADMIN}' added to group '{EXCLUSION_GROUP}', which exempts members from enabled Conditional Access policies {}",
            list.join(", ")
        )
    );
    assert_eq!(membership["links"][0]["added"][0]["name"], ADMIN);
    assert_eq!(membership["attributes"], json!([]));

    let app = by_type("application");
    assert_eq!(app["objectName"], APP);
    assert_eq!(app["severity"], "high");
    assert_eq!(
        app["reason"],
        format!("App '{APP}': a client secret was added")
    );
    let attrs = app["attributes"].as_array().unwrap();
    assert_eq!(attrs.len(), 1, "{app:#}");
    assert_eq!(attrs[0]["path"], "passwordCredentials");
    assert_eq!(attrs[0]["added"].as_array().unwrap().len(), 1);
    assert_eq!(attrs[0]["added"][0]["displayName"], "backup");
    assert!(attrs[0].get("removed").is_none());
}

#[test]
fn a_named_location_deleted_after_its_policies_let_go_is_reported_and_restorable() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let baseline = export(&emu, store);

    // Graph refuses to delete a location a policy still references, so the
    // references go first (the whole `conditions` is PATCHed, as the portal does).
    let location = emu.find(LOCATIONS, "Allowed Countries");
    let loc = id(&location);
    let mut users: BTreeMap<String, String> = BTreeMap::new();
    for p in emu.list(POLICIES) {
        let mut conditions = p["conditions"].clone();
        let mut touched = false;
        for key in ["includeLocations", "excludeLocations"] {
            if let Some(list) = conditions["locations"][key].as_array_mut() {
                let before = list.len();
                list.retain(|l| *l != loc.as_str());
                touched |= list.len() != before;
            }
        }
        if touched {
            emu.send(
                Method::PATCH,
                &format!("{POLICIES}/{}", id(&p)),
                Some(json!({ "conditions": conditions })),
            );
            users.insert(id(&p), p["displayName"].as_str().unwrap().to_string());
        }
    }
    assert!(!users.is_empty(), "a policy references the location");
    emu.send(Method::DELETE, &format!("{LOCATIONS}/{loc}"), None);

    let report = emu.compare_live(store, &baseline);
    let found = changes(&report);
    assert_eq!(found.len(), users.len() + 1, "{report:#}");
    let removed: Vec<&Value> = found
        .iter()
        .filter(|c| c["objectType"] == "namedLocation")
        .collect();
    assert_eq!(removed.len(), 1, "{report:#}");
    let removed = removed[0];
    assert_eq!(removed["objectId"], loc.as_str());
    assert_eq!(removed["objectName"], "Allowed Countries");
    assert_eq!(removed["kind"], json!({"type": "removed"}));
    assert_eq!(
        removed["restorable"], true,
        "in the recycle bin: {removed:#}"
    );
    assert_eq!(removed["severity"], "medium");
    let names: Vec<String> = users.values().map(|n| format!("'{n}'")).collect();
    assert_eq!(
        removed["reason"],
        format!(
            "Named location 'Allowed Countries' was deleted after being removed from Conditional Access policies {}",
            names.join(", ")
        )
    );
    for (pid, name) in &users {
        let c = found
            .iter()
            .find(|c| c["objectId"] == pid.as_str())
            .unwrap_or_else(|| panic!("{name} changed: {report:#}"));
        assert_eq!(c["objectName"], name.as_str());
        assert_eq!(
            c["attributes"],
            json!([{"path": "conditions.locations.excludeLocations", "removed": [loc], "names": {&loc: "Allowed Countries"}}]),
            "{c:#}"
        );
        // CA004 blocks outside the allowed countries: without the exclusion it blocks everywhere.
        assert_eq!(c["severity"], "high", "{c:#}");
        assert_eq!(
            c["reason"],
            format!(
                "Conditional Access policy '{name}' no longer excludes location(s) 'Allowed Countries': sign-ins from there are now blocked too"
            )
        );
    }
    let incident = report["to"].as_str().unwrap();
    let out = emu.entrasnap(store, &["compare", "--from", &baseline, "--to", incident]);
    assert_exit(&out, 0);
    // Snapshot against snapshot: whether it is restorable is not known.
    assert!(
        stdout(&out).contains("\n          (removed)\n"),
        "{}",
        stdout(&out)
    );

    // Against live, the text says where it is; once purged, that it is gone.
    let out = emu.entrasnap(store, &["compare", "--from", &baseline, "--to", "live"]);
    assert_exit(&out, 0);
    assert!(
        stdout(&out)
            .contains("\n          (removed; soft-deleted, restorable from the recycle bin)\n"),
        "{}",
        stdout(&out)
    );
    emu.send(
        Method::DELETE,
        &format!("beta/identity/conditionalAccess/deletedItems/namedLocations/{loc}"),
        None,
    );
    let report = emu.compare_live(store, &baseline);
    let removed = changes(&report)
        .iter()
        .find(|c| c["objectId"] == loc.as_str())
        .unwrap();
    assert_eq!(removed["restorable"], false, "{removed:#}");
}
