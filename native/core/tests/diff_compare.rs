//! The diff engine over in-memory snapshots: the incidents from issue 4 at
//! small scale, with exact changes, names and severities.

use std::collections::BTreeMap;

use entrasnap_core::ObjectType;
use entrasnap_core::diff::{ChangeKind, MemorySnapshot, Severity, Snapshot, compare};
use serde_json::{Value, json};

fn ty(name: &str) -> &'static ObjectType {
    ObjectType::find(name).unwrap()
}

const MFA_POLICY: &str = "11111111-0000-4000-8000-000000000001";
const BREAK_GLASS: &str = "22222222-0000-4000-8000-000000000001";
const ADMINS: &str = "22222222-0000-4000-8000-000000000002";

fn user_id(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012}")
}

fn user(i: usize, department: &str) -> Value {
    json!({
        "id": user_id(i),
        "displayName": format!("User {i}"),
        "userPrincipalName": format!("user{i}@contoso.example"),
        "department": department,
        "accountEnabled": true
    })
}

fn mfa_policy(state: &str, exclude_groups: &[&str]) -> Value {
    json!({
        "id": MFA_POLICY,
        "displayName": "Require MFA for all users",
        "state": state,
        "modifiedDateTime": "2026-03-01T00:00:00Z",
        "conditions": {
            "users": {"includeUsers": ["All"], "excludeGroups": exclude_groups},
            "applications": {"includeApplications": ["All"]},
            "clientAppTypes": ["all"]
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}
    })
}

/// A small tenant: the MFA policy, two groups with members, 60 users.
fn tenant() -> MemorySnapshot {
    let mut s = MemorySnapshot::new("before");
    s.add(
        ty("conditionalAccessPolicy"),
        mfa_policy("enabled", &[BREAK_GLASS]),
    )
    .unwrap();
    s.add(
        ty("group"),
        json!({"id": BREAK_GLASS, "displayName": "Break Glass Accounts"}),
    )
    .unwrap();
    s.add(
        ty("group"),
        json!({"id": ADMINS, "displayName": "Helpdesk Admins"}),
    )
    .unwrap();
    for i in 0..60 {
        s.add(ty("user"), user(i, "Sales")).unwrap();
    }
    let mut links = BTreeMap::new();
    links.insert("members".to_string(), vec![user_id(0)]);
    s.set_links(ty("group"), BREAK_GLASS, links).unwrap();
    s
}

#[test]
fn identical_snapshots_report_nothing_and_read_nothing() {
    let before = tenant();
    let after = before.relabeled("after");
    let report = compare(&before, &after, None).unwrap();
    assert!(report.changes.is_empty(), "{:#?}", report.changes);
    assert_eq!((before.reads(), after.reads()), (0, 0));
    assert_eq!(
        (report.from.as_str(), report.to.as_str()),
        ("before", "after")
    );
}

#[test]
fn mfa_policy_saved_as_disabled_is_one_critical_change() {
    let before = tenant();
    let mut after = before.relabeled("after");
    // Saving the policy also bumps modifiedDateTime, which must not show.
    let mut disabled = mfa_policy("disabled", &[BREAK_GLASS]);
    disabled["modifiedDateTime"] = json!("2026-03-02T09:00:00Z");
    after.add(ty("conditionalAccessPolicy"), disabled).unwrap();

    let report = compare(&before, &after, None).unwrap();
    assert_eq!(report.changes.len(), 1, "{:#?}", report.changes);
    let c = &report.changes[0];
    assert_eq!(c.object_type, "conditionalAccessPolicy");
    assert_eq!(c.object_name, "Require MFA for all users");
    assert_eq!(c.kind, ChangeKind::Modified);
    assert_eq!(c.attributes.len(), 1);
    assert_eq!(c.attributes[0].path, "state");
    assert_eq!(c.attributes[0].old, Some(json!("enabled")));
    assert_eq!(c.attributes[0].new, Some(json!("disabled")));
    assert_eq!(c.severity, Severity::Critical);
    assert!(
        c.reason
            .contains("'Require MFA for all users' was disabled"),
        "{}",
        c.reason
    );
    assert!(
        c.reason.contains("MFA for all users is no longer enforced"),
        "{}",
        c.reason
    );
    // Only the changed policy's two bodies were read.
    assert_eq!((before.reads(), after.reads()), (1, 1));
}

