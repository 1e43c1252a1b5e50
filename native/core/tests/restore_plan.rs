//! The restore planner over in-memory snapshots: what it writes, in which
//! order, what it refuses, and what it never touches.

use std::collections::BTreeMap;

use entrasnap_core::ObjectType;
use entrasnap_core::diff::{MemorySnapshot, Snapshot};
use entrasnap_core::restore::{DeletedItems, Plan, PlanOptions, Step, StepKind, plan};
use serde_json::{Value, json};

fn ty(name: &str) -> &'static ObjectType {
    ObjectType::find(name).unwrap()
}

const BG_USER: &str = "10000000-0000-4000-8000-000000000001";
const LEE: &str = "10000000-0000-4000-8000-000000000002";
const ADELE: &str = "10000000-0000-4000-8000-000000000003";
const BG_GROUP: &str = "20000000-0000-4000-8000-000000000001";
const FINANCE: &str = "20000000-0000-4000-8000-000000000002";
const HQ: &str = "30000000-0000-4000-8000-000000000001";
const MFA: &str = "40000000-0000-4000-8000-000000000001";
const BLOCK: &str = "40000000-0000-4000-8000-000000000005";
const APP: &str = "50000000-0000-4000-8000-000000000001";
const APP_ID: &str = "50000000-0000-4000-8000-0000000000a1";
const SECRET: &str = "60000000-0000-4000-8000-000000000001";
const BACKDOOR: &str = "60000000-0000-4000-8000-000000000666";

fn user(id: &str, name: &str, upn: &str) -> Value {
    json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
        "id": id, "displayName": name, "userPrincipalName": upn,
        "accountEnabled": true, "department": "IT", "jobTitle": "Engineer",
        "businessPhones": [], "createdDateTime": "2024-01-01T00:00:00Z",
        "lastPasswordChangeDateTime": "2025-01-01T00:00:00Z"
    })
}

fn group(id: &str, name: &str) -> Value {
    json!({
        "id": id, "displayName": name, "description": null, "groupTypes": [],
        "mailEnabled": false, "mailNickname": name.replace(' ', ""), "securityEnabled": true,
        "createdDateTime": "2024-01-01T00:00:00Z", "renewedDateTime": "2024-01-01T00:00:00Z"
    })
}

fn location() -> Value {
    json!({
        "@odata.type": "#microsoft.graph.ipNamedLocation", "id": HQ, "displayName": "Corporate HQ",
        "createdDateTime": "2024-02-01T00:00:00Z", "modifiedDateTime": "2024-02-01T00:00:00Z",
        "isTrusted": true,
        "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "203.0.113.0/24"}]
    })
}

fn policy(id: &str, name: &str, state: &str, control: &str, exclude_groups: &[&str]) -> Value {
    let locations = if id == BLOCK {
        json!({"includeLocations": ["All"], "excludeLocations": [HQ]})
    } else {
        Value::Null
    };
    json!({
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#identity/conditionalAccess/policies/$entity",
        "id": id, "displayName": name, "state": state, "templateId": null,
        "createdDateTime": "2024-03-11T09:14:27Z", "modifiedDateTime": "2025-10-02T13:40:05Z",
        "sessionControls": null,
        "conditions": {
            "clientAppTypes": ["all"], "userRiskLevels": [], "signInRiskLevels": [],
            "locations": locations, "platforms": null,
            "applications": {"includeApplications": ["All"], "excludeApplications": [], "includeUserActions": []},
            "users": {"includeUsers": ["All"], "excludeUsers": [], "includeGroups": [],
                      "excludeGroups": exclude_groups, "includeRoles": [], "excludeRoles": []}
        },
        "grantControls": {"operator": "OR", "builtInControls": [control], "customAuthenticationFactors": [],
                          "termsOfUse": [], "authenticationStrength": null}
    })
}

fn secret(key: &str, name: &str) -> Value {
    json!({"customKeyIdentifier": null, "displayName": name, "endDateTime": "2027-01-01T00:00:00Z",
           "hint": "abc", "keyId": key, "secretText": null, "startDateTime": "2025-01-01T00:00:00Z"})
}

fn app(secrets: &[Value]) -> Value {
    json!({
        "id": APP, "appId": APP_ID, "displayName": "Payroll", "createdDateTime": "2024-01-01T00:00:00Z",
        "identifierUris": [format!("api://{APP_ID}")], "keyCredentials": [], "notes": null,
        "passwordCredentials": secrets, "publisherDomain": "contoso.example", "signInAudience": "AzureADMyOrg",
        "tags": [], "web": {"redirectUris": ["https://payroll.contoso.example/signin-oidc"]}
    })
}

fn links(name: &str, ids: &[&str]) -> BTreeMap<String, Vec<String>> {
    let mut l = BTreeMap::new();
    l.insert(
        name.to_string(),
        ids.iter().map(|s| s.to_string()).collect(),
    );
    l
}

/// A known-good tenant: a break-glass account excluded (through its group)
/// from both enabled policies, a block policy that spares the HQ location,
/// a finance group with one member, an app with one secret.
fn tenant() -> MemorySnapshot {
    let mut s = MemorySnapshot::new("snap-good");
    s.add(
        ty("user"),
        user(BG_USER, "Emergency Admin", "bg@contoso.example"),
    )
    .unwrap();
    s.add(ty("user"), user(LEE, "Lee Gu", "lee@contoso.example"))
        .unwrap();
    s.add(
        ty("user"),
        user(ADELE, "Adele Vance", "adele@contoso.example"),
    )
    .unwrap();
    s.add(ty("group"), group(BG_GROUP, "SG-CA-Exclude-BreakGlass"))
        .unwrap();
    s.add(ty("group"), group(FINANCE, "Finance")).unwrap();
    s.set_links(ty("group"), BG_GROUP, links("members", &[BG_USER]))
        .unwrap();
    s.set_links(ty("group"), FINANCE, links("members", &[LEE]))
        .unwrap();
    s.add(ty("namedLocation"), location()).unwrap();
    s.add(
        ty("conditionalAccessPolicy"),
        policy(
            MFA,
            "CA002 Require MFA for all users",
            "enabled",
            "mfa",
            &[BG_GROUP],
        ),
    )
    .unwrap();
    s.add(
        ty("conditionalAccessPolicy"),
        policy(
            BLOCK,
            "CA005 Block access outside HQ",
            "enabled",
            "block",
            &[BG_GROUP],
        ),
    )
    .unwrap();
    s.add(ty("application"), app(&[secret(SECRET, "payroll-prod")]))
        .unwrap();
    s
}

