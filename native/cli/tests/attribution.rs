//! Who changed what: `compare` joins every change with the directory audit
//! events that explain it, names what the log cannot explain and why, and
//! filters and summarizes by actor.

use reqwest::Method;
use serde_json::{Value, json};

use crate::compare_scenarios::{ADMIN, APP, EXCLUSION_GROUP, export};
use crate::emulator::{Emulator, POLICIES, app_token, user_token};
use crate::util::{assert_exit, json as parse, stdout};

const SMS: &str = "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms";
pub const MALLORY: &str = "mallory@contoso.onmicrosoft.com";
pub const LEE: &str = "lee.admin@contoso.onmicrosoft.com";

pub fn mallory() -> String {
    user_token(MALLORY, "Mallory", "a0a0a0a0-1111-4222-8333-444444444444")
}

pub fn lee() -> String {
    user_token(LEE, "Lee Admin", "b0b0b0b0-1111-4222-8333-444444444444")
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// The compromised admin's four changes, made with Mallory's token.
pub fn attack(emu: &Emulator) {
    let t = mallory();
    let mfa = emu
        .list(&format!(
            "{POLICIES}?$filter=startswith(displayName,'CA001')"
        ))
        .remove(0);
    emu.send_as(
        &t,
        Method::PATCH,
        &format!("{POLICIES}/{}", id(&mfa)),
        Some(json!({"state": "disabled"})),
    );
    emu.send_as(
        &t,
        Method::PATCH,
        SMS,
        Some(json!({"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", "state": "enabled"})),
    );
    let group = emu.find("groups", EXCLUSION_GROUP);
    let admin = emu.find("users", ADMIN);
    emu.send_as(
        &t,
        Method::POST,
        &format!("groups/{}/members/$ref", id(&group)),
        Some(json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{}", id(&admin))})),
    );
    let app = emu.find("applications", APP);
    emu.send_as(
        &t,
        Method::POST,
        &format!("applications/{}/addPassword", id(&app)),
        Some(json!({"passwordCredential": {"displayName": "backup"}})),
    );
}

fn by_name<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["objectName"]
                .as_str()
                .is_some_and(|n| n.starts_with(name))
        })
        .unwrap_or_else(|| panic!("no change of {name}: {report:#}"))
}

fn compare_json(emu: &Emulator, store: &std::path::Path, args: &[&str]) -> Value {
    let mut all = vec!["compare", "--format", "json", "--audit-delay-minutes", "0"];
    all.extend(args);
    let out = emu.entrasnap(store, &all);
    assert_exit(&out, 0);
    parse(&out)
}

