//! `/directoryRoles`: the directory roles activated in the tenant, derived from
//! the role assignments. A role is activated once something is assigned to it
//! tenant-wide (`directoryScopeId` "/"); Global Administrator always is
//! (microsoft-graph-docs-contrib `resources/directoryroletemplate.md`: "By
//! default, only the Company Administrator directory role is activated").

use std::collections::{BTreeMap, BTreeSet};

use entrasnap_core::wellknown::GLOBAL_ADMINISTRATOR_ROLE_ID;
use serde_json::{Value, json};

use crate::error::{GraphError, GraphResult};
use crate::kind::Kind;
use crate::links;
use crate::request::{GraphRequest, GraphResponse};
use crate::sim::Sim;
use crate::tenant::Tenant;

/// A directory role's own object id: tenant-specific and never its template id,
/// as in Graph. Derived from both so it is stable across runs of a seed.
fn role_id(t: &Tenant, template: &str) -> String {
    let mix: Vec<u8> = t.tenant_id.bytes().filter(u8::is_ascii_hexdigit).collect();
    let mut i = 0;
    template
        .chars()
        .map(|c| match c.to_digit(16) {
            Some(d) => {
                let m = mix
                    .get(i % mix.len().max(1))
                    .and_then(|b| (*b as char).to_digit(16))
                    .unwrap_or(5);
                i += 1;
                // The version nibble (position 12) stays 4 so the id keeps its GUID shape.
                if i == 13 {
                    '4'
                } else {
                    char::from_digit((d ^ m ^ 0xA) & 0xF, 16).unwrap_or('0')
                }
            }
            None => c,
        })
        .collect()
}

/// template id -> the role definition behind it.
fn definition<'a>(t: &'a Tenant, role: &str) -> Option<&'a serde_json::Map<String, Value>> {
    t.collection(Kind::RoleDefinition)?
        .iter()
        .find_map(|(id, r)| {
            let template = r.get("templateId").and_then(Value::as_str).unwrap_or(id);
            (id.eq_ignore_ascii_case(role) || template.eq_ignore_ascii_case(role)).then_some(r)
        })
}

/// Activated roles: template id -> the principals assigned to it tenant-wide.
fn activated(t: &Tenant) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    out.entry(GLOBAL_ADMINISTRATOR_ROLE_ID.to_string())
        .or_default();
    for a in t
        .collection(Kind::RoleAssignment)
        .into_iter()
        .flatten()
        .map(|(_, a)| a)
    {
        let s = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or_default();
        if s("directoryScopeId") != "/" {
            continue;
        }
        let Some(def) = definition(t, s("roleDefinitionId")) else {
            continue;
        };
        let template = def
            .get("templateId")
            .and_then(Value::as_str)
            .unwrap_or(s("roleDefinitionId"))
            .to_string();
        out.entry(template)
            .or_default()
            .insert(s("principalId").to_string());
    }
    out
}

fn role_json(t: &Tenant, template: &str) -> Value {
    let def = definition(t, template);
    let field = |k: &str| def.and_then(|d| d.get(k)).cloned().unwrap_or(Value::Null);
    json!({
        "id": role_id(t, template),
        "deletedDateTime": null,
        "description": field("description"),
        "displayName": field("displayName"),
        "roleTemplateId": template,
    })
}

/// The template id of the activated role with this object id (or template id).
fn find(t: &Tenant, id: &str) -> Option<(String, BTreeSet<String>)> {
    activated(t)
        .into_iter()
        .find(|(template, _)| role_id(t, template) == id || template.eq_ignore_ascii_case(id))
}

pub fn list(sim: &Sim, req: &GraphRequest) -> GraphResult<GraphResponse> {
    let t = sim.read();
    let value: Vec<Value> = activated(&t)
        .keys()
        .map(|template| role_json(&t, template))
        .collect();
    Ok(GraphResponse::ok(json!({
        "@odata.context": format!("{}/$metadata#directoryRoles", req.root()),
        "value": value,
    })))
}

pub fn get(sim: &Sim, req: &GraphRequest, id: &str) -> GraphResult<GraphResponse> {
    let t = sim.read();
    let (template, _) = find(&t, id).ok_or_else(|| GraphError::not_found(id))?;
    let mut v = role_json(&t, &template);
    v["@odata.context"] = json!(format!("{}/$metadata#directoryRoles/$entity", req.root()));
    Ok(GraphResponse::ok(v))
}

pub fn members(sim: &Sim, req: &GraphRequest, id: &str) -> GraphResult<GraphResponse> {
    let t = sim.read();
    let (_, members) = find(&t, id).ok_or_else(|| GraphError::not_found(id))?;
    links::page_of(&t, req, Kind::User, &members, None, false)
}
