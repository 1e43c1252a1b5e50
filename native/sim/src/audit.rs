//! The directory audit log, as Graph serves it at `/auditLogs/directoryAudits`:
//! one event for every write the emulator applies (each `$batch` sub-request
//! too), initiated by whoever the bearer token names, with the old and new
//! value of every property the write changed.
//!
//! Shapes follow Graph's `directoryAudit` resource and Microsoft's list of
//! audit activities ("Microsoft Entra audit log categories and activities"):
//! directory objects are logged by `Core Directory` with PascalCase property
//! names and values as JSON arrays in strings (`"[\"Sales\"]"`) plus an
//! `Included Updated Properties` entry; Conditional Access policies and named
//! locations by `Conditional Access`, with the whole object before and after
//! as one property. Events appear `delay` after the write (Graph's are minutes
//! late) and are kept for `retention` (30 days, as with Entra ID P1/P2).

use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use crate::error::{GraphError, GraphResult};
use crate::filter::Filter;
use crate::kind::{Kind, Rel};
use crate::request::{GraphRequest, GraphResponse};
use crate::route::{Route, Singleton};
use crate::sim::Sim;
use crate::tenant::{ChangeWhat, Obj, Tenant};

/// What the audit log keeps and when events show.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    /// How long after a write its event is listed.
    pub delay: Duration,
    /// Events older than this are no longer listed.
    pub retention: Duration,
    /// The user principal name an opaque (non-JWT) token acts as.
    pub default_actor: Option<String>,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            delay: Duration::ZERO,
            retention: Duration::from_secs(30 * 86_400),
            default_actor: None,
        }
    }
}

struct Logged {
    seq: u64,
    at: DateTime<Utc>,
    event: Map<String, Value>,
}

/// The events, oldest first, and the delay and retention they are listed
/// with (changeable while running, through `POST /_sim/audit`).
pub struct AuditLog {
    events: Mutex<Vec<Logged>>,
    window: Mutex<(Duration, Duration)>,
    /// Where the default actor was last looked for: a scan of every user on
    /// each write made a PATCH on the 100k-user tenant take 300 ms.
    default_actor: Mutex<Option<ActorLookup>>,
}

/// The default actor's user as found at a tenant version.
#[derive(Clone)]
struct ActorLookup {
    upn: String,
    version: u64,
    users: usize,
    id: Option<String>,
}

impl AuditLog {
    pub fn new(config: &AuditConfig) -> AuditLog {
        AuditLog {
            events: Mutex::new(Vec::new()),
            window: Mutex::new((config.delay, config.retention)),
            default_actor: Mutex::new(None),
        }
    }

    /// Sets the delay and retention (`None` keeps the current one).
    pub fn set_window(&self, delay: Option<Duration>, retention: Option<Duration>) {
        let mut w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(d) = delay {
            w.0 = d;
        }
        if let Some(r) = retention {
            w.1 = r;
        }
    }

    fn window(&self) -> (Duration, Duration) {
        *self.window.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, at: DateTime<Utc>, event: Map<String, Value>) {
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        let seq = events.last().map_or(1, |l| l.seq + 1);
        events.push(Logged { seq, at, event });
    }

    /// Every event recorded so far, delay and retention ignored (`/_sim/audit`).
    pub fn all(&self) -> Vec<Value> {
        let events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        events
            .iter()
            .map(|l| Value::Object(l.event.clone()))
            .collect()
    }

