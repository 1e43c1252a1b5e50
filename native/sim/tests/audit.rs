//! The directory audit log, pinned to Graph's documented `directoryAudit`
//! shape: an event per applied write, the actor from the token, filters,
//! paging, delay, retention and the AuditLog.Read.All permission.

use serde_json::{Value, json};

use crate::util::Graph;

const LOG: &str = "/v1.0/auditLogs/directoryAudits";

fn admin() -> String {
    Graph::jwt(json!({
        "oid": "a0a0a0a0-1111-4222-8333-444444444444",
        "upn": "mallory@contoso.onmicrosoft.com",
        "name": "Mallory Admin",
        "appid": "14d82eec-204b-4c2f-b7e8-296a70dab67e",
    }))
}

fn app_token(roles: &[&str]) -> String {
    Graph::jwt(json!({
        "oid": "5p5p5p5p-0000-4000-8000-000000000001",
        "appid": "7e7e7e7e-0000-4000-8000-0000000000aa",
        "app_displayname": "HR Sync",
        "idtyp": "app",
        "roles": roles,
    }))
}

async fn events(g: &Graph, query: &str) -> Vec<Value> {
    let (items, _) = g.get_all(&format!("{LOG}{query}")).await;
    items
}

fn quote(s: &str) -> String {
    s.replace('\'', "''")
}

#[tokio::test]
async fn a_ca_policy_update_is_logged_as_graph_logs_it_with_the_tokens_user() {
    let g = Graph::demo().await;
    let policy = g
        .get("/v1.0/identity/conditionalAccess/policies?$filter=startswith(displayName,'CA001')")
        .await
        .body["value"][0]
        .clone();
    let id = policy["id"].as_str().unwrap();
    let token = admin();
    let r = g
        .call(
            reqwest::Method::PATCH,
            &format!("/v1.0/identity/conditionalAccess/policies/{id}"),
            Some(json!({"state": "disabled"})),
            &[
                ("authorization", &token),
                ("client-request-id", "c0ffee00-0000-4000-8000-000000000001"),
            ],
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);

    let found = events(
        &g,
        "?$filter=activityDisplayName eq 'Update conditional access policy'",
    )
    .await;
    assert_eq!(found.len(), 1, "{found:?}");
    let e = &found[0];
    assert!(e["id"].as_str().unwrap().starts_with("Directory_"));
    assert_eq!(e["category"], "Policy");
    assert_eq!(e["loggedByService"], "Conditional Access");
    assert_eq!(e["operationType"], "Update");
    assert_eq!(e["result"], "success");
    assert_eq!(e["correlationId"], "c0ffee00-0000-4000-8000-000000000001");
    let at = e["activityDateTime"].as_str().unwrap();
    assert_eq!(at.len(), "2018-01-09T21:20:02.7215374Z".len(), "{at}");
    assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok());
    assert_eq!(
        e["initiatedBy"]["user"]["userPrincipalName"],
        "mallory@contoso.onmicrosoft.com"
    );
    assert_eq!(
        e["initiatedBy"]["user"]["id"],
        "a0a0a0a0-1111-4222-8333-444444444444"
    );
    assert_eq!(e["initiatedBy"]["user"]["displayName"], "Mallory Admin");
    assert!(e["initiatedBy"]["app"].is_null());
    let t = &e["targetResources"][0];
    assert_eq!(t["id"], id);
    assert_eq!(t["type"], "Policy");
    assert_eq!(t["displayName"], policy["displayName"]);
    let p = &t["modifiedProperties"][0];
    assert_eq!(p["displayName"], "ConditionalAccessPolicy");
    // Values are JSON in strings: the whole policy before and after.
    let old: Value = serde_json::from_str(p["oldValue"].as_str().unwrap()).unwrap();
    let new: Value = serde_json::from_str(p["newValue"].as_str().unwrap()).unwrap();
    assert_eq!(old["state"], "enabled");
    assert_eq!(new["state"], "disabled");

    // A PATCH that changes nothing logs nothing; a POST that only reads neither.
    g.patch(
        &format!("/v1.0/identity/conditionalAccess/policies/{id}"),
        json!({"state": "disabled"}),
    )
    .await;
    g.post(
        "/v1.0/directoryObjects/getByIds",
        json!({"ids": [id], "types": ["user"]}),
    )
    .await;
    assert_eq!(events(&g, "").await.len(), 1);
}