fn live_of(s: &MemorySnapshot) -> MemorySnapshot {
    s.relabeled("live")
}

fn run(target: &MemorySnapshot, live: &MemorySnapshot, options: &PlanOptions) -> Plan {
    plan(target, live, &DeletedItems::default(), options).unwrap()
}

fn only(types: &[&str]) -> PlanOptions {
    PlanOptions {
        types: types.iter().map(|s| s.to_string()).collect(),
        ..PlanOptions::default()
    }
}

fn kinds(p: &Plan) -> Vec<(StepKind, &str)> {
    p.steps
        .iter()
        .map(|s| (s.kind, s.object_name.as_str()))
        .collect()
}

/// Every step's dependencies come earlier, and seqs count from 1.
fn assert_well_ordered(p: &Plan) {
    for (i, s) in p.steps.iter().enumerate() {
        assert_eq!(s.seq as usize, i + 1);
        for d in &s.depends_on {
            assert!(*d < s.seq, "step {} depends on later step {d}", s.seq);
        }
    }
}

fn step<'p>(p: &'p Plan, kind: StepKind, name: &str) -> &'p Step {
    p.steps
        .iter()
        .find(|s| s.kind == kind && s.object_name == name)
        .unwrap_or_else(|| panic!("no {kind:?} step for {name}: {:#?}", p.steps))
}

#[test]
fn equal_snapshots_plan_nothing_and_read_nothing() {
    let target = tenant();
    let live = live_of(&target);
    let p = run(&target, &live, &PlanOptions::default());
    assert!(p.is_empty() && p.notes.is_empty(), "{p:#?}");
    assert!(p.is_allowed() && p.guard.findings.is_empty());
    assert!(p.permissions.is_empty());
    assert_eq!((target.reads(), live.reads()), (0, 0));
    assert_eq!(
        (p.snapshot.as_str(), p.live.as_str()),
        ("snap-good", "live")
    );
}

#[test]
fn disabled_policy_is_one_update_reading_only_that_policy() {
    let target = tenant();
    let mut live = live_of(&target);
    let mut disabled = policy(
        MFA,
        "CA002 Require MFA for all users",
        "disabled",
        "mfa",
        &[BG_GROUP],
    );
    disabled["modifiedDateTime"] = json!("2026-03-02T09:00:00Z");
    live.add(ty("conditionalAccessPolicy"), disabled).unwrap();

    let p = run(&target, &live, &only(&["conditionalAccessPolicy"]));
    assert_eq!(p.steps.len(), 1, "{:#?}", p.steps);
    let s = &p.steps[0];
    assert_eq!(s.kind, StepKind::Update);
    assert_eq!(s.request.method, "PATCH");
    assert_eq!(s.request.version, "beta");
    assert_eq!(
        s.request.path,
        format!("identity/conditionalAccess/policies/{MFA}")
    );
    assert_eq!(s.request.body, Some(json!({"state": "enabled"})));
    assert_eq!(s.summary, "state: disabled -> enabled");
    assert!(p.is_allowed(), "{:?}", p.guard);
    assert_eq!(
        p.permissions,
        [
            "Application.Read.All",
            "Policy.Read.All",
            "Policy.ReadWrite.ConditionalAccess"
        ]
    );
    // The planner read the changed policy; the guard each policy once and the
    // members of the group they exclude (live: before and after the plan's
    // link changes). No user was read.
    assert_eq!((target.reads(), live.reads()), (4, 5));
}

#[test]
fn one_attribute_on_5000_users_writes_only_that_attribute() {
    let mut target = MemorySnapshot::new("snap");
    for i in 0..5000 {
        let mut u = user(
            &format!("00000000-0000-4000-8000-{i:012}"),
            &format!("User {i}"),
            &format!("u{i}@contoso.example"),
        );
        u["department"] = json!("Sales");
        target.add(ty("user"), u).unwrap();
    }
    let mut live = target.relabeled("live");
    for i in 0..5000 {
        let mut u = user(
            &format!("00000000-0000-4000-8000-{i:012}"),
            &format!("User {i}"),
            &format!("u{i}@contoso.example"),
        );
        u["department"] = json!("Engineering");
        u["jobTitle"] = json!("Intern");
        live.add(ty("user"), u).unwrap();
    }
    let options = PlanOptions {
        attributes: vec!["department".into()],
        ..PlanOptions::default()
    };
    let p = run(&target, &live, &options);
    assert_eq!(p.steps.len(), 5000);
    for s in &p.steps {
        assert_eq!(s.kind, StepKind::Update);
        assert_eq!(s.request.body, Some(json!({"department": "Sales"})));
        assert_eq!(s.request.path, format!("users/{}", s.object_id));
        assert_eq!(s.summary, "department: Engineering -> Sales");
    }
    assert_eq!(p.permissions, ["User.ReadWrite.All"]);

    // Without the filter both attributes come back.
    let p = run(&target, &live, &PlanOptions::default());
    assert_eq!(p.steps.len(), 5000);
    assert_eq!(
        p.steps[0].request.body,
        Some(json!({"department": "Sales", "jobTitle": "Engineer"}))
    );
}

#[test]
fn soft_deleted_named_location_comes_back_before_the_policy_that_needs_it() {
    let target = tenant();
    let mut live = live_of(&target);
    live.remove(ty("namedLocation"), HQ);
    let mut weakened = policy(
        BLOCK,
        "CA005 Block access outside HQ",
        "enabled",
        "block",
        &[BG_GROUP],
    );
    weakened["conditions"]["locations"]["excludeLocations"] = json!([]);
    live.add(ty("conditionalAccessPolicy"), weakened).unwrap();
    let mut deleted = DeletedItems::default();
    let mut bin = entrasnap_core::normalize(ty("namedLocation"), location())
        .unwrap()
        .body;
    bin["deletedDateTime"] = json!("2026-03-02T10:00:00Z");
    deleted.insert("namedLocation", HQ.to_string(), bin);

    let p = plan(&target, &live, &deleted, &PlanOptions::default()).unwrap();
    assert_well_ordered(&p);
    assert_eq!(
        kinds(&p),
        [
            (StepKind::RestoreDeleted, "Corporate HQ"),
            (StepKind::Update, "CA005 Block access outside HQ")
        ]
    );
    let (restore, update) = (&p.steps[0], &p.steps[1]);
    assert_eq!(restore.request.method, "POST");
    assert_eq!(restore.request.version, "beta");
    assert_eq!(
        restore.request.path,
        format!("identity/conditionalAccess/deletedItems/namedLocations/{HQ}/restore")
    );
    assert_eq!(restore.summary, "bring back from deleted items");
    assert_eq!(update.depends_on, [restore.seq]);
    let body = update.request.body.as_ref().unwrap();
    assert_eq!(
        body["conditions"]["locations"]["excludeLocations"],
        json!([HQ])
    );
    assert!(
        update
            .summary
            .contains("conditions.locations.excludeLocations: add Corporate HQ"),
        "{}",
        update.summary
    );
    assert!(p.is_allowed(), "{:?}", p.guard.findings);
}

