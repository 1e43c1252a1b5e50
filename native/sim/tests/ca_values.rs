//! Conditional Access policies as real tenants have them (a beta export's
//! shapes): every built-in role template, the first-party apps policies name,
//! the special values of each condition and the system locations are accepted;
//! an id that names nothing is still refused.

use serde_json::{Value, json};

use crate::util::Graph;

const POLICIES: &str = "/beta/identity/conditionalAccess/policies";

fn policy(name: &str, conditions: Value, grant: Value) -> Value {
    json!({
        "displayName": name,
        "state": "enabledForReportingButNotEnforced",
        "conditions": conditions,
        "grantControls": grant,
    })
}

fn block() -> Value {
    json!({"operator": "OR", "builtInControls": ["block"]})
}

fn mfa() -> Value {
    json!({"operator": "OR", "builtInControls": ["mfa"]})
}

#[tokio::test]
async fn realistic_policies_are_all_accepted() {
    let g = Graph::demo().await;
    let bg = g.id_by_name("groups", "SG-CA-Exclude-BreakGlass").await;
    let all_apps = json!({"includeApplications": ["All"], "excludeApplications": []});
    let admin_roles = json!([
        "62e90394-69f5-4237-9190-012177145e10",
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "d2562ede-74db-457e-a7b6-544e236ebb61",
        "db506228-d27e-4b7d-95e5-295956d6615f",
        "6b942400-691f-4bf0-9d12-d8a254a2baf5",
        "e93e3737-fa85-474a-aee4-7d3fb86510f3",
        "b6a27b2b-f905-4b2e-81b5-0d90e0ef1fdb",
        "f42252d9-5400-4d7b-b9ef-cc582dbb8577",
        "1fe13547-53f6-408d-ac04-7f8eed167b38",
        "1707125e-0aa2-4d4d-8655-a7c786c76a25",
        "69091246-20e8-4a56-aa4d-066075b2a7a8",
        "11451d60-acb2-45eb-a7d6-43d0f0125c13"
    ]);
    let policies = [
        policy(
            "CA100 Admins: MFA",
            json!({
                "clientAppTypes": ["all"],
                "users": {"includeRoles": admin_roles, "excludeGroups": [bg]},
                "applications": all_apps,
            }),
            json!({"operator": "OR", "authenticationStrength": {"id": "00000000-0000-0000-0000-000000000004"}}),
        ),
        policy(
            "CA101 Block legacy authentication",
            json!({
                "clientAppTypes": ["exchangeActiveSync", "other"],
                "users": {"includeUsers": ["All"], "excludeGroups": [bg]},
                "applications": all_apps,
            }),
            block(),
        ),
        policy(
            "CA102 Office 365 and admin portals",
            json!({
                "clientAppTypes": ["browser", "mobileAppsAndDesktopClients"],
                "users": {"includeUsers": ["All"], "excludeUsers": ["GuestsOrExternalUsers"]},
                "applications": {"includeApplications": ["Office365", "MicrosoftAdminPortals"]},
            }),
            mfa(),
        ),
        policy(
            "CA103 Named first-party apps",
            json!({
                "users": {"includeUsers": ["All"]},
                "applications": {
                    "includeApplications": [
                        "797f4846-ba00-4fd7-ba43-dac1f8f63013",
                        "00000003-0000-0000-c000-000000000000",
                        "00000002-0000-0ff1-ce00-000000000000",
                        "00000003-0000-0ff1-ce00-000000000000",
                        "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe",
                        "9cdead84-a844-4324-93f2-b2e6bb768d07",
                        "0000000a-0000-0000-c000-000000000000",
                        "2793995e-0a7d-40d7-bd35-6968ba142197"
                    ],
                    "excludeApplications": ["29d9ed98-a469-4536-ade2-f981bc1d605e"],
                },
            }),
            mfa(),
        ),
        policy(
            "CA104 Register security info from trusted locations",
            json!({
                "users": {"includeUsers": ["All"], "excludeUsers": ["GuestsOrExternalUsers"]},
                "applications": {"includeApplications": [], "includeUserActions": ["urn:user:registersecurityinfo"]},
                "locations": {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]},
            }),
            mfa(),
        ),
        policy(
            "CA105 Register or join devices",
            json!({
                "users": {"includeUsers": ["All"]},
                "applications": {"includeUserActions": ["urn:user:registerdevice"]},
            }),
            mfa(),
        ),
        policy(
            "CA106 Authentication context",
            json!({
                "users": {"includeUsers": ["All"]},
                "applications": {"includeAuthenticationContextClassReferences": ["c1", "c25", "c99"]},
            }),
            mfa(),
        ),
        policy(
            "CA107 Unsupported platforms",
            json!({
                "users": {"includeUsers": ["All"]},
                "applications": all_apps,
                "platforms": {"includePlatforms": ["all"], "excludePlatforms": ["android", "iOS", "windows", "macOS", "linux"]},
            }),
            block(),
        ),
        policy(
            "CA108 Compliant network only",
            json!({
                "users": {"includeUsers": ["All"], "excludeGroups": [bg]},
                "applications": {"includeApplications": ["Office365"]},
                "locations": {"includeLocations": ["All"], "excludeLocations": ["3d46dbda-8382-466a-856d-eb00cbc6b910", "00000000-0000-0000-0000-000000000000"]},
            }),
            block(),
        ),
        policy(
            "CA109 Guests",
            json!({
                "users": {
                    "includeUsers": ["GuestsOrExternalUsers"],
                    "includeGuestsOrExternalUsers": {
                        "guestOrExternalUserTypes": "internalGuest,b2bCollaborationGuest",
                        "externalTenants": {"@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants", "membershipKind": "all"}
                    }
                },
                "applications": all_apps,
            }),
            mfa(),
        ),
        policy(
            "CA110 Block risky agent identities",
            json!({
                "clientAppTypes": ["all"],
                "users": {"includeUsers": ["None"]},
                "applications": {"includeApplications": ["AllAgentIdResources"]},
                "clientApplications": {"includeAgentIdServicePrincipals": ["All"], "excludeAgentIdServicePrincipals": []},
                "agentIdRiskLevels": ["high", "medium"],
            }),
            block(),
        ),
        policy(
            "CA111 Workload identities outside trusted locations",
            json!({
                "users": {"includeUsers": ["None"]},
                "applications": all_apps,
                "clientApplications": {"includeServicePrincipals": ["ServicePrincipalsInMyTenant"]},
                "locations": {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]},
            }),
            block(),
        ),
    ];
    for p in policies {
        let name = p["displayName"].as_str().unwrap().to_string();
        let r = g.post(POLICIES, p).await;
        assert_eq!(r.status, 201, "{name}: {}", r.body);
    }
}