    pub fn clear(&self) {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// The state a write started from, taken before it runs.
pub struct Pending {
    version: u64,
    before: Option<Obj>,
    /// For link writes: the member's object before (for its name and type).
    member: Option<(Kind, Obj)>,
}

/// Whether a request is a write the log records (reads sent as POST are not).
fn audited(req: &GraphRequest, route: &Route) -> bool {
    req.is_write() && !matches!(route, Route::Batch | Route::GetByIds)
}

/// Takes what the event will need from before the write.
pub fn begin(sim: &Sim, req: &GraphRequest, route: &Route) -> Option<Pending> {
    if !audited(req, route) {
        return None;
    }
    let t = sim.read();
    let obj = |k: Kind, id: &str| t.get(k, id).cloned();
    let deleted = |k: Kind, id: &str| t.deleted_object(k, id).map(|d| d.object.clone());
    let before = match route {
        Route::Item(k, id) | Route::Action { kind: k, id, .. } => obj(*k, id),
        Route::Links { kind, id, .. } | Route::LinkRef { kind, id, .. } => obj(*kind, id),
        Route::Manager { id, .. } => obj(Kind::User, id),
        Route::Singleton(s) => t.singletons.get(s.key()).cloned(),
        Route::CrossTenantReset => t
            .singletons
            .get(Singleton::CrossTenantAccessPolicyDefault.key())
            .cloned(),
        Route::DeletedItem(id) | Route::DeletedRestore(id) => {
            t.kind_of(id).and_then(|k| deleted(k, id))
        }
        Route::CaDeletedItem(k, id) | Route::CaDeletedRestore(k, id) => deleted(*k, id),
        _ => None,
    };
    let member = match route {
        Route::LinkRef { target, .. } => t.kind_of(target).and_then(|k| Some((k, obj(k, target)?))),
        Route::Links { .. } => {
            member_id(req).and_then(|m| t.kind_of(&m).and_then(|k| Some((k, obj(k, &m)?))))
        }
        // The manager it had, for the old value.
        Route::Manager { id, .. } => t
            .manager
            .get(id)
            .and_then(|m| obj(Kind::User, m).map(|o| (Kind::User, o))),
        _ => None,
    };
    Some(Pending {
        version: t.version,
        before,
        member,
    })
}

/// The id in a `$ref` body's `@odata.id`.
fn member_id(req: &GraphRequest) -> Option<String> {
    let url = req.body.as_ref()?.get("@odata.id")?.as_str()?;
    Some(url.trim_end_matches('/').rsplit('/').next()?.to_string())
}

/// Records the event of a write that succeeded and changed the tenant.
pub fn finish(
    sim: &Sim,
    req: &GraphRequest,
    route: &Route,
    pending: Pending,
    resp: &GraphResponse,
) {
    if resp.status >= 300 {
        return;
    }
    let Some(event) = ({
        let t = sim.read();
        if t.version == pending.version {
            // Nothing changed (a PATCH that set what was there): nothing to log.
            None
        } else {
            describe(&t, req, route, &pending, resp)
        }
    }) else {
        return;
    };
    let now = Utc::now();
    let mut out = Map::new();
    out.insert(
        "id".into(),
        Value::String(format!("Directory_{}", sim.guid().to_uppercase())),
    );
    out.insert("category".into(), Value::String(event.category.into()));
    out.insert(
        "correlationId".into(),
        Value::String(
            req.header("client-request-id")
                .map(str::to_string)
                .unwrap_or_else(|| sim.guid()),
        ),
    );
    out.insert("result".into(), Value::String("success".into()));
    out.insert("resultReason".into(), Value::String(String::new()));
    out.insert("activityDisplayName".into(), Value::String(event.activity));
    out.insert("activityDateTime".into(), Value::String(timestamp(now)));
    out.insert(
        "loggedByService".into(),
        Value::String(event.service.into()),
    );
    out.insert(
        "operationType".into(),
        Value::String(event.operation.into()),
    );
    out.insert("initiatedBy".into(), initiated_by(sim, req));
    out.insert("targetResources".into(), Value::Array(event.targets));
    out.insert(
        "additionalDetails".into(),
        json!([{"key": "User-Agent", "value": req.header("user-agent").unwrap_or("")}]),
    );
    sim.audit.push(now, out);
}

/// Graph's form: UTC with seven fractional digits.
fn timestamp(at: DateTime<Utc>) -> String {
    let base = at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let ticks = at.timestamp_subsec_nanos() / 100;
    format!("{}.{ticks:07}Z", base.trim_end_matches('Z'))
}

struct Described {
    activity: String,
    category: &'static str,
    service: &'static str,
    operation: &'static str,
    targets: Vec<Value>,
}

/// How the log names a kind: (noun, category, logged by, target type).
fn naming(kind: Kind) -> (&'static str, &'static str, &'static str, &'static str) {
    const CORE: &str = "Core Directory";
    const CA: &str = "Conditional Access";
    match kind {
        Kind::User => ("user", "UserManagement", CORE, "User"),
        Kind::Group => ("group", "GroupManagement", CORE, "Group"),
        Kind::Application => ("application", "ApplicationManagement", CORE, "Application"),
        Kind::ServicePrincipal => (
            "service principal",
            "ApplicationManagement",
            CORE,
            "ServicePrincipal",
        ),
        Kind::AdministrativeUnit => (
            "administrative unit",
            "AdministrativeUnit",
            CORE,
            "AdministrativeUnit",
        ),
        Kind::RoleDefinition => ("role definition", "RoleManagement", CORE, "Role"),
        Kind::RoleAssignment => ("role assignment", "RoleManagement", CORE, "Role"),
        Kind::OAuth2PermissionGrant => (
            "delegated permission grant",
            "ApplicationManagement",
            CORE,
            "ServicePrincipal",
        ),
        Kind::ConditionalAccessPolicy => ("conditional access policy", "Policy", CA, "Policy"),
        Kind::NamedLocation => ("named location", "Policy", CA, "Policy"),
        Kind::AuthenticationStrengthPolicy => {
            ("authentication strength policy", "Policy", CA, "Policy")
        }
        Kind::AuthenticationContextClassReference => {
            ("authentication context", "Policy", CA, "Policy")
        }
        Kind::AuthenticationMethodConfiguration => (
            "authentication method configuration",
            "Policy",
            "Authentication Methods",
            "Policy",
        ),
        Kind::CrossTenantAccessPolicyPartner => (
            "partner cross-tenant access setting",
            "CrossTenantAccessSettings",
            CORE,
            "Policy",
        ),
        Kind::Organization => ("company", "DirectoryManagement", CORE, "Other"),
    }
}

/// Whether the log writes this kind's change as the whole object before and
/// after (Conditional Access does), rather than property by property.
fn whole_object(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::ConditionalAccessPolicy => Some("ConditionalAccessPolicy"),
        Kind::NamedLocation => Some("NamedLocation"),
        _ => None,
    }
}

fn core_directory(kind: Kind) -> bool {
    naming(kind).2 == "Core Directory"
}

fn name_of(obj: &Obj) -> Value {
    obj.get("displayName").cloned().unwrap_or(Value::Null)
}

fn target(kind: Kind, id: &str, obj: Option<&Obj>, modified: Vec<Value>) -> Value {
    let (_, _, _, ty) = naming(kind);
    let mut t = json!({
        "id": id,
        "displayName": obj.map(name_of).unwrap_or(Value::Null),
        "type": ty,
        "modifiedProperties": modified,
    });
    if kind == Kind::User {
        t["userPrincipalName"] = obj
            .and_then(|o| o.get("userPrincipalName"))
            .cloned()
            .unwrap_or(Value::Null);
    }
    if kind == Kind::Group {
        let unified = obj
            .and_then(|o| o.get("groupTypes"))
            .and_then(Value::as_array)
            .is_some_and(|g| g.iter().any(|v| v == "Unified"));
        t["groupType"] = Value::String(if unified { "unifiedGroups" } else { "azureAD" }.into());
    }
    t
}

fn text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn capitalized(key: &str) -> String {
    let mut c = key.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// One `modifiedProperty`; `None` values are JSON null.
fn property(name: &str, old: Option<String>, new: Option<String>) -> Value {
    json!({"displayName": name, "oldValue": old, "newValue": new})
}

/// The properties that differ between `before` and `after`, as the kind's
/// service logs them.
fn modified(kind: Kind, before: Option<&Obj>, after: Option<&Obj>) -> Vec<Value> {
    if let Some(name) = whole_object(kind) {
        let whole = |o: Option<&Obj>| o.map(|o| text(&Value::Object(o.clone())));
        return vec![property(name, whole(before), whole(after))];
    }
    let empty = Obj::new();
    let (b, a) = (before.unwrap_or(&empty), after.unwrap_or(&empty));
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let core = core_directory(kind);
    let mut out = Vec::new();
    let mut names = Vec::new();
    for k in keys {
        let (old, new) = (b.get(k), a.get(k));
        // Write-only properties (a user's password) are never logged.
        if old == new
            || k == "id"
            || k.ends_with("DateTime")
            || kind.info().write_only.contains(&k.as_str())
        {
            continue;
        }
        let shown = |v: Option<&Value>| -> Option<String> {
            match v {
                _ if core => Some(match v {
                    None | Some(Value::Null) => "[]".to_string(),
                    Some(Value::Array(a)) => text(&Value::Array(a.clone())),
                    Some(other) => text(&json!([other])),
                }),
                None => None,
                Some(v) => Some(text(v)),
            }
        };
        let name = if core { capitalized(k) } else { k.clone() };
        out.push(property(&name, shown(old), shown(new)));
        names.push(name);
    }
    if core && before.is_some() && after.is_some() && !names.is_empty() {
        out.push(property(
            "Included Updated Properties",
            None,
            Some(text(&Value::String(names.join(", ")))),
        ));
    }
    out
}

/// A password credential as the log describes it.
fn key_descriptions(obj: Option<&Obj>) -> String {
    let keys: Vec<Value> = obj
        .and_then(|o| o.get("passwordCredentials"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            Value::String(format!(
                "[KeyIdentifier={},KeyType=Password,KeyUsage=Verify,DisplayName={}]",
                c.get("keyId").and_then(Value::as_str).unwrap_or(""),
                c.get("displayName").and_then(Value::as_str).unwrap_or("")
            ))
        })
        .collect();
    text(&Value::Array(keys))
}

fn describe(
    t: &crate::tenant::Tenant,
    req: &GraphRequest,
    route: &Route,
    pending: &Pending,
    resp: &GraphResponse,
) -> Option<Described> {
    let before = pending.before.as_ref();
    let simple = |kind: Kind, verb: &str, operation: &'static str, targets: Vec<Value>| {
        let (noun, category, service, _) = naming(kind);
        Described {
            activity: format!("{verb} {noun}"),
            category,
            service,
            operation,
            targets,
        }
    };
    Some(match route {
        Route::Collection(kind) => {
            let id = crate::api::body_json(resp)
                .get("id")
                .and_then(Value::as_str)?
                .to_string();
            let after = t.get(*kind, &id);
            if *kind == Kind::RoleAssignment {
                return role_assignment(t, after?, "Add member to role", "Assign");
            }
            let verb = if *kind == Kind::CrossTenantAccessPolicyPartner {
                return Some(Described {
                    activity: "Add a partner to cross-tenant access setting".into(),
                    ..simple(
                        *kind,
                        "Add",
                        "Add",
                        vec![target(*kind, &id, after, modified(*kind, None, after))],
                    )
                });
            } else {
                "Add"
            };
            simple(
                *kind,
                verb,
                "Add",
                vec![target(*kind, &id, after, modified(*kind, None, after))],
            )
        }
        Route::Item(kind, id) if req.method == "PATCH" => {
            let after = t.get(*kind, id);
            if *kind == Kind::AuthenticationMethodConfiguration {
                return Some(methods_policy_update(vec![target(
                    *kind,
                    id,
                    after,
                    modified(*kind, before, after),
                )]));
            }
            simple(
                *kind,
                "Update",
                "Update",
                vec![target(*kind, id, after, modified(*kind, before, after))],
            )
        }
        Route::Item(kind, id) => {
            if *kind == Kind::RoleAssignment {
                return role_assignment(t, before?, "Remove member from role", "Unassign");
            }
            let mut d = simple(
                *kind,
                "Delete",
                "Delete",
                vec![target(*kind, id, before, modified(*kind, before, None))],
            );
            if *kind == Kind::CrossTenantAccessPolicyPartner {
                d.activity = "Delete partner specific cross-tenant access setting".into();
            }
            d
        }
        Route::Action { kind, id, action } => {
            let after = t.get(*kind, id);
            match (kind, action.as_str()) {
                (Kind::Application | Kind::ServicePrincipal, "addPassword" | "removePassword") => {
                    let changed = vec![property(
                        "KeyDescription",
                        Some(key_descriptions(before)),
                        Some(key_descriptions(after)),
                    )];
                    let activity = match (kind, action.as_str()) {
                        (Kind::Application, _) => {
                            "Update application \u{2013} Certificates and secrets management"
                        }
                        (_, "addPassword") => "Add service principal credentials",
                        _ => "Remove service principal credentials",
                    };
                    Described {
                        activity: activity.into(),
                        ..simple(
                            *kind,
                            "Update",
                            "Update",
                            vec![target(*kind, id, after, changed)],
                        )
                    }
                }
                _ => simple(
                    *kind,
                    "Update",
                    "Update",
                    vec![target(*kind, id, after, modified(*kind, before, after))],
                ),
            }
        }
        Route::Links { kind, id, rel, .. } | Route::LinkRef { kind, id, rel, .. } => {
            let added = req.method == "POST";
            let (member_kind, member) = pending.member.as_ref()?;
            let member_id = member.get("id").and_then(Value::as_str).unwrap_or_default();
            let (noun, category, service, ty) = naming(*kind);
            let container = before.map(name_of).unwrap_or(Value::Null);
            let (old, new) = if added {
                (None, Some(text(&Value::String(id.clone()))))
            } else {
                (Some(text(&Value::String(id.clone()))), None)
            };
            let names = if added {
                (None, Some(text(&container)))
            } else {
                (Some(text(&container)), None)
            };
            let which = capitalized(match kind {
                Kind::ServicePrincipal => "servicePrincipal",
                Kind::AdministrativeUnit => "administrativeUnit",
                other => other.info().entity,
            });
            let member_target = target(
                *member_kind,
                member_id,
                Some(member),
                vec![
                    property(&format!("{which}.ObjectID"), old, new),
                    property(&format!("{which}.DisplayName"), names.0, names.1),
                ],
            );
            let role = match rel {
                Rel::Members => "member",
                Rel::Owners => "owner",
            };
            let activity = if added {
                format!("Add {role} to {noun}")
            } else {
                format!("Remove {role} from {noun}")
            };
            Described {
                activity,
                category,
                service,
                operation: if added { "Assign" } else { "Unassign" },
                targets: vec![
                    member_target,
                    json!({"id": id, "displayName": container, "type": ty, "modifiedProperties": []}),
                ],
            }
        }
        Route::Manager { id, .. } => {
            let name =
                |o: Option<&Obj>| Some(o.map_or("[]".into(), |o| text(&json!([name_of(o)]))));
            let old = name(pending.member.as_ref().map(|(_, o)| o));
            let new = name(t.manager.get(id).and_then(|m| t.get(Kind::User, m)));
            simple(
                Kind::User,
                "Update",
                "Update",
                vec![target(
                    Kind::User,
                    id,
                    before,
                    vec![property("Manager", old, new)],
                )],
            )
        }
        Route::Singleton(_) | Route::CrossTenantReset => {
            let s = s_of(route)?;
            let after = t.singletons.get(s.key());
            let id = after
                .and_then(|o| o.get("id"))
                .and_then(Value::as_str)
                .unwrap_or(s.key())
                .to_string();
            let changed = modified(Kind::AuthenticationStrengthPolicy, before, after);
            let targets = vec![json!({
                "id": id,
                "displayName": after.map(name_of).unwrap_or(Value::Null),
                "type": "Policy",
                "modifiedProperties": changed,
            })];
            let activity = match (route, s) {
                (Route::CrossTenantReset, _) => {
                    "Reset the company default cross-tenant access setting"
                }
                (_, Singleton::AuthorizationPolicy) => "Update authorization policy",
                (_, Singleton::AuthenticationMethodsPolicy) => {
                    return Some(methods_policy_update(targets));
                }
                (_, Singleton::CrossTenantAccessPolicy) => "Update cross-tenant access settings",
                (_, Singleton::CrossTenantAccessPolicyDefault) => {
                    "Update the company default cross-tenant access setting"
                }
            };
            Described {
                activity: activity.into(),
                category: "Policy",
                service: "Core Directory",
                operation: "Update",
                targets,
            }
        }
        Route::DeletedRestore(id) => {
            let kind = t.kind_of(id)?;
            simple(
                kind,
                "Restore",
                "Update",
                vec![target(kind, id, t.get(kind, id), Vec::new())],
            )
        }
        Route::CaDeletedRestore(kind, id) => simple(
            *kind,
            "Restore",
            "Update",
            vec![target(*kind, id, t.get(*kind, id), Vec::new())],
        ),
        Route::DeletedItem(id) => {
            let kind = t.kind_of(id).or_else(|| kind_from(before))?;
            simple(
                kind,
                "Hard delete",
                "Delete",
                vec![target(kind, id, before, Vec::new())],
            )
        }
        Route::CaDeletedItem(kind, id) => simple(
            *kind,
            "Hard delete",
            "Delete",
            vec![target(*kind, id, before, Vec::new())],
        ),
        _ => return None,
    })
}

fn s_of(route: &Route) -> Option<Singleton> {
    match route {
        Route::Singleton(s) => Some(*s),
        Route::CrossTenantReset => Some(Singleton::CrossTenantAccessPolicyDefault),
        _ => None,
    }
}

/// A purged object's kind, from its `@odata.type` when the tenant forgot it.
fn kind_from(obj: Option<&Obj>) -> Option<Kind> {
    let ty = obj?.get("@odata.type")?.as_str()?;
    Kind::from_cast(ty.trim_start_matches('#'))
}

fn methods_policy_update(targets: Vec<Value>) -> Described {
    Described {
        activity: "Authentication Methods Policy Update".into(),
        category: "Policy",
        service: "Authentication Methods",
        operation: "Update",
        targets,
    }
}

/// "Add member to role": the principal, then the role it was given.
fn role_assignment(
    t: &crate::tenant::Tenant,
    assignment: &Obj,
    activity: &str,
    operation: &'static str,
) -> Option<Described> {
    let principal = assignment.get("principalId")?.as_str()?;
    let role_id = assignment.get("roleDefinitionId")?.as_str()?;
    let role = t.get(Kind::RoleDefinition, role_id);
    let role_name = role.map(name_of).unwrap_or(Value::Null);
    let kind = t.kind_of(principal).unwrap_or(Kind::User);
    let assigned = activity.starts_with("Add");
    let pair = |v: &Value| {
        if assigned {
            (None, Some(text(v)))
        } else {
            (Some(text(v)), None)
        }
    };
    let (o1, n1) = pair(&Value::String(role_id.to_string()));
    let (o2, n2) = pair(&role_name);
    let (o3, n3) = pair(
        role.and_then(|r| r.get("templateId"))
            .unwrap_or(&Value::String(role_id.to_string())),
    );
    Some(Described {
        activity: activity.into(),
        category: "RoleManagement",
        service: "Core Directory",
        operation,
        targets: vec![
            target(
                kind,
                principal,
                t.get(kind, principal),
                vec![
                    property("Role.ObjectID", o1, n1),
                    property("Role.DisplayName", o2, n2),
                    property("Role.TemplateId", o3, n3),
                ],
            ),
            json!({"id": role_id, "displayName": role_name, "type": "Role", "modifiedProperties": []}),
        ],
    })
}

/// The claims of a JWT bearer token, when it is one (signatures are not checked:
/// the emulator accepts any token).
pub fn claims(req: &GraphRequest) -> Option<Map<String, Value>> {
    let token = req
        .header("authorization")?
        .split_once(' ')
        .map(|(_, t)| t.trim())?;
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// A JWT-shaped bearer token carrying `claims`, unsigned: what tests and
/// the demo hand the emulator so its audit log names a user or an app.
pub fn unsigned_jwt(claims: &Value) -> String {
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.c2ln",
        b64(&json!({"alg": "RS256", "typ": "JWT"})),
        b64(claims)
    )
}

fn claim<'a>(claims: &'a Map<String, Value>, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| claims.get(*n).and_then(Value::as_str))
}

