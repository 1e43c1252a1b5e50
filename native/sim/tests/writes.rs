use serde_json::{Value, json};

use crate::util::Graph;

async fn first_policy(g: &Graph) -> Value {
    g.get("/v1.0/identity/conditionalAccess/policies?$filter=startswith(displayName,'CA001')")
        .await
        .body["value"][0]
        .clone()
}

fn policy_body(location: &str) -> Value {
    json!({
        "displayName": "Block outside HQ",
        "state": "enabledForReportingButNotEnforced",
        "conditions": {
            "users": {"includeUsers": ["All"]},
            "applications": {"includeApplications": ["All"]},
            "locations": {"includeLocations": ["All"], "excludeLocations": [location]},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["block"]},
    })
}

#[tokio::test]
async fn a_ca_policy_naming_an_unknown_location_is_refused_with_graphs_message() {
    let g = Graph::demo().await;
    let bogus = "5f3b8a2e-0000-4000-8000-00000000abcd";
    let r = g
        .post(
            "/v1.0/identity/conditionalAccess/policies",
            policy_body(bogus),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error_message(),
        format!("1040: NamedLocation with id {bogus} does not exist in the directory.")
    );
    let hq = g
        .id_by_name("identity/conditionalAccess/namedLocations", "Corporate HQ")
        .await;
    let r = g
        .post(
            "/v1.0/identity/conditionalAccess/policies",
            policy_body(&hq),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body["createdDateTime"].is_string());
    assert_eq!(g.stats().await["writes"], 2, "both POSTs count as writes");

    // Every other reference kind is checked too.
    for (path, value) in [
        (
            "/conditions/users/excludeGroups",
            json!(["11111111-2222-4333-8444-555555555555"]),
        ),
        (
            "/conditions/users/includeRoles",
            json!(["11111111-2222-4333-8444-555555555555"]),
        ),
        (
            "/conditions/applications/includeApplications",
            json!(["11111111-2222-4333-8444-555555555555"]),
        ),
        (
            "/conditions/users/includeUsers",
            json!(["11111111-2222-4333-8444-555555555555"]),
        ),
        (
            "/grantControls/authenticationStrength",
            json!({"id": "11111111-2222-4333-8444-555555555555"}),
        ),
    ] {
        let mut body = policy_body(&hq);
        *body
            .pointer_mut(path.rsplit_once('/').unwrap().0)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .entry(path.rsplit_once('/').unwrap().1)
            .or_insert(Value::Null) = value;
        let r = g
            .post("/v1.0/identity/conditionalAccess/policies", body)
            .await;
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        assert!(
            r.error_message().contains("does not exist"),
            "{path}: {}",
            r.error_message()
        );
    }
}

