//! `entrasnap compare` against the emulator: an incident made through Graph's
//! own verbs, then `--from latest --to live`, reported by name and severity.

use serde_json::{Value, json};

use crate::emulator::Emulator;
use crate::util::{assert_exit, stdout};

pub const POLICIES: &str = "identity/conditionalAccess/policies";
const CA001: &str = "CA001 - Require MFA for all users";
const CA002: &str = "CA002 - Block legacy authentication";

pub fn changes(report: &Value) -> &Vec<Value> {
    report["changes"].as_array().unwrap()
}

fn rank(severity: &Value) -> usize {
    ["info", "low", "medium", "high", "critical"]
        .iter()
        .position(|s| severity == s)
        .unwrap_or_else(|| panic!("a severity: {severity}"))
}

#[test]
fn an_incident_made_through_graph_is_reported_by_name_and_severity() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let out = emu.entrasnap(store, &["export"]);
    assert_exit(&out, 0);
    let baseline = stdout(&out).trim().to_string();

    // An unchanged tenant: a fresh live export differs in nothing.
    let out = emu.entrasnap(
        store,
        &[
            "compare",
            "--from",
            "latest",
            "--to",
            "live",
            "--exit-code",
            "--json",
        ],
    );
    assert_exit(&out, 0);
    assert_eq!(
        changes(&crate::util::json(&out)).len(),
        0,
        "{}",
        stdout(&out)
    );

    let ca001 = emu.find(POLICIES, CA001);
    let ca002 = emu.find(POLICIES, CA002);
    let breakglass = emu.find("groups", "SG-CA-Exclude-BreakGlass");
    let temporary = emu.find("groups", "SG-CA-Exclude-MFA-Temporary");
    let megan = emu.find("users", "Megan Bowen");
    let ids: Vec<String> = [&ca001, &ca002, &breakglass, &temporary, &megan]
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();

    // Incident, part 1: the break-glass group leaves CA002's exclusions (the
    // whole `conditions` is PATCHed, as the portal does) and a user joins the
    // group CA001 exempts.
    let mut conditions = ca002["conditions"].clone();
    let excluded = conditions["users"]["excludeGroups"].as_array_mut().unwrap();
    excluded.retain(|g| *g != breakglass["id"]);
    emu.send(
        reqwest::Method::PATCH,
        &format!("{POLICIES}/{}", ids[1]),
        Some(json!({ "conditions": conditions })),
    );
    emu.send(
        reqwest::Method::POST,
        &format!("groups/{}/members/$ref", ids[3]),
        Some(json!({
            "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{}", ids[4])
        })),
    );
    let report = emu.compare_live(store, "latest");
    let found = changes(&report);
    assert_eq!(found.len(), 2, "exactly two changes: {report:#}");
    let exclusion = found
        .iter()
        .find(|c| c["objectId"] == ids[1].as_str())
        .expect("CA002 changed");
    assert_eq!(exclusion["objectName"], CA002);
    assert!(rank(&exclusion["severity"]) >= 3, "{exclusion:#}");
    let reason = exclusion["reason"].as_str().unwrap();
    assert!(reason.contains("'SG-CA-Exclude-BreakGlass'"), "{reason}");
    let attrs = exclusion["attributes"].as_array().unwrap();
    assert_eq!(attrs.len(), 1, "{exclusion:#}");
    assert_eq!(attrs[0]["path"], "conditions.users.excludeGroups");
    assert_eq!(attrs[0]["removed"], json!([ids[2]]));
    assert_eq!(attrs[0]["names"][&ids[2]], "SG-CA-Exclude-BreakGlass");

    let membership = found
        .iter()
        .find(|c| c["objectId"] == ids[3].as_str())
        .expect("the exclusion group changed");
    assert_eq!(membership["objectName"], "SG-CA-Exclude-MFA-Temporary");
    assert_eq!(membership["severity"], "high", "{membership:#}");
    let reason = membership["reason"].as_str().unwrap();
    assert!(
        reason.contains("'Megan Bowen'") && reason.contains(&format!("'{CA001}'")),
        "{reason}"
    );
    assert_eq!(
        membership["links"],
        json!([{"link": "members", "added": [{"id": ids[4], "name": "Megan Bowen"}], "removed": []}])
    );
    assert_eq!(membership["attributes"], json!([]));

    // Part 2: the MFA-for-all policy is saved as disabled; compared with the
    // live snapshot of part 1 (`latest` is still the nightly export).
    let part_one = report["to"].as_str().unwrap().to_string();
    emu.send(
        reqwest::Method::PATCH,
        &format!("{POLICIES}/{}", ids[0]),
        Some(json!({"state": "disabled"})),
    );
    let report = emu.compare_live(store, &part_one);
    let found = changes(&report);
    assert_eq!(found.len(), 1, "exactly one change: {report:#}");
    assert_eq!(found[0]["objectId"], ids[0].as_str());
    assert_eq!(found[0]["objectName"], CA001);
    assert_eq!(found[0]["severity"], "critical");
    assert_eq!(
        found[0]["attributes"],
        json!([{"path": "state", "old": "enabled", "new": "disabled"}])
    );
    let incident = report["to"].as_str().unwrap().to_string();

    // The whole incident as a person reads it: critical first, names, no GUIDs.
    // The member added to CA001's exclusion group stays high although CA001 is
    // now disabled: a policy enabled in either snapshot counts, since turning
    // it back on is exactly what the admin will do.
    let out = emu.entrasnap(store, &["compare", "--from", &baseline, "--to", &incident]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!(
            "From snapshot {baseline}\nTo   snapshot {incident}\n3 changes: 1 critical, 2 high\n"
        )),
        "{text}"
    );
    let first = text.lines().nth(4).unwrap();
    assert!(
        first.starts_with(&format!(
            "CRITICAL  Conditional Access policy '{CA001}' was disabled"
        )),
        "{text}"
    );
    for line in [
        "          state: enabled -> disabled",
        "          conditions.users.excludeGroups: - SG-CA-Exclude-BreakGlass",
        "          members: + Megan Bowen",
    ] {
        assert!(text.contains(&format!("{line}\n")), "{line:?} in:\n{text}");
    }
    for id in &ids {
        assert!(!text.contains(id.as_str()), "no GUID {id} in:\n{text}");
    }

    // Pipelines: exit 3 with changes at or above the bar, 0 without.
    let args = [
        "compare",
        "--from",
        &baseline,
        "--to",
        &incident,
        "--exit-code",
    ];
    let out = emu.entrasnap(store, &[&args[..], &["--severity-min", "high"]].concat());
    assert_exit(&out, 3);
    let out = emu.entrasnap(
        store,
        &[&args[..], &["--severity-min", "critical", "--json"]].concat(),
    );
    assert_exit(&out, 3);
    assert_eq!(changes(&crate::util::json(&out)).len(), 1);

    // Markdown into a file: nothing on stdout, the file complete.
    let file = dir.path().join("report.md");
    let out = emu.entrasnap(
        store,
        &[
            &["compare"][..],
            &[
                "--from",
                &baseline,
                "--to",
                &incident,
                "--format",
                "markdown",
                "--output",
                file.to_str().unwrap(),
            ],
        ]
        .concat(),
    );
    assert_exit(&out, 0);
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    let md = std::fs::read_to_string(&file).unwrap();
    assert!(
        md.contains("| critical | 1 |\n| high | 2 |\n| medium | 0 |\n| low | 0 |"),
        "{md}"
    );
    assert!(
        md.contains(&format!("## CRITICAL: Conditional Access policy '{CA001}'")),
        "{md}"
    );

    // Against live in text: the header names the snapshot the live side became.
    // (From the incident's live snapshot: `latest` is still the nightly export.)
    let out = emu.entrasnap(store, &["compare", "--from", &incident, "--to", "live"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("\nTo   the live tenant (exported as snapshot ")
            && text.contains("\n0 changes\n"),
        "{text}"
    );

    // And the tenant as it now is: nothing new since the incident snapshot.
    let out = emu.entrasnap(
        store,
        &[
            "compare",
            "--from",
            &incident,
            "--to",
            "live",
            "--exit-code",
            "--severity-min",
            "info",
            "--json",
        ],
    );
    assert_exit(&out, 0);
    assert_eq!(changes(&crate::util::json(&out)).len(), 0);
}

#[test]
fn bad_input_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_str().unwrap();
    for (args, says) in [
        (vec!["--format", "pdf"], "invalid value 'pdf'"),
        (
            vec!["--severity-min", "severe"],
            "unknown severity 'severe'",
        ),
        (vec!["--types", "unicorn"], "unknown object type 'unicorn'"),
    ] {
        let mut all = vec![
            "compare", "--store", store, "--from", "latest", "--to", "live",
        ];
        all.extend(args);
        let out = crate::util::run(&all);
        assert_exit(&out, 2);
        assert!(
            crate::util::stderr(&out).contains(says),
            "{}",
            crate::util::stderr(&out)
        );
    }
}
