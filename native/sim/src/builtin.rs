//! What Microsoft puts in every new tenant: the organization, the policy
//! singletons, authentication method configurations, built-in directory roles,
//! built-in authentication strengths and the first-party service principals
//! that Conditional Access policies name.

use entrasnap_core::{graph_permissions, wellknown};
use serde_json::{Value, json};

use crate::kind::Kind;
use crate::rng::Rng;
use crate::tenant::{Obj, Tenant};

const TENANT_DEFAULTS: &str = include_str!("../data/tenant-defaults.json");

pub struct Defaults {
    pub organization: Obj,
    pub authorization_policy: Obj,
    pub authentication_methods_policy: Obj,
    pub method_configurations: Vec<Obj>,
    pub cross_tenant: Obj,
    pub cross_tenant_default: Obj,
}

fn obj(v: &Value, key: &str) -> Obj {
    v.get(key)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The defaults with this tenant's id, domain and creation time filled in.
pub fn defaults_for(tenant_id: &str, domain: &str, created: &str) -> Defaults {
    let text = TENANT_DEFAULTS
        .replace("{tenantId}", tenant_id)
        .replace("{domain}", domain)
        .replace("{createdDateTime}", created)
        .replace("{crossTenantAccessPolicyId}", tenant_id);
    let v: Value = serde_json::from_str(&text)
        .expect("data/tenant-defaults.json is valid JSON (checked by tests)");
    Defaults {
        organization: obj(&v, "organization"),
        authorization_policy: obj(&v, "authorizationPolicy"),
        authentication_methods_policy: obj(&v, "authenticationMethodsPolicy"),
        method_configurations: v
            .get("authenticationMethodConfigurations")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|c| c.as_object().cloned()).collect())
            .unwrap_or_default(),
        cross_tenant: obj(&v, "crossTenantAccessPolicy"),
        cross_tenant_default: obj(&v, "crossTenantAccessPolicyDefault"),
    }
}

/// The cross-tenant default configuration as Microsoft ships it (for resetToSystemDefault).
pub fn defaults() -> Defaults {
    defaults_for("", "", "")
}

fn o(v: Value) -> Obj {
    v.as_object().cloned().expect("object literal")
}

pub fn new_tenant(rng: &mut Rng, domain: &str, created: &str) -> Tenant {
    let tenant_id = rng.guid();
    let mut t = Tenant::new(tenant_id.clone(), domain.to_string());
    let d = defaults_for(&tenant_id, domain, created);
    let mut org = d.organization;
    org.insert("id".into(), json!(tenant_id));
    t.seed_insert(Kind::Organization, tenant_id.clone(), org);
    t.singletons
        .insert("authorizationPolicy".into(), d.authorization_policy);
    t.singletons.insert(
        "authenticationMethodsPolicy".into(),
        d.authentication_methods_policy,
    );
    t.singletons
        .insert("crossTenantAccessPolicy".into(), d.cross_tenant);
    t.singletons.insert(
        "crossTenantAccessPolicyDefault".into(),
        d.cross_tenant_default,
    );
    for c in d.method_configurations {
        let id = c
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        t.seed_insert(Kind::AuthenticationMethodConfiguration, id, c);
    }
    for r in wellknown::ROLE_TEMPLATES {
        t.seed_insert(
            Kind::RoleDefinition,
            r.id.to_string(),
            o(json!({
                "id": r.id,
                "description": format!("Built-in role: {}.", r.display_name),
                "displayName": r.display_name,
                "isBuiltIn": true,
                "isEnabled": true,
                "isPrivileged": r.privileged,
                "resourceScopes": ["/"],
                "rolePermissions": [{"allowedResourceActions": [], "condition": null}],
                "templateId": r.id,
                "version": "1",
            })),
        );
    }
    for s in wellknown::AUTH_STRENGTHS {
        t.seed_insert(
            Kind::AuthenticationStrengthPolicy,
            s.id.to_string(),
            o(json!({
                "id": s.id,
                "createdDateTime": "2021-12-01T00:00:00Z",
                "modifiedDateTime": "2021-12-01T00:00:00Z",
                "displayName": s.display_name,
                "description": s.description,
                "policyType": "builtIn",
                "requirementsSatisfied": "mfa",
                "allowedCombinations": s.allowed_combinations,
            })),
        );
    }
    for app in wellknown::FIRST_PARTY_APPS {
        let id = rng.guid();
        t.seed_insert(
            Kind::ServicePrincipal,
            id.clone(),
            o(json!({
                "id": id,
                "accountEnabled": true,
                "appDisplayName": app.display_name,
                "appId": app.app_id,
                "appOwnerOrganizationId": wellknown::MICROSOFT_TENANT_ID,
                "appRoleAssignmentRequired": false,
                "deletedDateTime": null,
                "displayName": app.display_name,
                "keyCredentials": [],
                "passwordCredentials": [],
                "servicePrincipalNames": [app.app_id],
                "servicePrincipalType": "Application",
                "signInAudience": "AzureADMultipleOrgs",
                "tags": [],
            })),
        );
        if app.app_id == graph_permissions::GRAPH_APP_ID {
            let sp = t.get_mut(Kind::ServicePrincipal, &id).expect("just made");
            sp.insert("oauth2PermissionScopes".into(), graph_scopes());
            sp.insert("appRoles".into(), graph_app_roles());
        }
    }
    t
}

/// Microsoft Graph's delegated permissions, as its service principal lists them.
fn graph_scopes() -> Value {
    let scopes: Vec<Value> = graph_permissions::DELEGATED
        .iter()
        .map(|s| {
            json!({
                "adminConsentDescription": format!("Allows the app to use {} on behalf of the signed-in user.", s.value),
                "adminConsentDisplayName": s.value,
                "id": s.id,
                "isEnabled": true,
                "type": if s.privileged { "Admin" } else { "User" },
                "userConsentDescription": null,
                "userConsentDisplayName": null,
                "value": s.value,
            })
        })
        .collect();
    Value::Array(scopes)
}

/// Microsoft Graph's application permissions (app roles).
fn graph_app_roles() -> Value {
    let roles: Vec<Value> = graph_permissions::APPLICATION
        .iter()
        .map(|r| {
            json!({
                "allowedMemberTypes": ["Application"],
                "description": format!("Allows the app to use {} without a signed-in user.", r.value),
                "displayName": r.value,
                "id": r.id,
                "isEnabled": true,
                "origin": "Application",
                "value": r.value,
            })
        })
        .collect();
    Value::Array(roles)
}