/// `initiatedBy`: the user or app the token names, or the default actor.
fn initiated_by(sim: &Sim, req: &GraphRequest) -> Value {
    let ip = "127.0.0.1";
    if let Some(c) = claims(req) {
        let upn = claim(&c, &["upn", "preferred_username", "unique_name"]);
        let app_only = claim(&c, &["idtyp"]) == Some("app") || upn.is_none();
        if app_only {
            return json!({
                "user": null,
                "app": {
                    "appId": claim(&c, &["appid", "azp"]),
                    "displayName": claim(&c, &["app_displayname"]),
                    "servicePrincipalId": claim(&c, &["oid"]),
                    "servicePrincipalName": null,
                }
            });
        }
        return json!({
            "user": {
                "id": claim(&c, &["oid"]),
                "displayName": claim(&c, &["name"]),
                "userPrincipalName": upn,
                "ipAddress": ip,
            },
            "app": null,
        });
    }
    // An opaque token: the default actor, found in the tenant when it exists there.
    let t = sim.read();
    let upn = sim
        .config
        .audit
        .default_actor
        .clone()
        .unwrap_or_else(|| format!("admin@{}", t.domain));
    let user = sim.audit.default_actor_user(&t, &upn);
    json!({
        "user": {
            "id": user.and_then(|u| u.get("id")).cloned().unwrap_or(Value::String("00000000-0000-0000-0000-00000000ad01".into())),
            "displayName": user.map(name_of).unwrap_or(Value::String("Emulator Admin".into())),
            "userPrincipalName": upn,
            "ipAddress": ip,
        },
        "app": null,
    })
}