#[test]
fn each_change_of_a_compromised_admin_is_attributed_by_actor_and_time() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let baseline = export(&emu, store);
    let started = chrono::Utc::now();
    attack(&emu);
    // A legitimate admin's change in the same hour, and an HR sync's.
    let lee_user = emu.find("users", "Lee Gu");
    emu.send_as(
        &lee(),
        Method::PATCH,
        &format!("users/{}", id(&lee_user)),
        Some(json!({"jobTitle": "Director of Operations"})),
    );
    let hr = app_token(
        "7e7e7e7e-0000-4000-8000-0000000000aa",
        "HR Sync",
        &["User.ReadWrite.All", "AuditLog.Read.All"],
    );
    let megan = emu.find("users", ADMIN);
    emu.send_as(
        &hr,
        Method::PATCH,
        &format!("users/{}", id(&megan)),
        Some(json!({"department": "Corrupted By Sync"})),
    );

    let report = compare_json(&emu, store, &["--from", &baseline, "--to", "live"]);
    let changes = report["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 6, "{report:#}");
    for c in changes {
        let a = &c["attribution"];
        assert_eq!(a["status"], "explained", "{c:#}");
        let at = chrono::DateTime::parse_from_rfc3339(a["by"][0]["at"].as_str().unwrap()).unwrap();
        assert!(at >= started - chrono::Duration::seconds(1), "{c:#}");
    }
    let actor = |c: &Value| c["attribution"]["by"][0]["actor"].clone();
    let mfa = by_name(&report, "CA001");
    assert_eq!(mfa["severity"], "critical");
    assert_eq!(actor(mfa)["userPrincipalName"], MALLORY);
    assert_eq!(
        mfa["attribution"]["by"][0]["activity"],
        "Update conditional access policy"
    );
    assert_eq!(mfa["attribution"]["by"][0]["explains"], json!(["state"]));
    assert_eq!(
        actor(by_name(&report, EXCLUSION_GROUP))["userPrincipalName"],
        MALLORY
    );
    assert_eq!(
        by_name(&report, EXCLUSION_GROUP)["attribution"]["by"][0]["explains"],
        json!(["members"])
    );
    let app = by_name(&report, APP);
    assert_eq!(actor(app)["userPrincipalName"], MALLORY);
    assert_eq!(
        app["attribution"]["by"][0]["activity"],
        "Update application \u{2013} Certificates and secrets management"
    );
    assert_eq!(actor(by_name(&report, "Lee Gu"))["userPrincipalName"], LEE);
    let sync = actor(by_name(&report, ADMIN));
    assert_eq!(sync["kind"], "app");
    assert_eq!(sync["appId"], "7e7e7e7e-0000-4000-8000-0000000000aa");
    assert_eq!(sync["displayName"], "HR Sync");

    // Per actor, most changes first.
    let actors = report["actors"].as_array().unwrap();
    assert_eq!(actors.len(), 3, "{actors:#?}");
    assert_eq!(actors[0]["label"], MALLORY);
    assert_eq!(actors[0]["changes"], 4);
    assert_eq!(actors[0]["objects"], 4);

    // As text: the summary line and a `changed by` line under each change.
    let incident = report["to"].as_str().unwrap().to_string();
    let out = emu.entrasnap(
        store,
        &[
            "compare",
            "--from",
            &baseline,
            "--to",
            &incident,
            "--audit",
            "--audit-delay-minutes",
            "0",
        ],
    );
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "  {MALLORY}: 4 changes on 4 objects, 1 critical, 3 high\n"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("changed by {MALLORY} at ")),
        "{text}"
    );
    assert!(
        text.contains("(Update conditional access policy: state)"),
        "{text}"
    );
    assert!(
        text.contains("changed by HR Sync (app 7e7e7e7e-0000-4000-8000-0000000000aa) at "),
        "{text}"
    );

    // Only what Mallory did, in every format.
    let mine = compare_json(
        &emu,
        store,
        &[
            "--from",
            &baseline,
            "--to",
            &incident,
            "--changed-by",
            MALLORY,
        ],
    );
    let names: Vec<&str> = mine["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["objectType"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 4, "{mine:#}");
    assert!(!names.contains(&"user"), "{names:?}");
    for format in ["markdown", "html"] {
        let file = dir.path().join(format!("r.{format}"));
        let out = emu.entrasnap(
            store,
            &[
                "compare",
                "--from",
                &baseline,
                "--to",
                &incident,
                "--changed-by",
                "Mallory",
                "--audit-delay-minutes",
                "0",
                "--format",
                format,
                "--output",
                file.to_str().unwrap(),
            ],
        );
        assert_exit(&out, 0);
        let page = std::fs::read_to_string(&file).unwrap();
        assert!(page.contains("4 changes on 4 objects"), "{format}: {page}");
        assert!(page.contains(&format!("changed by {MALLORY}")), "{format}");
        assert!(!page.contains("Lee Gu"), "{format}");
    }
    let none = emu.entrasnap(
        store,
        &[
            "compare",
            "--from",
            &baseline,
            "--to",
            &incident,
            "--changed-by",
            "nobody@contoso.com",
        ],
    );
    assert_exit(&none, 1);
    assert!(crate::util::stderr(&none).contains("'nobody@contoso.com'"));
}

#[test]
fn a_change_the_log_cannot_explain_is_reported_as_such_never_guessed() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let baseline = export(&emu, store);
    let lee_user = emu.find("users", "Lee Gu");
    emu.send_as(
        &lee(),
        Method::PATCH,
        &format!("users/{}", id(&lee_user)),
        Some(json!({"jobTitle": "Director of Operations"})),
    );
    // The log loses that event (as one past its retention would be), then Mallory acts.
    emu.send(Method::DELETE, "_sim/audit", None);
    attack(&emu);
    let report = compare_json(&emu, store, &["--from", &baseline, "--to", "live"]);
    let lee_change = by_name(&report, "Lee Gu");
    let a = &lee_change["attribution"];
    assert_eq!(a["status"], "unexplained", "{lee_change:#}");
    assert!(a.get("by").is_none());
    assert_eq!(a["unexplained"], json!(["jobTitle"]));
    assert!(
        a["reason"]
            .as_str()
            .unwrap()
            .starts_with("no audit event explains it"),
        "{a:#}"
    );
    assert_eq!(
        by_name(&report, "CA001")["attribution"]["status"],
        "explained"
    );

    // Older than the log's retention: the reason says so.
    let incident = report["to"].as_str().unwrap().to_string();
    let out = emu.entrasnap(
        store,
        &[
            "compare",
            "--from",
            &baseline,
            "--to",
            &incident,
            "--audit",
            "--format",
            "json",
            "--audit-retention-days",
            "0",
            "--audit-delay-minutes",
            "0",
        ],
    );
    assert_exit(&out, 0);
    let old = parse(&out);
    let reason = by_name(&old, "Lee Gu")["attribution"]["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.contains("may be older than the log"), "{reason}");

    // Events are minutes late: a change newer than the delay may not be listed yet.
    let out = emu.entrasnap(
        store,
        &[
            "compare", "--from", &baseline, "--to", &incident, "--audit", "--format", "json",
        ],
    );
    let late = parse(&out);
    let reason = by_name(&late, "Lee Gu")["attribution"]["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.contains("lists events late"), "{reason}");

    // A token without AuditLog.Read.All: every change says the log could not be read.
    let mut cmd = emu.command(
        store,
        &[
            "compare", "--from", &baseline, "--to", &incident, "--audit", "--format", "json",
        ],
    );
    cmd.env(
        "ENTRASNAP_TOKEN",
        app_token(
            "7e7e7e7e-0000-4000-8000-0000000000aa",
            "Backup",
            &["Directory.Read.All"],
        ),
    );
    let out = cmd.output().unwrap();
    assert_exit(&out, 0);
    let denied = parse(&out);
    for c in denied["changes"].as_array().unwrap() {
        assert_eq!(c["attribution"]["status"], "unavailable", "{c:#}");
        assert!(
            c["attribution"]["reason"]
                .as_str()
                .unwrap()
                .contains("AuditLog.Read.All"),
            "{c:#}"
        );
    }
    assert!(denied.get("actors").is_none());
    // Without --audit a stored pair is compared offline, as before.
    let out = emu.entrasnap(
        store,
        &[
            "compare", "--from", &baseline, "--to", &incident, "--format", "json",
        ],
    );
    assert!(parse(&out)["changes"][0].get("attribution").is_none());
}

/// `restore --changed-by MALLORY --since SINCE` with the log's delay at 0, and `extra`.
fn undo_mallory(
    emu: &Emulator,
    store: &std::path::Path,
    since: &str,
    extra: &[&str],
) -> std::process::Output {
    let mut args = vec![
        "restore",
        "--changed-by",
        MALLORY,
        "--since",
        since,
        "--audit-delay-minutes",
        "0",
    ];
    args.extend(extra);
    emu.entrasnap(store, &args)
}

fn mfa_policy(emu: &Emulator) -> Value {
    emu.list(&format!(
        "{POLICIES}?$filter=startswith(displayName,'CA001')"
    ))
    .remove(0)
}

#[test]
fn an_actor_scoped_restore_undoes_exactly_the_attackers_changes_and_keeps_everyone_elses() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    export(&emu, store);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let before = mfa_policy(&emu);
    let group = emu.find("groups", EXCLUSION_GROUP);
    let members_before = emu.members(&id(&group));
    attack(&emu);
    // Lee renames the same policy and promotes a user: both must survive.
    let renamed = format!("{} (reviewed)", before["displayName"].as_str().unwrap());
    emu.send_as(
        &lee(),
        Method::PATCH,
        &format!("{POLICIES}/{}", id(&before)),
        Some(json!({"displayName": renamed})),
    );
    let lee_user = emu.find("users", "Lee Gu");
    emu.send_as(
        &lee(),
        Method::PATCH,
        &format!("users/{}", id(&lee_user)),
        Some(json!({"jobTitle": "Director of Operations"})),
    );

    // The log must cover the span: a retention shorter than it is refused, naming the gap.
    let out = undo_mallory(
        &emu,
        store,
        &since,
        &["--yes", "--audit-retention-days", "0"],
    );
    assert_exit(&out, 1);
    let err = crate::util::stderr(&out);
    assert!(
        err.contains("the audit log keeps events only since"),
        "{err}"
    );

    // What-if: the plan names what Mallory did, and writes nothing.
    let writes = emu.writes();
    let out = undo_mallory(&emu, store, &since, &["--what-if"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains(&format!("what {MALLORY} changed since")),
        "{text}"
    );
    assert!(text.contains(": state"), "{text}");
    assert!(!text.contains("displayName"), "{text}");
    assert!(!text.contains("jobTitle"), "{text}");
    assert_eq!(emu.writes(), writes, "a what-if writes nothing");

    let out = undo_mallory(&emu, store, &since, &["--yes", "--json"]);
    assert_exit(&out, 0);
    let result = parse(&out);
    assert_eq!(
        result["outcome"]["verification"]["clean"], true,
        "{result:#}"
    );
    assert_eq!(
        result["actor"]["undone"].as_array().unwrap().len(),
        4,
        "{result:#}"
    );

    // Read back: Mallory's changes are gone, Lee's stay, on the same policy too.
    let after = mfa_policy(&emu);
    assert_eq!(after["state"], before["state"]);
    assert_eq!(after["displayName"], renamed.as_str());
    assert_eq!(emu.members(&id(&group)), members_before);
    let sms = emu.get(SMS);
    assert_eq!(sms["state"], "disabled");
    let app = emu.find("applications", APP);
    assert!(
        app["passwordCredentials"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["displayName"] != "backup"),
        "{app:#}"
    );
    let lee_now = emu.get(&format!("users/{}?$select=jobTitle", id(&lee_user)));
    assert_eq!(lee_now["jobTitle"], "Director of Operations");
}

#[test]
fn an_actor_scoped_restore_refuses_when_someone_else_changed_the_same_attribute_later() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    export(&emu, store);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let policy = mfa_policy(&emu);
    let path = format!("{POLICIES}/{}", id(&policy));
    emu.send_as(
        &mallory(),
        Method::PATCH,
        &path,
        Some(json!({"state": "disabled"})),
    );
    // Lee, seeing it, sets it to report-only on purpose.
    emu.send_as(
        &lee(),
        Method::PATCH,
        &path,
        Some(json!({"state": "enabledForReportingButNotEnforced"})),
    );
    let out = undo_mallory(&emu, store, &since, &["--yes"]);
    assert_exit(&out, 1);
    let err = crate::util::stderr(&out);
    assert!(
        err.contains("state: changed again by lee.admin@contoso.onmicrosoft.com"),
        "{err}"
    );
    assert_eq!(
        mfa_policy(&emu)["state"],
        "enabledForReportingButNotEnforced"
    );
    // Told that Lee's value wins, nothing is left to undo: that is an error naming the actor.
    let out = undo_mallory(
        &emu,
        store,
        &since,
        &["--yes", "--on-conflict", "keep-theirs"],
    );
    assert_exit(&out, 1);
    assert!(crate::util::stderr(&out).contains("matched nothing"));
    // Told that the snapshot wins, the policy goes back.
    let out = undo_mallory(&emu, store, &since, &["--yes", "--on-conflict", "revert"]);
    assert_exit(&out, 0);
    assert_eq!(mfa_policy(&emu)["state"], policy["state"]);
}

#[test]
fn an_objects_timeline_names_who_made_each_change() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let policy = mfa_policy(&emu);
    let path = format!("{POLICIES}/{}", id(&policy));
    export(&emu, store);
    emu.send_as(
        &mallory(),
        Method::PATCH,
        &path,
        Some(json!({"state": "disabled"})),
    );
    export(&emu, store);
    emu.send_as(
        &lee(),
        Method::PATCH,
        &path,
        Some(json!({"state": "enabled"})),
    );
    export(&emu, store);
    emu.send_as(
        &lee(),
        Method::PATCH,
        &path,
        Some(json!({"displayName": "CA001 - MFA for everyone"})),
    );
    export(&emu, store);
    let out = emu.entrasnap(
        store,
        &[
            "history",
            "--id",
            &id(&policy),
            "--audit",
            "--audit-delay-minutes",
            "0",
            "--json",
        ],
    );
    assert_exit(&out, 0);
    let h = parse(&out);
    let entries = h["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 4, "{h:#}");
    assert!(
        entries[0].get("attribution").is_none(),
        "the first sighting has no pair"
    );
    let who = |e: &Value| e["attribution"]["by"][0]["actor"]["userPrincipalName"].clone();
    assert_eq!(who(&entries[1]), MALLORY);
    assert_eq!(
        entries[1]["attribution"]["by"][0]["explains"],
        json!(["state"])
    );
    assert_eq!(who(&entries[2]), LEE);
    assert_eq!(who(&entries[3]), LEE);
    assert_eq!(
        entries[3]["attribution"]["by"][0]["explains"],
        json!(["displayName"])
    );
    for e in &entries[1..] {
        assert_eq!(e["attribution"]["status"], "explained", "{e:#}");
        assert_eq!(e["attribution"]["by"].as_array().unwrap().len(), 1, "{e:#}");
    }
    let text = stdout(&emu.entrasnap(
        store,
        &[
            "history",
            "--id",
            &id(&policy),
            "--audit",
            "--audit-delay-minutes",
            "0",
        ],
    ));
    assert!(
        text.contains(&format!("    changed by {MALLORY} at ")),
        "{text}"
    );
}

#[test]
fn a_role_assignment_is_attributed_by_its_principal_and_role() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let baseline = export(&emu, store);
    // Mallory makes an account of hers Global Administrator (T1098.003), then takes another role away.
    let isaiah = emu.find("users", "Isaiah Langer");
    let ga = "62e90394-69f5-4237-9190-012177145e10";
    let path = "roleManagement/directory/roleAssignments";
    let existing = emu.list(path).remove(0);
    emu.send_as(
        &mallory(),
        Method::POST,
        path,
        Some(json!({"principalId": id(&isaiah), "roleDefinitionId": ga, "directoryScopeId": "/"})),
    );
    emu.send_as(
        &mallory(),
        Method::DELETE,
        &format!("{path}/{}", id(&existing)),
        None,
    );
    let report = compare_json(&emu, store, &["--from", &baseline, "--to", "live"]);
    let roles: Vec<&Value> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["objectType"] == "roleAssignment")
        .collect();
    assert_eq!(roles.len(), 2, "{report:#}");
    for c in roles {
        let a = &c["attribution"];
        assert_eq!(a["status"], "explained", "{c:#}");
        assert_eq!(a["by"][0]["actor"]["userPrincipalName"], MALLORY, "{c:#}");
        let activity = a["by"][0]["activity"].as_str().unwrap();
        match c["kind"]["type"].as_str().unwrap() {
            "added" => assert_eq!(activity, "Add member to role"),
            _ => assert_eq!(activity, "Remove member from role"),
        }
    }
}