#[test]
fn hard_deleted_named_location_is_created_and_the_policy_waits_for_its_new_id() {
    let target = tenant();
    let mut live = live_of(&target);
    live.remove(ty("namedLocation"), HQ);
    let mut weakened = policy(
        BLOCK,
        "CA005 Block access outside HQ",
        "enabled",
        "block",
        &[BG_GROUP],
    );
    weakened["conditions"]["locations"]["excludeLocations"] = json!([]);
    live.add(ty("conditionalAccessPolicy"), weakened).unwrap();

    let p = run(&target, &live, &PlanOptions::default());
    assert_well_ordered(&p);
    let create = step(&p, StepKind::Create, "Corporate HQ");
    assert_eq!(create.request.method, "POST");
    assert_eq!(
        create.request.path,
        "identity/conditionalAccess/namedLocations"
    );
    assert_eq!(
        create.request.new_ids,
        BTreeMap::from([(HQ.to_string(), "id".to_string())])
    );
    let body = create.request.body.as_ref().unwrap();
    assert_eq!(body["@odata.type"], "#microsoft.graph.ipNamedLocation");
    assert_eq!(
        body["ipRanges"][0]["@odata.type"],
        "#microsoft.graph.iPv4CidrRange"
    );
    for gone in ["id", "createdDateTime", "modifiedDateTime"] {
        assert!(body.get(gone).is_none(), "{gone} in {body}");
    }
    assert_eq!(
        create.summary,
        "re-create (it was permanently deleted; it gets a new id)"
    );
    let update = step(&p, StepKind::Update, "CA005 Block access outside HQ");
    assert_eq!(update.depends_on, [create.seq]);
}

#[test]
fn a_policy_still_naming_a_recreated_location_is_re_pointed() {
    // The location is gone for good but the policy's body never changed: it
    // still holds the old id, which the executor must swap for the new one.
    let target = tenant();
    let mut live = live_of(&target);
    live.remove(ty("namedLocation"), HQ);

    let p = run(&target, &live, &PlanOptions::default());
    assert_well_ordered(&p);
    assert_eq!(
        kinds(&p),
        [
            (StepKind::Create, "Corporate HQ"),
            (StepKind::Update, "CA005 Block access outside HQ")
        ]
    );
    let update = &p.steps[1];
    assert_eq!(update.depends_on, [1]);
    let body = update.request.body.as_ref().unwrap();
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    assert_eq!(
        body["conditions"]["locations"]["excludeLocations"],
        json!([HQ])
    );
    assert!(update.summary.contains("re-created"), "{}", update.summary);
}

#[test]
fn a_reference_nothing_can_bring_back_stops_the_plan() {
    let target = tenant();
    let mut live = live_of(&target);
    live.remove(ty("namedLocation"), HQ);
    let mut weakened = policy(
        BLOCK,
        "CA005 Block access outside HQ",
        "disabled",
        "block",
        &[BG_GROUP],
    );
    weakened["conditions"]["locations"]["excludeLocations"] = json!([]);
    live.add(ty("conditionalAccessPolicy"), weakened).unwrap();

    let err = plan(
        &target,
        &live,
        &DeletedItems::default(),
        &only(&["conditionalAccessPolicy"]),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("Conditional Access policy \"CA005 Block access outside HQ\" references named location \"Corporate HQ\""),
        "{msg}"
    );
    assert!(
        msg.contains(HQ) && msg.contains("include it in the restore"),
        "{msg}"
    );
    assert!(!msg.contains('\n'));
}

#[test]
fn a_removed_member_is_added_back_and_an_added_one_removed() {
    let target = tenant();
    let mut live = live_of(&target);
    live.set_links(ty("group"), FINANCE, links("members", &[ADELE]))
        .unwrap();

    let p = run(&target, &live, &only(&["group"]));
    assert_well_ordered(&p);
    assert_eq!(
        kinds(&p),
        [
            (StepKind::AddLink, "Finance"),
            (StepKind::RemoveLink, "Finance")
        ]
    );
    let add = &p.steps[0];
    assert_eq!(add.request.method, "POST");
    assert_eq!(add.request.version, "v1.0");
    assert_eq!(add.request.path, format!("groups/{FINANCE}/members/$ref"));
    assert_eq!(
        add.request.body,
        Some(json!({"@odata.id": format!("directoryObjects/{LEE}")}))
    );
    assert_eq!(add.summary, "add member Lee Gu");
    let remove = &p.steps[1];
    assert_eq!(remove.request.method, "DELETE");
    assert_eq!(
        remove.request.path,
        format!("groups/{FINANCE}/members/{ADELE}/$ref")
    );
    assert_eq!(remove.summary, "remove member Adele Vance");
    assert_eq!(p.permissions, ["Group.ReadWrite.All"]);

    // Links count as attributes: restoring only `owners` leaves members alone.
    let options = PlanOptions {
        attributes: vec!["owners".into()],
        ..PlanOptions::default()
    };
    assert!(run(&target, &live, &options).is_empty());
}

#[test]
fn manager_is_set_back_and_removed() {
    let mut target = tenant();
    target
        .set_links(ty("user"), LEE, links("manager", &[ADELE]))
        .unwrap();
    let mut live = live_of(&target);
    live.set_links(ty("user"), LEE, links("manager", &[BG_USER]))
        .unwrap();
    live.set_links(ty("user"), ADELE, links("manager", &[LEE]))
        .unwrap();

    let p = run(&target, &live, &only(&["user"]));
    let set = step(&p, StepKind::SetManager, "Lee Gu");
    assert_eq!(set.request.method, "PUT");
    assert_eq!(set.request.path, format!("users/{LEE}/manager/$ref"));
    assert_eq!(
        set.request.body,
        Some(json!({"@odata.id": format!("directoryObjects/{ADELE}")}))
    );
    assert_eq!(set.summary, "set manager Adele Vance (now Emergency Admin)");
    let remove = step(&p, StepKind::RemoveManager, "Adele Vance");
    assert_eq!(remove.request.method, "DELETE");
    assert_eq!(remove.request.path, format!("users/{ADELE}/manager/$ref"));
    assert_eq!(p.steps.len(), 2);
}