#[tokio::test]
async fn directory_objects_are_logged_property_by_property_and_secrets_never() {
    let g = Graph::demo().await;
    let user = g
        .get("/v1.0/users?$top=1&$select=id,department,userPrincipalName")
        .await
        .body["value"][0]
        .clone();
    let uid = user["id"].as_str().unwrap();
    g.patch(
        &format!("/v1.0/users/{uid}"),
        json!({"department": "Corrupted By Sync", "jobTitle": "Nobody"}),
    )
    .await;
    let e = &events(&g, "?$filter=activityDisplayName eq 'Update user'").await[0];
    assert_eq!(e["category"], "UserManagement");
    assert_eq!(e["loggedByService"], "Core Directory");
    let t = &e["targetResources"][0];
    assert_eq!(t["type"], "User");
    assert_eq!(t["userPrincipalName"], user["userPrincipalName"]);
    let props: Vec<(String, Value, Value)> = t["modifiedProperties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["displayName"].as_str().unwrap().to_string(),
                p["oldValue"].clone(),
                p["newValue"].clone(),
            )
        })
        .collect();
    let department = props.iter().find(|p| p.0 == "Department").unwrap();
    assert_eq!(
        department.1,
        json!(serde_json::to_string(&json!([user["department"]])).unwrap())
    );
    assert_eq!(department.2, json!("[\"Corrupted By Sync\"]"));
    let included = props
        .iter()
        .find(|p| p.0 == "Included Updated Properties")
        .unwrap();
    assert_eq!(included.2, json!("\"Department, JobTitle\""));

    // A new user's password is write-only: never in the log.
    let r = g
        .post(
            "/v1.0/users",
            json!({
                "accountEnabled": true,
                "displayName": "Eve Backdoor",
                "mailNickname": "eve",
                "userPrincipalName": "eve@contoso.onmicrosoft.com",
                "passwordProfile": {"password": "S3cret-Never-Logged!", "forceChangePasswordNextSignIn": false},
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let added = events(&g, "?$filter=activityDisplayName eq 'Add user'").await;
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["operationType"], "Add");
    assert!(!added[0].to_string().contains("S3cret-Never-Logged!"));

    // A secret added to an app: the key's id and name, never its value.
    let app = g.get("/v1.0/applications?$top=1").await.body["value"][0].clone();
    let aid = app["id"].as_str().unwrap();
    let r = g
        .post(
            &format!("/v1.0/applications/{aid}/addPassword"),
            json!({"passwordCredential": {"displayName": "backdoor"}}),
        )
        .await;
    let secret = r.body["secretText"].as_str().unwrap().to_string();
    let key = r.body["keyId"].as_str().unwrap().to_string();
    let e = &events(
        &g,
        "?$filter=startswith(activityDisplayName,'Update application')",
    )
    .await[0];
    assert_eq!(
        e["activityDisplayName"],
        "Update application \u{2013} Certificates and secrets management"
    );
    let p = &e["targetResources"][0]["modifiedProperties"][0];
    assert_eq!(p["displayName"], "KeyDescription");
    assert!(p["newValue"].as_str().unwrap().contains(&key));
    assert!(
        p["newValue"]
            .as_str()
            .unwrap()
            .contains("DisplayName=backdoor")
    );
    assert!(!p["oldValue"].as_str().unwrap().contains(&key));
    assert!(!g.get(LOG).await.body.to_string().contains(&secret));
}

#[tokio::test]
async fn batch_sub_requests_are_logged_one_by_one_with_the_apps_identity() {
    let g = Graph::demo().await;
    let gid = g.id_by_name("groups", "SG-CA-Exclude-MFA-Temporary").await;
    let users = g.get("/v1.0/users?$top=3&$select=id").await.body["value"].clone();
    let ids: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    let requests: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, u)| {
            json!({
                "id": i.to_string(),
                "method": "POST",
                "url": format!("/groups/{gid}/members/$ref"),
                "headers": {"Content-Type": "application/json"},
                "body": {"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{u}")},
            })
        })
        .collect();
    let token = app_token(&["GroupMember.ReadWrite.All", "AuditLog.Read.All"]);
    let r = g
        .call(
            reqwest::Method::POST,
            "/v1.0/$batch",
            Some(json!({"requests": requests})),
            &[("authorization", &token)],
        )
        .await;
    assert_eq!(r.status, 200);
    let added = events(
        &g,
        &format!(
            "?$filter=targetResources/any(t: t/id eq '{}') and activityDisplayName eq 'Add member to group'",
            quote(&gid)
        ),
    )
    .await;
    assert_eq!(added.len(), 3, "{added:?}");
    for e in &added {
        assert_eq!(e["category"], "GroupManagement");
        assert_eq!(e["operationType"], "Assign");
        assert_eq!(
            e["initiatedBy"]["app"]["appId"],
            "7e7e7e7e-0000-4000-8000-0000000000aa"
        );
        assert_eq!(e["initiatedBy"]["app"]["displayName"], "HR Sync");
        assert!(e["initiatedBy"]["user"].is_null());
        let member = &e["targetResources"][0];
        assert!(ids.contains(&member["id"].as_str().unwrap()));
        assert_eq!(member["type"], "User");
        assert_eq!(
            member["modifiedProperties"][0]["displayName"],
            "Group.ObjectID"
        );
        assert_eq!(
            member["modifiedProperties"][0]["newValue"],
            json!(format!("\"{gid}\""))
        );
        assert_eq!(e["targetResources"][1]["id"], gid.as_str());
        assert_eq!(e["targetResources"][1]["type"], "Group");
    }
    // initiatedBy/user/id matches only users' events.
    let by_user = events(
        &g,
        "?$filter=initiatedBy/user/id eq 'a0a0a0a0-1111-4222-8333-444444444444'",
    )
    .await;
    assert!(by_user.is_empty());
    // Removing one is its own event.
    g.delete(&format!("/v1.0/groups/{gid}/members/{}/$ref", ids[0]))
        .await;
    let removed = events(
        &g,
        "?$filter=activityDisplayName eq 'Remove member from group'",
    )
    .await;
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["targetResources"][0]["id"], ids[0]);
}