impl AuditLog {
    /// The user whose UPN is `upn`, scanning the users only when one was
    /// created, deleted, restored or renamed since the last look.
    fn default_actor_user<'t>(&self, t: &'t Tenant, upn: &str) -> Option<&'t Obj> {
        let mut cache = self.default_actor.lock().unwrap_or_else(|e| e.into_inner());
        let users = t.count(Kind::User);
        let still = cache.as_ref().filter(|c| {
            c.upn == upn
                && c.users == users
                && c.version <= t.version
                && !t.log[t.log.partition_point(|x| x.version <= c.version)..]
                    .iter()
                    .any(|x| {
                        x.kind == Kind::User
                            && match &x.what {
                                ChangeWhat::Updated(fields) => {
                                    fields.iter().any(|f| f == "userPrincipalName")
                                }
                                ChangeWhat::Link { .. } | ChangeWhat::Manager => false,
                                _ => true,
                            }
                    })
        });
        let id = match still {
            Some(c) => c.id.clone(),
            None => t.collection(Kind::User).and_then(|all| {
                all.iter()
                    .find(|(_, u)| {
                        u.get("userPrincipalName")
                            .and_then(Value::as_str)
                            .is_some_and(|p| p.eq_ignore_ascii_case(upn))
                    })
                    .map(|(id, _)| id.clone())
            }),
        };
        *cache = Some(ActorLookup {
            upn: upn.to_string(),
            version: t.version,
            users,
            id: id.clone(),
        });
        id.and_then(|id| t.get(Kind::User, &id))
    }
}

