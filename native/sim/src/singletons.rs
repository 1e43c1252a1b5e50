//! Tenant-wide policy singletons: authorization policy, authentication methods
//! policy (with its method configurations inline), cross-tenant access policy
//! and its default configuration.

use serde_json::{Map, Value};

use crate::error::{GraphError, GraphResult};
use crate::kind::Kind;
use crate::project::project;
use crate::request::{GraphRequest, GraphResponse};
use crate::route::Singleton;
use crate::sim::{Sim, now};

fn read_only(s: Singleton) -> &'static [&'static str] {
    match s {
        Singleton::AuthenticationMethodsPolicy => &[
            "id",
            "lastModifiedDateTime",
            "policyVersion",
            "authenticationMethodConfigurations",
        ],
        Singleton::CrossTenantAccessPolicyDefault => &["id", "isServiceDefault"],
        _ => &["id"],
    }
}

fn body(sim: &Sim, req: &GraphRequest, s: Singleton) -> GraphResult<Value> {
    let t = sim.read();
    let obj = t
        .singletons
        .get(s.key())
        .ok_or_else(|| GraphError::not_found(s.key()))?;
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        Value::String(format!("{}/$metadata#{}", req.root(), s.context())),
    );
    out.extend(obj.clone());
    if s == Singleton::AuthenticationMethodsPolicy {
        let kind = Kind::AuthenticationMethodConfiguration;
        let configs: Vec<Value> = t
            .collection(kind)
            .into_iter()
            .flatten()
            .map(|(_, c)| Value::Object(project(kind.info(), c, None, true)))
            .collect();
        out.insert(
            "authenticationMethodConfigurations".into(),
            Value::Array(configs),
        );
    }
    Ok(Value::Object(out))
}

pub fn get(sim: &Sim, req: &GraphRequest, s: Singleton) -> GraphResult<GraphResponse> {
    Ok(GraphResponse::ok(body(sim, req, s)?))
}

pub fn update(sim: &Sim, req: &GraphRequest, s: Singleton) -> GraphResult<GraphResponse> {
    let patch = match &req.body {
        Some(Value::Object(o)) => o.clone(),
        _ => {
            return Err(GraphError::bad_request(
                "Empty Payload. JSON content expected.",
            ));
        }
    };
    {
        let mut t = sim.write();
        let current = t
            .singletons
            .get(s.key())
            .cloned()
            .ok_or_else(|| GraphError::not_found(s.key()))?;
        for (k, v) in &patch {
            if k == "@odata.type" {
                continue;
            }
            if k.starts_with('@') || k.contains("@odata.") {
                return Err(GraphError::read_only(k));
            }
            if !current.contains_key(k) {
                return Err(GraphError::unknown_property(k));
            }
            if read_only(s).contains(&k.as_str()) && current.get(k) != Some(v) {
                return Err(GraphError::read_only(k));
            }
        }
        let obj = t.singletons.get_mut(s.key()).expect("checked");
        for (k, v) in patch {
            if k != "@odata.type" {
                obj.insert(k, v);
            }
        }
        match s {
            Singleton::CrossTenantAccessPolicyDefault => {
                obj.insert("isServiceDefault".into(), Value::Bool(false));
            }
            Singleton::AuthenticationMethodsPolicy => {
                obj.insert("lastModifiedDateTime".into(), Value::String(now()));
            }
            _ => {}
        }
        t.version += 1;
    }
    if s == Singleton::AuthenticationMethodsPolicy {
        // Graph answers this one with the updated policy.
        return Ok(GraphResponse::ok(body(sim, req, s)?));
    }
    Ok(GraphResponse::no_content())
}

pub fn reset_cross_tenant_default(sim: &Sim) -> GraphResult<GraphResponse> {
    let defaults = crate::builtin::defaults();
    let mut t = sim.write();
    t.singletons.insert(
        Singleton::CrossTenantAccessPolicyDefault.key().into(),
        defaults.cross_tenant_default.clone(),
    );
    t.version += 1;
    Ok(GraphResponse::no_content())
}