#[test]
fn an_attacker_secret_is_revoked_and_the_lost_one_noted() {
    let target = tenant();
    let mut live = live_of(&target);
    let mut planted = app(&[secret(BACKDOOR, "backdoor")]);
    planted["keyCredentials"] = json!([{"keyId": "70000000-0000-4000-8000-000000000001", "displayName": "CN=evil", "type": "AsymmetricX509Cert", "usage": "Verify"}]);
    live.add(ty("application"), planted).unwrap();

    let p = run(&target, &live, &only(&["application"]));
    assert_eq!(p.steps.len(), 1, "{:#?}", p.steps);
    let s = &p.steps[0];
    assert_eq!(s.kind, StepKind::RevokeCredential);
    assert_eq!(s.request.method, "POST");
    assert_eq!(s.request.path, format!("applications/{APP}/removePassword"));
    assert_eq!(s.request.body, Some(json!({"keyId": BACKDOOR})));
    assert!(
        s.summary.contains("\"backdoor\"") && s.summary.contains(BACKDOOR),
        "{}",
        s.summary
    );
    let messages: Vec<&str> = p.notes.iter().map(|n| n.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("secret \"payroll-prod\"")
                && m.contains(SECRET)
                && m.contains("create a new one")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("certificate \"CN=evil\"") && m.contains("remove it by hand")),
        "{messages:?}"
    );
    // Neither credential list is ever PATCHed.
    assert!(p.steps.iter().all(|s| s.kind != StepKind::Update));
}

/// The snapshot predates the break-glass exclusion; the live tenant has it.
fn before_break_glass() -> (MemorySnapshot, MemorySnapshot) {
    let mut target = tenant();
    target
        .add(
            ty("conditionalAccessPolicy"),
            policy(
                MFA,
                "CA002 Require MFA for all users",
                "enabled",
                "mfa",
                &[],
            ),
        )
        .unwrap();
    let mut live = live_of(&tenant());
    // Someone also switched the policy to report-only since: the restore
    // would put it back on, without the exclusion.
    live.add(
        ty("conditionalAccessPolicy"),
        policy(
            MFA,
            "CA002 Require MFA for all users",
            "enabled",
            "mfa",
            &[BG_GROUP],
        ),
    )
    .unwrap();
    (target, live)
}

#[test]
fn restoring_away_a_break_glass_exclusion_is_refused() {
    let (target, live) = before_break_glass();
    let p = run(&target, &live, &only(&["conditionalAccessPolicy"]));
    assert_eq!(
        kinds(&p),
        [(StepKind::Update, "CA002 Require MFA for all users")]
    );
    assert!(p.guard.refused && !p.guard.overridden && !p.is_allowed());
    let names: Vec<(&str, &str)> = p
        .guard
        .break_glass
        .iter()
        .map(|b| (b.object_type.as_str(), b.principal.name.as_str()))
        .collect();
    assert!(
        names.contains(&("group", "SG-CA-Exclude-BreakGlass")),
        "{names:?}"
    );
    assert!(names.contains(&("user", "Emergency Admin")), "{names:?}");
    assert!(
        p.guard
            .break_glass
            .iter()
            .all(|b| b.source.contains("in the tenant")),
        "{:?}",
        p.guard.break_glass
    );
    assert!(
        p.guard
            .findings
            .iter()
            .any(|f| f.contains("CA002 Require MFA for all users")
                && f.contains("break-glass group \"SG-CA-Exclude-BreakGlass\"")
                && f.contains("requires MFA")),
        "{:?}",
        p.guard.findings
    );
}

#[test]
fn the_override_lets_it_run_and_says_so() {
    let (target, live) = before_break_glass();
    let options = PlanOptions {
        override_break_glass: true,
        ..only(&["conditionalAccessPolicy"])
    };
    let p = run(&target, &live, &options);
    assert!(!p.guard.findings.is_empty());
    assert!(p.guard.overridden && !p.guard.refused && p.is_allowed());
}

#[test]
fn report_only_stages_the_policy_and_satisfies_the_guard() {
    let (target, live) = before_break_glass();
    let options = PlanOptions {
        report_only: true,
        ..only(&["conditionalAccessPolicy"])
    };
    let p = run(&target, &live, &options);
    assert_eq!(p.steps.len(), 1);
    let body = p.steps[0].request.body.as_ref().unwrap();
    assert_eq!(body["state"], "enabledForReportingButNotEnforced");
    assert_eq!(body["conditions"]["users"]["excludeGroups"], json!([]));
    assert!(
        p.guard.findings.is_empty() && p.is_allowed(),
        "{:?}",
        p.guard
    );
}

#[test]
fn report_only_after_a_restore_from_the_bin_is_a_separate_update() {
    let target = tenant();
    let mut live = live_of(&target);
    live.remove(ty("conditionalAccessPolicy"), MFA);
    let mut deleted = DeletedItems::default();
    let body = entrasnap_core::normalize(
        ty("conditionalAccessPolicy"),
        policy(
            MFA,
            "CA002 Require MFA for all users",
            "enabled",
            "mfa",
            &[BG_GROUP],
        ),
    )
    .unwrap()
    .body;
    deleted.insert("conditionalAccessPolicy", MFA.to_string(), body);
    let options = PlanOptions {
        report_only: true,
        ..PlanOptions::default()
    };
    let p = plan(&target, &live, &deleted, &options).unwrap();
    assert_well_ordered(&p);
    assert_eq!(
        kinds(&p),
        [
            (StepKind::RestoreDeleted, "CA002 Require MFA for all users"),
            (StepKind::Update, "CA002 Require MFA for all users")
        ]
    );
    assert_eq!(
        p.steps[0].request.path,
        format!("identity/conditionalAccess/deletedItems/policies/{MFA}/restore")
    );
    assert_eq!(
        p.steps[1].request.body,
        Some(json!({"state": "enabledForReportingButNotEnforced"}))
    );
    assert_eq!(p.steps[1].depends_on, [1]);
}