#[test]
fn break_glass_group_removed_from_exclusions() {
    let before = tenant();
    let mut after = before.relabeled("after");
    after
        .add(ty("conditionalAccessPolicy"), mfa_policy("enabled", &[]))
        .unwrap();

    let report = compare(&before, &after, None).unwrap();
    assert_eq!(report.changes.len(), 1, "{:#?}", report.changes);
    let c = &report.changes[0];
    assert_eq!(c.attributes.len(), 1);
    let a = &c.attributes[0];
    assert_eq!(a.path, "conditions.users.excludeGroups");
    assert_eq!(a.removed, [json!(BREAK_GLASS)]);
    assert!(a.added.is_empty() && a.old.is_none() && a.new.is_none());
    assert_eq!(a.names[BREAK_GLASS], "Break Glass Accounts");
    assert!(c.severity >= Severity::High);
    assert!(
        c.reason
            .contains("Break-glass group 'Break Glass Accounts'"),
        "{}",
        c.reason
    );
    assert!(!c.reason.contains(BREAK_GLASS), "{}", c.reason);
}

#[test]
fn hr_sync_overwriting_departments_is_fifty_low_changes() {
    let before = tenant();
    let mut after = before.relabeled("after");
    for i in 0..50 {
        after.add(ty("user"), user(i, "Engineering")).unwrap();
    }
    let report = compare(&before, &after, None).unwrap();
    assert_eq!(report.changes.len(), 50);
    for c in &report.changes {
        assert_eq!(c.object_type, "user");
        assert_eq!(c.kind, ChangeKind::Modified);
        assert_eq!(c.attributes.len(), 1);
        assert_eq!(c.attributes[0].path, "department");
        assert_eq!(c.attributes[0].old, Some(json!("Sales")));
        assert_eq!(c.attributes[0].new, Some(json!("Engineering")));
        assert!(c.attributes[0].names.is_empty());
        assert_eq!(c.severity, Severity::Low);
    }
    // 50 changed users, one body per side each; the other 10 and the rest untouched.
    assert_eq!((before.reads(), after.reads()), (50, 50));
}

#[test]
fn member_added_to_an_excluded_group_names_the_policies_escaped() {
    let before = tenant();
    let mut after = before.relabeled("after");
    let mut links = BTreeMap::new();
    links.insert("members".to_string(), vec![user_id(0), user_id(7)]);
    after.set_links(ty("group"), BREAK_GLASS, links).unwrap();

    let report = compare(&before, &after, None).unwrap();
    assert_eq!(report.changes.len(), 1, "{:#?}", report.changes);
    let c = &report.changes[0];
    assert!(c.attributes.is_empty());
    assert_eq!(c.links.len(), 1);
    assert_eq!(c.links[0].link, "members");
    assert_eq!(c.links[0].added.len(), 1);
    assert_eq!(c.links[0].added[0].name, "User 7");
    assert_eq!(c.severity, Severity::High);
    assert!(c.reason.contains("'User 7'"), "{}", c.reason);
    assert!(
        c.reason.contains("'Require MFA for all users'"),
        "{}",
        c.reason
    );
}

#[test]
fn added_removed_and_recreated() {
    let before = tenant();
    let mut after = before.relabeled("after");
    after.remove(ty("group"), ADMINS);
    // Same display name (the group's natural key), new id: recreated.
    after
        .add(ty("group"), json!({"id": "33333333-0000-4000-8000-000000000009", "displayName": "Helpdesk Admins", "description": "again"}))
        .unwrap();
    after.remove(ty("user"), &user_id(59));
    after.add(ty("user"), user(100, "Legal")).unwrap();

    let report = compare(&before, &after, Some(&[ty("group"), ty("user")])).unwrap();
    let kinds: Vec<(&str, &ChangeKind)> = report
        .changes
        .iter()
        .map(|c| (c.object_name.as_str(), &c.kind))
        .collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(kinds.contains(&(
        "Helpdesk Admins",
        &ChangeKind::Recreated {
            previous_id: ADMINS.to_string()
        }
    )));
    assert!(kinds.contains(&("User 59", &ChangeKind::Removed)));
    assert!(kinds.contains(&("User 100", &ChangeKind::Added)));
    let recreated = report
        .changes
        .iter()
        .find(|c| c.object_name == "Helpdesk Admins")
        .unwrap();
    assert_eq!(recreated.attributes.len(), 1);
    assert_eq!(recreated.attributes[0].path, "description");
}

#[test]
fn report_serializes_in_camel_case() {
    let before = tenant();
    let mut after = before.relabeled("after");
    after
        .add(
            ty("conditionalAccessPolicy"),
            mfa_policy("disabled", &[BREAK_GLASS]),
        )
        .unwrap();
    let report = compare(&before, &after, None).unwrap();
    let v = serde_json::to_value(&report).unwrap();
    let c = &v["changes"][0];
    assert_eq!(c["objectType"], "conditionalAccessPolicy");
    assert_eq!(c["severity"], "critical");
    assert_eq!(c["kind"], json!({"type": "modified"}));
    let back: entrasnap_core::diff::Report = serde_json::from_value(v).unwrap();
    assert_eq!(back, report);
    assert!(after.entries("user").len() == 60);
}