#[tokio::test]
async fn role_definitions_carry_every_published_template() {
    let g = Graph::demo().await;
    let (roles, _) = g
        .get_all("/v1.0/roleManagement/directory/roleDefinitions")
        .await;
    let find = |id: &str| {
        roles
            .iter()
            .find(|r| r["templateId"] == id)
            .unwrap_or_else(|| panic!("role template {id} missing"))
            .clone()
    };
    let backup = find("b6a27b2b-f905-4b2e-81b5-0d90e0ef1fdb");
    assert_eq!(backup["displayName"], "Entra Backup Administrator");
    assert_eq!(backup["isBuiltIn"], true);
    assert_eq!(
        find("62e90394-69f5-4237-9190-012177145e10")["isPrivileged"],
        true
    );
    assert_eq!(
        find("88d8e3e3-8f55-4a1e-953a-9b9898b8876b")["isPrivileged"],
        false
    );
    assert!(roles.len() >= 130, "{} role definitions", roles.len());
}

#[tokio::test]
async fn ids_and_values_that_name_nothing_are_still_refused() {
    let g = Graph::demo().await;
    let unknown = "0a1b2c3d-0000-4000-8000-000000000001";
    let cases = [
        json!({"users": {"includeRoles": [unknown]}, "applications": {"includeApplications": ["All"]}}),
        json!({"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": [unknown]}}),
        json!({"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["Office366"]}}),
        json!({"users": {"includeUsers": ["All"]}, "applications": {"includeUserActions": ["urn:user:registerphone"]}}),
        json!({"users": {"includeUsers": ["All"]}, "applications": {"includeAuthenticationContextClassReferences": ["c100"]}}),
        json!({"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]}, "clientAppTypes": ["legacy"]}),
        json!({"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]}, "platforms": {"includePlatforms": ["beos"]}}),
        json!({"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]}, "locations": {"includeLocations": [unknown]}}),
        json!({"users": {"includeUsers": ["None"]}, "applications": {"includeApplications": ["AllAgentIdResources"]}, "clientApplications": {"includeAgentIdServicePrincipals": [unknown]}}),
    ];
    for c in cases {
        let r = g
            .post(POLICIES, policy("Refused", c.clone(), block()))
            .await;
        assert_eq!(r.status, 400, "accepted: {c}");
    }
}