#[test]
fn removing_a_break_glass_account_from_its_exclusion_group_is_refused() {
    // The break-glass user joined the exclusion group after the snapshot.
    let mut target = tenant();
    target
        .set_links(ty("group"), BG_GROUP, links("members", &[]))
        .unwrap();
    let mut live = live_of(&target);
    live.set_links(ty("group"), BG_GROUP, links("members", &[BG_USER]))
        .unwrap();
    let options = PlanOptions {
        break_glass: vec!["BG@contoso.example".into()],
        ..only(&["group"])
    };
    let p = run(&target, &live, &options);
    assert_eq!(
        kinds(&p),
        [(StepKind::RemoveLink, "SG-CA-Exclude-BreakGlass")]
    );
    assert!(p.guard.refused);
    let bg = &p.guard.break_glass[0];
    assert_eq!(
        (bg.principal.id.as_str(), bg.source.as_str()),
        (
            BG_USER,
            "given; inferred: excluded from every enabled policy in the tenant"
        )
    );
    assert_eq!(p.guard.findings.len(), 2, "{:?}", p.guard.findings);
    assert!(
        p.guard.findings.iter().all(|f| f.starts_with(
            "removing break-glass user \"Emergency Admin\" from group \"SG-CA-Exclude-BreakGlass\""
        )),
        "{:?}",
        p.guard.findings
    );
}

#[test]
fn an_unknown_break_glass_account_is_an_error() {
    let target = tenant();
    let options = PlanOptions {
        break_glass: vec!["nobody@contoso.example".into()],
        ..PlanOptions::default()
    };
    let err = plan(
        &target,
        &live_of(&target),
        &DeletedItems::default(),
        &options,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("\"nobody@contoso.example\""),
        "{err}"
    );
}

#[test]
fn objects_added_since_are_noted_once_per_type_and_deleted_only_when_asked() {
    let target = tenant();
    let mut live = live_of(&target);
    for i in 0..8 {
        live.add(
            ty("user"),
            user(
                &format!("90000000-0000-4000-8000-{i:012}"),
                &format!("Intruder {i}"),
                &format!("x{i}@contoso.example"),
            ),
        )
        .unwrap();
    }
    let p = run(&target, &live, &PlanOptions::default());
    assert!(p.is_empty(), "{:#?}", p.steps);
    assert_eq!(p.notes.len(), 1, "{:#?}", p.notes);
    assert!(
        p.notes[0]
            .message
            .starts_with("8 users were created after the snapshot"),
        "{}",
        p.notes[0].message
    );
    assert!(
        p.notes[0].message.ends_with("and 3 more"),
        "{}",
        p.notes[0].message
    );

    let options = PlanOptions {
        delete_added: true,
        ..PlanOptions::default()
    };
    let p = run(&target, &live, &options);
    assert_eq!(p.steps.len(), 8);
    assert!(p.steps.iter().all(|s| s.kind == StepKind::Delete
        && s.request.method == "DELETE"
        && s.request.path == format!("users/{}", s.object_id)));
    assert!(p.notes.is_empty());
}

#[test]
fn filters_never_touch_objects_outside_them() {
    let target = tenant();
    let mut live = live_of(&target);
    // Changes everywhere: a policy, a user, a group's members, an app secret.
    live.add(
        ty("conditionalAccessPolicy"),
        policy(
            MFA,
            "CA002 Require MFA for all users",
            "disabled",
            "mfa",
            &[BG_GROUP],
        ),
    )
    .unwrap();
    live.add(
        ty("conditionalAccessPolicy"),
        policy(
            BLOCK,
            "CA005 Block access outside HQ",
            "disabled",
            "block",
            &[BG_GROUP],
        ),
    )
    .unwrap();
    let mut lee = user(LEE, "Lee Gu", "lee@contoso.example");
    lee["department"] = json!("Sales");
    lee["jobTitle"] = json!("Boss");
    live.add(ty("user"), lee).unwrap();
    live.set_links(ty("group"), FINANCE, links("members", &[]))
        .unwrap();
    live.add(
        ty("application"),
        app(&[secret(SECRET, "payroll-prod"), secret(BACKDOOR, "backdoor")]),
    )
    .unwrap();

    let everything = run(&target, &live, &PlanOptions::default());
    assert_eq!(everything.steps.len(), 5, "{:#?}", everything.steps);

    let by_type = run(&target, &live, &only(&["user"]));
    assert_eq!(kinds(&by_type), [(StepKind::Update, "Lee Gu")]);

    let by_id = PlanOptions {
        ids: [MFA.to_string()].into(),
        ..PlanOptions::default()
    };
    let p = run(&target, &live, &by_id);
    assert_eq!(
        kinds(&p),
        [(StepKind::Update, "CA002 Require MFA for all users")]
    );

    let by_attribute = PlanOptions {
        attributes: vec!["jobTitle".into()],
        ..PlanOptions::default()
    };
    let p = run(&target, &live, &by_attribute);
    assert_eq!(kinds(&p), [(StepKind::Update, "Lee Gu")]);
    assert_eq!(
        p.steps[0].request.body,
        Some(json!({"jobTitle": "Engineer"}))
    );

    let nested = PlanOptions {
        attributes: vec!["conditions.users.excludeGroups".into(), "state".into()],
        ids: [BLOCK.to_string()].into(),
        ..PlanOptions::default()
    };
    let p = run(&target, &live, &nested);
    assert_eq!(
        kinds(&p),
        [(StepKind::Update, "CA005 Block access outside HQ")]
    );
    assert_eq!(p.steps[0].request.body, Some(json!({"state": "enabled"})));
}

#[test]
fn a_nested_attribute_writes_its_whole_top_level_property() {
    let target = tenant();
    let mut live = live_of(&target);
    let mut changed = policy(
        BLOCK,
        "CA005 Block access outside HQ",
        "disabled",
        "block",
        &[FINANCE],
    );
    changed["conditions"]["clientAppTypes"] = json!(["browser"]);
    live.add(ty("conditionalAccessPolicy"), changed).unwrap();
    let options = PlanOptions {
        attributes: vec!["conditions.users.excludeGroups".into()],
        ..PlanOptions::default()
    };
    let p = run(&target, &live, &options);
    assert_eq!(p.steps.len(), 1);
    let body = p.steps[0].request.body.as_ref().unwrap();
    assert_eq!(
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["conditions"]
    );
    // The restored path takes the snapshot's value; the rest stays as it is live.
    assert_eq!(
        body["conditions"]["users"]["excludeGroups"],
        json!([BG_GROUP])
    );
    assert_eq!(body["conditions"]["clientAppTypes"], json!(["browser"]));
    assert_eq!(
        p.steps[0].summary,
        "conditions.users.excludeGroups: add SG-CA-Exclude-BreakGlass, remove Finance"
    );
}