#[tokio::test]
async fn read_only_properties_cannot_be_changed() {
    let g = Graph::demo().await;
    let p = first_policy(&g).await;
    let id = p["id"].as_str().unwrap();
    let r = g
        .patch(
            &format!("/v1.0/identity/conditionalAccess/policies/{id}"),
            json!({"createdDateTime": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error_message(),
        "Property 'createdDateTime' is read-only and cannot be set."
    );
    // The same value is not a change.
    let r = g
        .patch(
            &format!("/v1.0/identity/conditionalAccess/policies/{id}"),
            json!({"createdDateTime": p["createdDateTime"], "state": "disabled"}),
        )
        .await;
    assert_eq!(r.status, 204);
    let after = g
        .get(&format!("/v1.0/identity/conditionalAccess/policies/{id}"))
        .await;
    assert_eq!(after.body["state"], "disabled");
    assert_ne!(after.body["modifiedDateTime"], p["modifiedDateTime"]);

    let apps = g.get("/v1.0/applications?$top=1").await;
    let app = apps.body["value"][0]["id"].as_str().unwrap();
    let r = g
        .patch(
            &format!("/v1.0/applications/{app}"),
            json!({"appId": "00000000-1111-4111-8111-000000000000"}),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = g
        .patch(
            &format!("/v1.0/applications/{app}"),
            json!({"@odata.context": "x"}),
        )
        .await;
    assert_eq!(r.status, 400, "annotations are not properties");
    let r = g
        .patch(
            &format!("/v1.0/applications/{app}"),
            json!({"notAProperty": 1}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.error_message().contains("notAProperty"));
}

#[tokio::test]
async fn named_locations_need_their_odata_type_to_be_patched() {
    let g = Graph::demo().await;
    let hq = g
        .id_by_name("identity/conditionalAccess/namedLocations", "Corporate HQ")
        .await;
    let path = format!("/v1.0/identity/conditionalAccess/namedLocations/{hq}");
    assert_eq!(
        g.patch(&path, json!({"isTrusted": false})).await.status,
        400
    );
    let r = g
        .patch(
            &path,
            json!({"@odata.type": "#microsoft.graph.ipNamedLocation", "isTrusted": false}),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = g.patch(&path, json!({"@odata.type": "#microsoft.graph.ipNamedLocation", "ipRanges": [{"cidrAddress": "10.0.0.0/8"}]})).await;
    assert_eq!(r.status, 400, "each range needs its own @odata.type");
    let r = g.patch(&path, json!({"@odata.type": "#microsoft.graph.ipNamedLocation", "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "10.0.0.0/8"}]})).await;
    assert_eq!(r.status, 204);
    assert_eq!(
        g.get(&path).await.body["ipRanges"][0]["cidrAddress"],
        "10.0.0.0/8"
    );
}

#[tokio::test]
async fn members_are_added_once_and_removed_by_ref() {
    let g = Graph::demo().await;
    let group = g.id_by_name("groups", "SG-CA-Exclude-MFA-Temporary").await;
    let user = g
        .get("/v1.0/users?$top=1&$filter=startswith(displayName,'Megan')")
        .await
        .body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let add =
        json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{user}")});
    assert_eq!(
        g.post(&format!("/v1.0/groups/{group}/members/$ref"), add.clone())
            .await
            .status,
        204
    );
    let again = g
        .post(&format!("/v1.0/groups/{group}/members/$ref"), add)
        .await;
    assert_eq!(again.status, 400);
    assert!(again.error_message().contains("already exist"));
    let ghost = json!({"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/00000000-0000-4000-8000-000000000001"});
    assert_eq!(
        g.post(&format!("/v1.0/groups/{group}/members/$ref"), ghost)
            .await
            .status,
        404
    );
    let (members, _) = g.get_all(&format!("/v1.0/groups/{group}/members")).await;
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["@odata.type"], "#microsoft.graph.user");
    assert_eq!(
        g.delete(&format!("/v1.0/groups/{group}/members/{user}/$ref"))
            .await
            .status,
        204
    );
    assert_eq!(
        g.delete(&format!("/v1.0/groups/{group}/members/{user}/$ref"))
            .await
            .status,
        404
    );

    // members@odata.bind adds up to 20 at once.
    let (users, _) = g.get_all("/v1.0/users?$top=25&$select=id").await;
    let binds: Vec<String> = users
        .iter()
        .take(21)
        .map(|u| {
            format!(
                "https://graph.microsoft.com/v1.0/directoryObjects/{}",
                u["id"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        g.patch(
            &format!("/v1.0/groups/{group}"),
            json!({"members@odata.bind": binds})
        )
        .await
        .status,
        400,
        "21 is too many"
    );
    assert_eq!(
        g.patch(
            &format!("/v1.0/groups/{group}"),
            json!({"members@odata.bind": binds[..20]})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        g.get_all(&format!("/v1.0/groups/{group}/members/$ref"))
            .await
            .0
            .len(),
        20
    );
}

#[tokio::test]
async fn a_secret_is_shown_once_and_only_its_hint_is_readable() {
    let g = Graph::demo().await;
    let app = g.get("/v1.0/applications?$top=1").await.body["value"][0].clone();
    let id = app["id"].as_str().unwrap();
    let before = app["passwordCredentials"].as_array().unwrap().len();
    let r = g
        .post(
            &format!("/v1.0/applications/{id}/addPassword"),
            json!({"passwordCredential": {"displayName": "attacker"}}),
        )
        .await;
    assert_eq!(r.status, 200);
    let secret = r.body["secretText"].as_str().unwrap().to_string();
    assert!(secret.len() >= 32);
    let after = g.get(&format!("/v1.0/applications/{id}")).await.body;
    let creds = after["passwordCredentials"].as_array().unwrap();
    assert_eq!(creds.len(), before + 1);
    let added = creds
        .iter()
        .find(|c| c["displayName"] == "attacker")
        .unwrap();
    assert!(added["secretText"].is_null());
    assert_eq!(added["hint"], &secret[..3]);
    assert!(
        !after.to_string().contains(&secret),
        "the secret is never readable again"
    );
    let key_id = added["keyId"].as_str().unwrap();
    assert_eq!(
        g.post(
            &format!("/v1.0/applications/{id}/removePassword"),
            json!({"keyId": key_id})
        )
        .await
        .status,
        204
    );
    let creds = g.get(&format!("/v1.0/applications/{id}")).await.body["passwordCredentials"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(creds, before);
}

#[tokio::test]
async fn authentication_strengths_change_only_through_their_action_and_built_ins_never() {
    let g = Graph::demo().await;
    let base = "/v1.0/identity/conditionalAccess/authenticationStrength/policies";
    let r = g
        .post(
            &format!("{base}/00000000-0000-0000-0000-000000000004/updateAllowedCombinations"),
            json!({"allowedCombinations": ["sms"]}),
        )
        .await;
    assert_eq!(r.status, 400, "built-in strengths are read-only");
    let custom = g
        .id_by_name(
            "identity/conditionalAccess/authenticationStrength/policies",
            "Contoso Passwordless + TAP",
        )
        .await;
    let r = g
        .patch(
            &format!("{base}/{custom}"),
            json!({"allowedCombinations": ["sms"]}),
        )
        .await;
    assert_eq!(r.status, 400, "allowedCombinations is not PATCHable");
    let r = g
        .post(
            &format!("{base}/{custom}/updateAllowedCombinations"),
            json!({"allowedCombinations": ["fido2", "password,sms"]}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["currentCombinations"],
        json!(["fido2", "password,sms"])
    );
    assert_eq!(
        g.get(&format!("{base}/{custom}")).await.body["allowedCombinations"],
        json!(["fido2", "password,sms"])
    );
}

#[tokio::test]
async fn singletons_and_method_configurations_are_patched_as_graph_allows() {
    let g = Graph::demo().await;
    let r = g
        .patch(
            "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms",
            json!({"state": "enabled"}),
        )
        .await;
    assert_eq!(r.status, 400, "@odata.type is required");
    let r = g
        .patch("/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms", json!({"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", "state": "enabled"}))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        g.get("/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms")
            .await
            .body["state"],
        "enabled"
    );
    let r = g
        .patch(
            "/v1.0/policies/authorizationPolicy",
            json!({"allowInvitesFrom": "everyone", "nonsense": 1}),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = g
        .patch(
            "/v1.0/policies/authorizationPolicy",
            json!({"allowInvitesFrom": "adminsAndGuestInviters"}),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        g.get("/v1.0/policies/authorizationPolicy").await.body["allowInvitesFrom"],
        "adminsAndGuestInviters"
    );
    let r = g.patch("/v1.0/policies/crossTenantAccessPolicy/default", json!({"inboundTrust": {"isMfaAccepted": true, "isCompliantDeviceAccepted": false, "isHybridAzureADJoinedDeviceAccepted": false}})).await;
    assert_eq!(r.status, 204);
    let d = g
        .get("/v1.0/policies/crossTenantAccessPolicy/default")
        .await
        .body;
    assert_eq!(d["inboundTrust"]["isMfaAccepted"], true);
    assert_eq!(d["isServiceDefault"], false);
    assert_eq!(
        g.post(
            "/v1.0/policies/crossTenantAccessPolicy/default/resetToSystemDefault",
            json!({})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        g.get("/v1.0/policies/crossTenantAccessPolicy/default")
            .await
            .body["inboundTrust"]["isMfaAccepted"],
        false
    );
}

#[tokio::test]
async fn role_assignments_need_a_real_principal_and_role() {
    let g = Graph::demo().await;
    let user = g
        .get("/v1.0/users/lee.gu@contoso.onmicrosoft.com")
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ga = "62e90394-69f5-4237-9190-012177145e10";
    let path = "/v1.0/roleManagement/directory/roleAssignments";
    let r = g
        .post(
            path,
            json!({"principalId": user, "roleDefinitionId": ga, "directoryScopeId": "/"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        g.post(
            path,
            json!({"principalId": user, "roleDefinitionId": ga, "directoryScopeId": "/"})
        )
        .await
        .status,
        409
    );
    assert_eq!(g.post(path, json!({"principalId": "00000000-0000-4000-8000-000000000009", "roleDefinitionId": ga, "directoryScopeId": "/"})).await.status, 400);
    let plain = g.id_by_name("groups", "SG-CA-Pilot").await;
    assert_eq!(
        g.post(
            path,
            json!({"principalId": plain, "roleDefinitionId": ga, "directoryScopeId": "/"})
        )
        .await
        .status,
        400,
        "not role-assignable"
    );
    let r = g
        .get(&format!("{path}?$filter=principalId eq '{user}'"))
        .await;
    assert_eq!(
        r.body["value"].as_array().unwrap().len(),
        3,
        "Security Administrator, Conditional Access Administrator and now Global Administrator: {}",
        r.body
    );
}

/// Ids the emulator generates while running differ per process, as Graph's
/// do, unless a runtime seed (`--seed-value`) pins them.
#[tokio::test]
async fn generated_ids_are_random_unless_pinned() {
    use entrasnap_sim::Config;
    async fn made(config: Config) -> (String, String, String) {
        let g = Graph::start(config).await;
        let r = g
            .post(
                "/v1.0/groups",
                json!({"displayName": "Generated", "mailEnabled": false, "mailNickname": "generated", "securityEnabled": true}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let app = g
            .post(
                "/v1.0/applications",
                json!({"displayName": "Generated app"}),
            )
            .await;
        let app_id = app.body["id"].as_str().unwrap().to_string();
        let secret = g
            .post(
                &format!("/v1.0/applications/{app_id}/addPassword"),
                json!({"passwordCredential": {"displayName": "s"}}),
            )
            .await;
        (
            r.body["id"].as_str().unwrap().to_string(),
            r.headers["request-id"].to_str().unwrap().to_string(),
            format!("{}|{}", secret.body["keyId"], secret.body["secretText"]),
        )
    }
    let (a, b) = (made(Config::default()).await, made(Config::default()).await);
    assert_ne!(a.0, b.0, "object ids repeat across processes");
    assert_ne!(a.1, b.1, "request ids repeat");
    assert_ne!(a.2, b.2, "key ids and secrets repeat");
    let pinned = || Config {
        runtime_seed: Some(5),
        ..Config::default()
    };
    assert_eq!(made(pinned()).await, made(pinned()).await);
}