/// Whether a token that carries permissions carries `AuditLog.Read.All`
/// (tokens without `roles` or `scp`, and opaque ones, are let through).
fn may_read(req: &GraphRequest) -> bool {
    let Some(c) = claims(req) else {
        return true;
    };
    let roles: Vec<&str> = c
        .get("roles")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let scopes: Vec<&str> = claim(&c, &["scp"])
        .map(|s| s.split(' ').collect())
        .unwrap_or_default();
    if roles.is_empty() && scopes.is_empty() {
        return true;
    }
    roles
        .iter()
        .chain(scopes.iter())
        .any(|p| p.eq_ignore_ascii_case("AuditLog.Read.All"))
}

const MAX_PAGE: usize = 999;
const DEFAULT_PAGE: usize = 100;

/// `GET /auditLogs/directoryAudits`: newest first (or `$orderby=activityDateTime asc`),
/// `$filter`, `$top`, and a `$skiptoken` nextLink.
pub fn list(sim: &Sim, req: &GraphRequest) -> GraphResult<GraphResponse> {
    if !may_read(req) {
        return Err(GraphError::new(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        ));
    }
    let param = |name: &str| {
        req.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let filter = param("$filter").map(Filter::parse).transpose()?;
    let top = match param("$top") {
        None => DEFAULT_PAGE,
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                return Err(GraphError::bad_request(format!(
                    "Invalid page size specified: '{v}'. Must be between 1 and {MAX_PAGE} inclusive."
                )));
            }
        },
    };
    let ascending = match param("$orderby").map(|o| o.trim().to_ascii_lowercase()) {
        None => false,
        Some(o) if o == "activitydatetime" || o == "activitydatetime asc" => true,
        Some(o) if o == "activitydatetime desc" => false,
        Some(o) => {
            return Err(GraphError::bad_request(format!(
                "Invalid $orderby: '{o}'. Only activityDateTime (asc or desc) is supported."
            )));
        }
    };
    // The token is the sequence number the next page starts after.
    let after: Option<u64> = match param("$skiptoken") {
        None => None,
        Some(tok) => Some(
            URL_SAFE_NO_PAD
                .decode(tok)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| GraphError::bad_request("The $skiptoken is not valid."))?,
        ),
    };
    let now = Utc::now();
    let (delay, retention) = sim.audit.window();
    let oldest = chrono::Duration::from_std(retention)
        .ok()
        .and_then(|r| now.checked_sub_signed(r))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let newest = now - chrono::Duration::from_std(delay).unwrap_or_default();
    let events = sim.audit.events.lock().unwrap_or_else(|e| e.into_inner());
    let visible = |l: &&Logged| {
        l.at >= oldest && l.at <= newest && filter.as_ref().is_none_or(|f| f.matches(&l.event))
    };
    let ordered: Box<dyn Iterator<Item = &Logged>> = if ascending {
        Box::new(events.iter().filter(|l| after.is_none_or(|a| l.seq > a)))
    } else {
        Box::new(
            events
                .iter()
                .rev()
                .filter(|l| after.is_none_or(|a| l.seq < a)),
        )
    };
    let mut page: Vec<&Logged> = ordered.filter(visible).take(top + 1).collect();
    let more = page.len() > top;
    page.truncate(top);
    let mut body = json!({
        "@odata.context": format!("{}/$metadata#auditLogs/directoryAudits", req.root()),
        "value": page.iter().map(|l| Value::Object(l.event.clone())).collect::<Vec<_>>(),
    });
    if more && let Some(last) = page.last() {
        let mut query: Vec<(String, String)> = req
            .query
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
            .cloned()
            .collect();
        query.push((
            "$skiptoken".into(),
            URL_SAFE_NO_PAD.encode(last.seq.to_string()),
        ));
        body["@odata.nextLink"] = Value::String(format!(
            "{}/auditLogs/directoryAudits?{}",
            req.root(),
            serde_urlencoded::to_string(&query).unwrap_or_default()
        ));
    }
    Ok(GraphResponse::ok(body))
}

/// `GET /auditLogs/directoryAudits/{id}`.
pub fn get(sim: &Sim, req: &GraphRequest, id: &str) -> GraphResult<GraphResponse> {
    if !may_read(req) {
        return Err(GraphError::new(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        ));
    }
    let events = sim.audit.events.lock().unwrap_or_else(|e| e.into_inner());
    let event = events
        .iter()
        .find(|l| l.event.get("id").and_then(Value::as_str) == Some(id))
        .ok_or_else(|| GraphError::not_found(id))?;
    let mut body = event.event.clone();
    body.insert(
        "@odata.context".into(),
        Value::String(format!(
            "{}/$metadata#auditLogs/directoryAudits/$entity",
            req.root()
        )),
    );
    Ok(GraphResponse::ok(Value::Object(body)))
}