#[test]
fn a_recreated_group_is_found_by_name_and_policies_follow_it() {
    // The exclusion group was deleted for good and made again by hand: same
    // name, new id, nobody in it, and the policies still name the old id.
    let target = tenant();
    let mut live = live_of(&target);
    let new_id = "20000000-0000-4000-8000-0000000000ff";
    live.remove(ty("group"), BG_GROUP);
    live.add(ty("group"), group(new_id, "SG-CA-Exclude-BreakGlass"))
        .unwrap();

    let p = run(&target, &live, &PlanOptions::default());
    assert_well_ordered(&p);
    let add = step(&p, StepKind::AddLink, "SG-CA-Exclude-BreakGlass");
    assert_eq!(add.request.path, format!("groups/{new_id}/members/$ref"));
    assert_eq!(add.object_id, BG_GROUP);
    for name in [
        "CA002 Require MFA for all users",
        "CA005 Block access outside HQ",
    ] {
        let u = step(&p, StepKind::Update, name);
        let body = u.request.body.as_ref().unwrap();
        assert_eq!(
            body["conditions"]["users"]["excludeGroups"],
            json!([new_id]),
            "{name}"
        );
    }
    assert!(
        p.steps
            .iter()
            .all(|s| s.kind != StepKind::Create && s.kind != StepKind::Delete)
    );
    assert!(p.notes.is_empty(), "{:#?}", p.notes);
}

#[test]
fn a_hard_deleted_group_is_created_with_its_members_and_re_pointed_policies() {
    let target = tenant();
    let mut live = live_of(&target);
    live.remove(ty("group"), BG_GROUP);

    let p = run(&target, &live, &PlanOptions::default());
    assert_well_ordered(&p);
    let create = step(&p, StepKind::Create, "SG-CA-Exclude-BreakGlass");
    assert_eq!(create.request.path, "groups");
    let body = create.request.body.as_ref().unwrap();
    assert_eq!(body["mailNickname"], "SG-CA-Exclude-BreakGlass");
    assert!(body.get("renewedDateTime").is_none() && body.get("id").is_none());
    let add = step(&p, StepKind::AddLink, "SG-CA-Exclude-BreakGlass");
    assert_eq!(add.request.path, format!("groups/{BG_GROUP}/members/$ref"));
    assert!(add.depends_on.contains(&create.seq));
    for name in [
        "CA002 Require MFA for all users",
        "CA005 Block access outside HQ",
    ] {
        let u = step(&p, StepKind::Update, name);
        assert_eq!(u.depends_on, [create.seq]);
    }
    // Objects before links.
    assert!(add.seq > step(&p, StepKind::Update, "CA005 Block access outside HQ").seq);
    assert!(p.is_allowed(), "{:?}", p.guard.findings);
}

#[test]
fn a_hard_deleted_user_is_a_note_and_a_soft_deleted_one_comes_back() {
    let target = tenant();
    let mut live = live_of(&target);
    live.remove(ty("user"), LEE).remove(ty("user"), ADELE);
    live.set_links(ty("group"), FINANCE, links("members", &[]))
        .unwrap();
    let mut deleted = DeletedItems::default();
    deleted.insert(
        "user",
        ADELE.to_string(),
        entrasnap_core::normalize(
            ty("user"),
            user(ADELE, "Adele Vance", "adele@contoso.example"),
        )
        .unwrap()
        .body,
    );

    let p = plan(&target, &live, &deleted, &PlanOptions::default()).unwrap();
    assert_eq!(kinds(&p), [(StepKind::RestoreDeleted, "Adele Vance")]);
    assert_eq!(p.steps[0].request.version, "v1.0");
    assert_eq!(
        p.steps[0].request.path,
        format!("directory/deletedItems/{ADELE}/restore")
    );
    let lee: Vec<&str> = p
        .notes
        .iter()
        .filter(|n| n.object_id == LEE)
        .map(|n| n.message.as_str())
        .collect();
    assert_eq!(lee.len(), 1, "{:#?}", p.notes);
    assert!(
        lee.iter().any(|m| m.contains("permanently deleted")),
        "{lee:?}"
    );
    assert!(
        p.notes
            .iter()
            .any(|n| n.object_name == "Finance"
                && n.message.contains("cannot add member \"Lee Gu\"")),
        "{:#?}",
        p.notes
    );

    // An attribute restore brings nothing back.
    let options = PlanOptions {
        attributes: vec!["department".into()],
        ..PlanOptions::default()
    };
    let p = plan(&target, &live, &deleted, &options).unwrap();
    assert!(p.is_empty());
    assert!(
        p.notes
            .iter()
            .any(|n| n.object_id == ADELE && n.message.contains("deleted items"))
    );
}

#[test]
fn the_plan_serializes_in_camel_case_and_round_trips() {
    let target = tenant();
    let mut live = live_of(&target);
    live.remove(ty("namedLocation"), HQ);
    let p = run(&target, &live, &PlanOptions::default());
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["steps"][0]["kind"], "create");
    assert_eq!(v["steps"][0]["request"]["newIds"][HQ], "id");
    assert_eq!(v["steps"][1]["dependsOn"], json!([1]));
    let back: Plan = serde_json::from_value(v).unwrap();
    assert_eq!(back, p);
    assert!(target.entries("user").len() == 3);
}