#[tokio::test]
async fn newest_first_in_pages_filtered_by_time() {
    let g = Graph::demo().await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let users = g.get("/v1.0/users?$top=5&$select=id").await.body["value"].clone();
    for (i, u) in users.as_array().unwrap().iter().enumerate() {
        g.patch(
            &format!("/v1.0/users/{}", u["id"].as_str().unwrap()),
            json!({"jobTitle": format!("Title {i}")}),
        )
        .await;
    }
    let (all, pages) = g.get_all(&format!("{LOG}?$top=2")).await;
    assert_eq!(all.len(), 5);
    assert_eq!(pages, 3);
    let times: Vec<&str> = all
        .iter()
        .map(|e| e["activityDateTime"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    assert_eq!(
        all[0]["targetResources"][0]["id"], users[4]["id"],
        "the last write is listed first"
    );
    let since = before.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(
        events(&g, &format!("?$filter=activityDateTime ge {since}"))
            .await
            .len(),
        5
    );
    assert!(
        events(&g, &format!("?$filter=activityDateTime le {since}"))
            .await
            .is_empty()
    );
    let oldest_first = g
        .get(&format!("{LOG}?$orderby=activityDateTime asc&$top=1"))
        .await
        .body;
    assert_eq!(
        oldest_first["value"][0]["targetResources"][0]["id"],
        users[0]["id"]
    );
    assert_eq!(g.get(&format!("{LOG}?$top=1000")).await.status, 400);
}

#[tokio::test]
async fn the_log_needs_audit_log_read_all_and_honours_delay_and_retention() {
    let g = Graph::demo().await;
    let uid = g.get("/v1.0/users?$top=1&$select=id").await.body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    g.patch(&format!("/v1.0/users/{uid}"), json!({"jobTitle": "One"}))
        .await;
    let denied = g
        .call(
            reqwest::Method::GET,
            LOG,
            None,
            &[("authorization", &app_token(&["Directory.Read.All"]))],
        )
        .await;
    assert_eq!(denied.status, 403);
    assert_eq!(denied.error_code(), "Authorization_RequestDenied");
    let allowed = g
        .call(
            reqwest::Method::GET,
            LOG,
            None,
            &[("authorization", &app_token(&["AuditLog.Read.All"]))],
        )
        .await;
    assert_eq!(allowed.status, 200);
    assert_eq!(allowed.body["value"].as_array().unwrap().len(), 1);

    let control = |body: Value| {
        let http = g.http.clone();
        let url = format!("{}/_sim/audit", g.base);
        async move { http.post(url).json(&body).send().await.unwrap().status() }
    };
    // Graph's events come minutes late: with a delay, the newest is not listed yet.
    assert_eq!(control(json!({"delaySecs": 3600})).await, 204);
    g.patch(&format!("/v1.0/users/{uid}"), json!({"jobTitle": "Two"}))
        .await;
    assert!(events(&g, "").await.is_empty());
    assert_eq!(control(json!({"delaySecs": 0})).await, 204);
    assert_eq!(events(&g, "").await.len(), 2);
    // Past retention, nothing is listed.
    assert_eq!(control(json!({"retentionSecs": 0})).await, 204);
    assert!(events(&g, "").await.is_empty());
    assert_eq!(control(json!({})).await, 400);
    // The emulator's own view ignores both.
    let all: Value = g
        .http
        .get(format!("{}/_sim/audit", g.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all["value"].as_array().unwrap().len(), 2);
}

/// With an opaque token the actor is the tenant's `admin@` user, looked up
/// again whenever a user is renamed to or from that name.
#[tokio::test]
async fn the_default_actor_follows_renames_of_its_user() {
    let g = Graph::demo().await;
    let (users, _) = g.get_all("/v1.0/users?$select=id,userPrincipalName").await;
    let a = users[0]["id"].as_str().unwrap().to_string();
    let b = users[1]["id"].as_str().unwrap().to_string();
    let actor = |event: &Value| event["initiatedBy"]["user"].clone();
    let newest = || async { events(&g, "?$top=1").await.remove(0) };

    assert_eq!(
        g.patch(&format!("/v1.0/users/{a}"), json!({"department": "One"}))
            .await
            .status,
        204
    );
    let first = actor(&newest().await);
    let upn = first["userPrincipalName"].as_str().unwrap().to_string();
    assert!(upn.starts_with("admin@"), "{first}");
    // Whoever holds the name now gives it up; b takes it.
    if let Some(holder) = users
        .iter()
        .find(|u| u["userPrincipalName"].as_str() == Some(upn.as_str()))
    {
        let holder = holder["id"].as_str().unwrap();
        assert_eq!(first["id"].as_str(), Some(holder));
        let r = g
            .patch(
                &format!("/v1.0/users/{holder}"),
                json!({"userPrincipalName": format!("former-{upn}")}),
            )
            .await;
        assert_eq!(r.status, 204, "{}", r.body);
    }
    assert_eq!(
        g.patch(
            &format!("/v1.0/users/{b}"),
            json!({"userPrincipalName": upn.clone()})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        g.patch(&format!("/v1.0/users/{a}"), json!({"department": "Two"}))
            .await
            .status,
        204
    );
    assert_eq!(actor(&newest().await)["id"].as_str(), Some(b.as_str()));
    // b renamed away: nobody holds the name, the emulator's own admin acts.
    let r = g
        .patch(
            &format!("/v1.0/users/{b}"),
            json!({"userPrincipalName": format!("b-{upn}")}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        g.patch(&format!("/v1.0/users/{a}"), json!({"department": "Three"}))
            .await
            .status,
        204
    );
    let last = actor(&newest().await);
    assert_eq!(
        last["id"].as_str(),
        Some("00000000-0000-0000-0000-00000000ad01"),
        "{last}"
    );
    assert_eq!(last["userPrincipalName"].as_str(), Some(upn.as_str()));
}
