use std::collections::HashSet;

use entrasnap_sim::Config;

use crate::util::Graph;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_page_to_the_end_at_999_and_1000_is_refused() {
    let g = Graph::start(Config {
        users: Some(5000),
        groups: Some(20),
        ..Default::default()
    })
    .await;
    let (users, pages) = g
        .get_all("/v1.0/users?$top=999&$select=id,displayName")
        .await;
    let expected = g.get("/v1.0/users/$count").await;
    assert_eq!(
        expected.status, 400,
        "$count needs ConsistencyLevel: eventual"
    );
    let count = g
        .call(
            reqwest::Method::GET,
            "/v1.0/users/$count",
            None,
            &[("ConsistencyLevel", "eventual")],
        )
        .await;
    let total = count.body.as_u64().expect("$count answers a bare number") as usize;
    assert_eq!(users.len(), total, "every user exactly once");
    assert_eq!(pages, total.div_ceil(999));
    let ids: HashSet<&str> = users.iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), total, "no duplicates across pages");

    let r = g.get("/v1.0/users?$top=1000").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "Request_UnsupportedQuery");
    assert_eq!(
        r.error_message(),
        "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."
    );

    // Default page size is 100.
    let r = g.get("/v1.0/users").await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 100);
    assert!(
        r.body["@odata.nextLink"]
            .as_str()
            .unwrap()
            .contains("$skiptoken=")
    );
}

#[tokio::test]
async fn users_return_the_default_property_set_unless_selected() {
    let g = Graph::demo().await;
    let r = g.get("/v1.0/users?$top=1").await;
    let user = r.body["value"][0].as_object().unwrap();
    let keys: HashSet<&str> = user.keys().map(String::as_str).collect();
    let default: HashSet<&str> = [
        "businessPhones",
        "displayName",
        "givenName",
        "id",
        "jobTitle",
        "mail",
        "mobilePhone",
        "officeLocation",
        "preferredLanguage",
        "surname",
        "userPrincipalName",
    ]
    .into();
    assert_eq!(keys, default);
    assert!(!keys.contains("department"));

    let r = g
        .get("/v1.0/users?$top=5&$select=id,department,employeeId,accountEnabled")
        .await;
    let first = r.body["value"][0].as_object().unwrap();
    assert_eq!(first.len(), 4);
    assert!(
        r.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["department"].is_string())
    );

    let r = g.get("/v1.0/users?$select=aboutMe").await;
    assert_eq!(r.status, 501, "aboutMe cannot be listed");
    let r = g.get("/v1.0/users?$select=favouriteColour").await;
    assert_eq!(r.status, 400);
    assert!(r.error_message().contains("favouriteColour"));
    let r = g.get("/v1.0/users?$frobnicate=1").await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn filters_match_as_graph_does() {
    let g = Graph::demo().await;
    let r = g
        .get("/v1.0/users?$filter=startswith(displayName,'break glass')&$select=displayName")
        .await;
    let names: Vec<&str> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "case-insensitive startswith: {names:?}");

    let r = g
        .get("/v1.0/users?$filter=department in ('Sales','Finance')&$select=department&$top=999")
        .await;
    let depts: HashSet<&str> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["department"].as_str().unwrap())
        .collect();
    assert_eq!(depts, ["Sales", "Finance"].into());

    let r = g.get("/v1.0/users?$filter=department ne 'Sales'").await;
    assert_eq!(r.status, 400, "ne is an advanced query");
    let r = g
        .call(
            reqwest::Method::GET,
            "/v1.0/users?$filter=department ne 'Sales'&$count=true&$select=department",
            None,
            &[("ConsistencyLevel", "eventual")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body["@odata.count"].as_u64().unwrap() > 0);
    assert!(
        r.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["department"] != "Sales")
    );

    let r = g.get("/v1.0/users?$filter=displayName eq").await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn headers_echo_request_ids_and_errors_have_graphs_shape() {
    let g = Graph::demo().await;
    let r = g
        .call(
            reqwest::Method::GET,
            "/v1.0/users/00000000-dead-beef-0000-000000000000",
            None,
            &[("client-request-id", "abc-123")],
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.headers["client-request-id"], "abc-123");
    assert!(r.headers.contains_key("request-id"));
    assert_eq!(r.error_code(), "Request_ResourceNotFound");
    assert_eq!(
        r.body["error"]["innerError"]["client-request-id"],
        "abc-123"
    );
    assert!(r.body["error"]["innerError"]["date"].is_string());

    let r = g
        .http
        .get(format!("{}/v1.0/users", g.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "no bearer token");

    // A user can be addressed by userPrincipalName too.
    let r = g
        .get("/v1.0/users/breakglass.admin1@contoso.onmicrosoft.com?$select=displayName")
        .await;
    assert_eq!(r.body["displayName"], "Break Glass Admin 1");
}

#[tokio::test]
async fn tenant_starts_as_microsoft_creates_one() {
    let g = Graph::start(Config {
        seed: entrasnap_sim::Seed::None,
        ..Default::default()
    })
    .await;
    let (users, _) = g.get_all("/v1.0/users").await;
    assert!(users.is_empty());
    for path in [
        "/v1.0/policies/authorizationPolicy",
        "/v1.0/policies/authenticationMethodsPolicy",
        "/v1.0/policies/crossTenantAccessPolicy/default",
    ] {
        assert_eq!(g.get(path).await.status, 200, "{path}");
    }
    let methods = g
        .get("/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations")
        .await;
    let ids: HashSet<&str> = methods.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    for m in [
        "Sms",
        "Voice",
        "Email",
        "Fido2",
        "MicrosoftAuthenticator",
        "TemporaryAccessPass",
        "X509Certificate",
        "SoftwareOath",
    ] {
        assert!(ids.contains(m), "{m} in {ids:?}");
    }
    let strengths = g
        .get("/v1.0/identity/conditionalAccess/authenticationStrength/policies")
        .await;
    let ids: HashSet<&str> = strengths.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    for id in [
        "00000000-0000-0000-0000-000000000002",
        "00000000-0000-0000-0000-000000000003",
        "00000000-0000-0000-0000-000000000004",
    ] {
        assert!(ids.contains(id));
    }
    let ga = g
        .get("/v1.0/roleManagement/directory/roleDefinitions/62e90394-69f5-4237-9190-012177145e10")
        .await;
    assert_eq!(ga.body["displayName"], "Global Administrator");
    assert_eq!(ga.body["isBuiltIn"], true);
    let exo = g
        .get("/v1.0/servicePrincipals?$filter=appId eq '00000002-0000-0ff1-ce00-000000000000'")
        .await;
    assert_eq!(
        exo.body["value"].as_array().unwrap().len(),
        1,
        "Exchange Online's service principal exists"
    );
    let org = g.get("/v1.0/organization").await;
    assert_eq!(org.body["value"].as_array().unwrap().len(), 1);
}