#[test]
fn a_hard_deleted_app_and_its_service_principal_are_created_in_order() {
    let mut target = tenant();
    let sp = "50000000-0000-4000-8000-0000000000b1";
    target
        .add(
            ty("servicePrincipal"),
            json!({"id": sp, "appId": APP_ID, "displayName": "Payroll", "accountEnabled": true,
                   "appOwnerOrganizationId": "0f5b2c1e-7d44-4c1a-9a4e-2b6f3d8e9c10",
                   "servicePrincipalType": "Application", "tags": [], "passwordCredentials": [], "keyCredentials": []}),
        )
        .unwrap();
    target
        .set_links(ty("application"), APP, links("owners", &[LEE]))
        .unwrap();
    let mut live = live_of(&target);
    live.remove(ty("application"), APP)
        .remove(ty("servicePrincipal"), sp);

    let p = run(&target, &live, &PlanOptions::default());
    assert_well_ordered(&p);
    assert_eq!(
        kinds(&p),
        [
            (StepKind::Create, "Payroll"),
            (StepKind::Create, "Payroll"),
            (StepKind::AddLink, "Payroll")
        ]
    );
    let (app_step, sp_step, owner) = (&p.steps[0], &p.steps[1], &p.steps[2]);
    assert_eq!(app_step.object_type, "application");
    assert_eq!(
        app_step.request.new_ids,
        BTreeMap::from([
            (APP.to_string(), "id".to_string()),
            (APP_ID.to_string(), "appId".to_string())
        ])
    );
    let body = app_step.request.body.as_ref().unwrap();
    for gone in [
        "appId",
        "passwordCredentials",
        "keyCredentials",
        "publisherDomain",
    ] {
        assert!(body.get(gone).is_none(), "{gone} in {body}");
    }
    // The service principal is created for the app's appId, which the executor
    // replaces with the new app's.
    assert_eq!(sp_step.object_type, "servicePrincipal");
    assert_eq!(sp_step.request.body.as_ref().unwrap()["appId"], APP_ID);
    assert_eq!(sp_step.depends_on, [app_step.seq]);
    assert_eq!(
        owner.request.path,
        format!("applications/{APP}/owners/$ref")
    );
    assert_eq!(owner.summary, "add owner Lee Gu");
    assert_eq!(owner.depends_on, [app_step.seq]);
    assert!(
        p.notes
            .iter()
            .any(|n| n.object_id == APP && n.message.contains("secret \"payroll-prod\"")),
        "{:#?}",
        p.notes
    );
}

#[test]
fn a_rerun_uses_the_id_map_instead_of_creating_again() {
    // An earlier run re-created the location as NEW_HQ and stopped before
    // re-pointing the policy.
    let target = tenant();
    let mut live = live_of(&target);
    let new_hq = "30000000-0000-4000-8000-0000000000ff";
    live.remove(ty("namedLocation"), HQ);
    let mut again = location();
    again["id"] = json!(new_hq);
    live.add(ty("namedLocation"), again).unwrap();
    let options = PlanOptions {
        id_map: BTreeMap::from([(HQ.to_string(), new_hq.to_string())]),
        ..PlanOptions::default()
    };
    let p = run(&target, &live, &options);
    assert_eq!(
        kinds(&p),
        [(StepKind::Update, "CA005 Block access outside HQ")]
    );
    let body = p.steps[0].request.body.as_ref().unwrap();
    assert_eq!(
        body["conditions"]["locations"]["excludeLocations"],
        json!([new_hq])
    );
    assert!(p.steps[0].depends_on.is_empty());
    // The re-created location is the snapshot's, not one "created since".
    assert!(p.notes.is_empty(), "{:#?}", p.notes);
}

#[test]
fn a_policy_back_from_the_bin_must_spare_the_break_glass_accounts() {
    let target = tenant();
    let mut live = live_of(&target);
    live.remove(ty("conditionalAccessPolicy"), BLOCK);
    let mut deleted = DeletedItems::default();
    let body = entrasnap_core::normalize(
        ty("conditionalAccessPolicy"),
        policy(
            BLOCK,
            "CA005 Block access outside HQ",
            "enabled",
            "block",
            &[BG_GROUP],
        ),
    )
    .unwrap()
    .body;
    deleted.insert("conditionalAccessPolicy", BLOCK.to_string(), body);

    // The inferred break-glass group and user are excluded: nothing to say.
    let p = plan(&target, &live, &deleted, &PlanOptions::default()).unwrap();
    assert_eq!(
        kinds(&p),
        [(StepKind::RestoreDeleted, "CA005 Block access outside HQ")]
    );
    assert!(
        p.is_allowed() && p.guard.findings.is_empty(),
        "{:?}",
        p.guard
    );

    // An account the admin names as break-glass is not.
    let options = PlanOptions {
        break_glass: vec![LEE.to_string()],
        ..PlanOptions::default()
    };
    let p = plan(&target, &live, &deleted, &options).unwrap();
    assert!(p.guard.refused);
    assert_eq!(
        p.guard.findings,
        [
            "Conditional Access policy \"CA005 Block access outside HQ\" would come back enabled (blocks access) without excluding break-glass user \"Lee Gu\""
        ]
    );
}

#[test]
fn an_unknown_type_is_an_error() {
    let target = tenant();
    let err = plan(
        &target,
        &live_of(&target),
        &DeletedItems::default(),
        &only(&["device"]),
    )
    .unwrap_err();
    assert!(
        err.to_string().starts_with("unknown type \"device\""),
        "{err}"
    );
}

#[test]
fn a_big_tenant_costs_what_changed() {
    let mut target = MemorySnapshot::new("snap");
    for i in 0..20_000 {
        let id = format!("00000000-0000-4000-8000-{i:012}");
        target
            .add(
                ty("user"),
                user(&id, &format!("User {i}"), &format!("u{i}@contoso.example")),
            )
            .unwrap();
    }
    let mut live = target.relabeled("live");
    for i in (0..20_000).step_by(2000) {
        let id = format!("00000000-0000-4000-8000-{i:012}");
        let mut u = user(&id, &format!("User {i}"), &format!("u{i}@contoso.example"));
        u["accountEnabled"] = json!(false);
        live.add(ty("user"), u).unwrap();
    }
    let p = run(&target, &live, &PlanOptions::default());
    assert_eq!(p.steps.len(), 10);
    assert!(
        p.steps
            .iter()
            .all(|s| s.summary == "accountEnabled: false -> true")
    );
    assert_eq!((target.reads(), live.reads()), (10, 10));
}

fn strength(id: &str, name: &str, policy_type: &str, combinations: &[&str]) -> Value {
    json!({"id": id, "createdDateTime": "2024-05-02T10:00:00Z", "modifiedDateTime": "2024-05-02T10:00:00Z",
           "displayName": name, "description": "d", "policyType": policy_type,
           "requirementsSatisfied": "mfa", "allowedCombinations": combinations})
}

#[test]
fn strength_combinations_go_through_their_action_and_built_ins_are_never_written() {
    let custom = "7a1f3c2e-5b4d-4e6f-8a9b-0c1d2e3f4a5b";
    let builtin = "00000000-0000-0000-0000-000000000002";
    let mut target = tenant();
    target
        .add(
            ty("authenticationStrengthPolicy"),
            strength(
                custom,
                "Contoso Passwordless + TAP",
                "custom",
                &["windowsHelloForBusiness", "fido2"],
            ),
        )
        .unwrap();
    target
        .add(
            ty("authenticationStrengthPolicy"),
            strength(
                builtin,
                "Multifactor authentication",
                "builtIn",
                &["fido2", "sms"],
            ),
        )
        .unwrap();
    let mut live = live_of(&target);
    live.add(
        ty("authenticationStrengthPolicy"),
        strength(custom, "Contoso Passwordless", "custom", &["fido2", "sms"]),
    )
    .unwrap();
    live.add(
        ty("authenticationStrengthPolicy"),
        strength(
            builtin,
            "Multifactor authentication",
            "builtIn",
            &["fido2", "sms", "voice"],
        ),
    )
    .unwrap();

    let p = run(
        &target,
        &live,
        &PlanOptions {
            delete_added: true,
            ..PlanOptions::default()
        },
    );
    assert_well_ordered(&p);
    assert!(
        p.steps.iter().all(|s| s.object_id == custom),
        "{:#?}",
        p.steps
    );
    let update = step(&p, StepKind::Update, "Contoso Passwordless + TAP");
    assert_eq!(
        update.request.body,
        Some(json!({"displayName": "Contoso Passwordless + TAP"}))
    );
    assert_eq!(
        update.request.path,
        format!("policies/authenticationStrengthPolicies/{custom}")
    );
    let action = step(&p, StepKind::UpdateAction, "Contoso Passwordless + TAP");
    assert_eq!(action.request.method, "POST");
    assert_eq!(
        action.request.path,
        format!("policies/authenticationStrengthPolicies/{custom}/updateAllowedCombinations")
    );
    assert_eq!(
        action.request.body,
        Some(json!({"allowedCombinations": ["fido2", "windowsHelloForBusiness"]}))
    );
    assert_eq!(
        action.summary,
        "allowedCombinations: add windowsHelloForBusiness, remove sms"
    );
    assert_eq!(p.steps.len(), 2);
}

#[test]
fn report_only_does_not_rewrite_a_policy_already_report_only() {
    let mut target = tenant();
    target
        .add(
            ty("conditionalAccessPolicy"),
            policy(
                MFA,
                "CA002 Require MFA for all users",
                "enabled",
                "mfa",
                &[BG_GROUP, FINANCE],
            ),
        )
        .unwrap();
    let mut live = live_of(&tenant());
    live.add(
        ty("conditionalAccessPolicy"),
        policy(
            MFA,
            "CA002 Require MFA for all users",
            "enabledForReportingButNotEnforced",
            "mfa",
            &[BG_GROUP],
        ),
    )
    .unwrap();
    let options = PlanOptions {
        report_only: true,
        ..PlanOptions::default()
    };
    let p = run(&target, &live, &options);
    assert_eq!(p.steps.len(), 1);
    let body = p.steps[0].request.body.as_ref().unwrap();
    assert!(body.get("state").is_none(), "{body}");
    assert_eq!(
        body["conditions"]["users"]["excludeGroups"],
        json!([BG_GROUP, FINANCE])
    );
}

#[test]
fn a_polymorphic_type_keeps_its_odata_type_in_the_patch() {
    let target = tenant();
    let mut live = live_of(&target);
    let mut widened = location();
    widened["ipRanges"] = json!([
        {"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "203.0.113.0/24"},
        {"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "0.0.0.0/1"}
    ]);
    live.add(ty("namedLocation"), widened).unwrap();
    let p = run(&target, &live, &only(&["namedLocation"]));
    assert_eq!(p.steps.len(), 1);
    assert_eq!(
        p.steps[0].request.body,
        Some(json!({
            "@odata.type": "#microsoft.graph.ipNamedLocation",
            "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "203.0.113.0/24"}]
        }))
    );
    assert_eq!(p.steps[0].summary, "ipRanges: remove 0.0.0.0/1");
}

#[test]
fn a_removed_role_assignment_is_created_again_for_a_built_in_role() {
    let ga = "62e90394-69f5-4237-9190-012177145e10";
    let assignment = "lAPpYvVpN0KRkAEhdxReEJ_mfU9ctO1Hp5nKh3fZqD4-1";
    let mut target = tenant();
    target
        .add(
            ty("roleAssignment"),
            json!({"id": assignment, "principalId": BG_USER, "roleDefinitionId": ga, "directoryScopeId": "/"}),
        )
        .unwrap();
    let mut live = live_of(&target);
    live.remove(ty("roleAssignment"), assignment);
    // An attacker's assignment, created since: left alone unless asked.
    live.add(
        ty("roleAssignment"),
        json!({"id": "attacker-assignment", "principalId": ADELE, "roleDefinitionId": ga, "directoryScopeId": "/"}),
    )
    .unwrap();

    let p = run(&target, &live, &only(&["roleAssignment"]));
    assert_eq!(p.steps.len(), 1, "{:#?}", p.steps);
    let create = &p.steps[0];
    assert_eq!(
        (create.kind, create.object_id.as_str()),
        (StepKind::Create, assignment)
    );
    assert_eq!(
        create.request.path,
        "roleManagement/directory/roleAssignments"
    );
    assert_eq!(
        create.request.body,
        Some(json!({"principalId": BG_USER, "roleDefinitionId": ga, "directoryScopeId": "/"}))
    );
    assert_eq!(p.permissions, ["RoleManagement.ReadWrite.Directory"]);
    assert_eq!(p.notes.len(), 1);
    assert!(
        p.notes[0].message.starts_with(
            "1 directory role assignment was created after the snapshot and is left in place"
        ),
        "{}",
        p.notes[0].message
    );

    let options = PlanOptions {
        delete_added: true,
        ..only(&["roleAssignment"])
    };
    let p = run(&target, &live, &options);
    let delete = p.steps.iter().find(|s| s.kind == StepKind::Delete).unwrap();
    assert_eq!(delete.object_id, "attacker-assignment");
    assert_eq!(
        delete.request.path,
        "roleManagement/directory/roleAssignments/attacker-assignment"
    );
}
