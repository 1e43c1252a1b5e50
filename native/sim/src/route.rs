//! Graph's URL space, mapped to typed routes.

use crate::kind::{ALL, Kind, Rel};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Collection(Kind),
    Item(Kind, String),
    Count(Kind),
    Delta(Kind),
    /// `/{id}/members` (objects) — `refs` for `/{id}/members/$ref`.
    Links {
        kind: Kind,
        id: String,
        rel: Rel,
        refs: bool,
    },
    /// `/{id}/members/{target}/$ref`.
    LinkRef {
        kind: Kind,
        id: String,
        rel: Rel,
        target: String,
    },
    Manager {
        id: String,
        refs: bool,
    },
    /// Reads of a directory object's relations beyond plain `members`/`owners`:
    /// `memberOf`, `transitiveMemberOf`, `transitiveMembers`, an OData cast
    /// (`/members/microsoft.graph.user`, or `graph.user`) and `/$count`.
    Related {
        kind: Kind,
        id: String,
        nav: Nav,
        cast: Option<Kind>,
        count: bool,
    },
    Action {
        kind: Kind,
        id: String,
        action: String,
    },
    DeletedList(Kind),
    DeletedItem(String),
    DeletedRestore(String),
    CaDeletedList(Kind),
    CaDeletedItem(Kind, String),
    CaDeletedRestore(Kind, String),
    Singleton(Singleton),
    CrossTenantReset,
    DirectoryObject(String),
    GetByIds,
    /// `/directoryRoles` (the activated roles), one of them, its members.
    DirectoryRoles,
    DirectoryRole(String),
    DirectoryRoleMembers(String),
    /// `/auditLogs/directoryAudits` and one event of it.
    DirectoryAudits,
    DirectoryAudit(String),
    Batch,
}

/// A navigation that can be read (and counted, and cast).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Direct(Rel),
    MemberOf,
    TransitiveMemberOf,
    TransitiveMembers,
}

impl Nav {
    pub fn name(self) -> &'static str {
        match self {
            Nav::Direct(r) => r.name(),
            Nav::MemberOf => "memberOf",
            Nav::TransitiveMemberOf => "transitiveMemberOf",
            Nav::TransitiveMembers => "transitiveMembers",
        }
    }

    fn parse(kind: Kind, s: &str) -> Option<Nav> {
        let member = matches!(kind, Kind::User | Kind::Group | Kind::ServicePrincipal);
        match s {
            "memberOf" if member => Some(Nav::MemberOf),
            "transitiveMemberOf" if member => Some(Nav::TransitiveMemberOf),
            "transitiveMembers" if kind == Kind::Group => Some(Nav::TransitiveMembers),
            _ => Rel::parse(s)
                .filter(|r| kind.info().relations.contains(r))
                .map(Nav::Direct),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Singleton {
    AuthorizationPolicy,
    AuthenticationMethodsPolicy,
    CrossTenantAccessPolicy,
    CrossTenantAccessPolicyDefault,
}

impl Singleton {
    pub fn key(self) -> &'static str {
        match self {
            Singleton::AuthorizationPolicy => "authorizationPolicy",
            Singleton::AuthenticationMethodsPolicy => "authenticationMethodsPolicy",
            Singleton::CrossTenantAccessPolicy => "crossTenantAccessPolicy",
            Singleton::CrossTenantAccessPolicyDefault => "crossTenantAccessPolicyDefault",
        }
    }

    pub fn context(self) -> &'static str {
        match self {
            Singleton::AuthorizationPolicy => "policies/authorizationPolicy/$entity",
            Singleton::AuthenticationMethodsPolicy => {
                "policies/authenticationMethodsPolicy/$entity"
            }
            Singleton::CrossTenantAccessPolicy => "policies/crossTenantAccessPolicy/$entity",
            Singleton::CrossTenantAccessPolicyDefault => {
                "policies/crossTenantAccessPolicy/default/$entity"
            }
        }
    }
}

const ACTIONS: &[&str] = &[
    "addPassword",
    "removePassword",
    "updateAllowedCombinations",
    "restore",
];

/// Graph takes its namespace in full (`microsoft.graph.user`) or by its alias (`graph.user`).
pub fn strip_ns(s: &str) -> &str {
    s.strip_prefix("microsoft.graph.")
        .or_else(|| s.strip_prefix("graph."))
        .unwrap_or(s)
}

/// The directory object kind an OData cast segment names.
fn cast_kind(s: &str) -> Option<Kind> {
    let entity = strip_ns(s);
    if entity.len() == s.len() {
        return None;
    }
    ALL.iter()
        .copied()
        .find(|k| k.info().directory_object && k.info().entity == entity)
}

/// Parse the path under the version root. `None` when Graph has no such resource.
pub fn parse(path: &str) -> Option<Route> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        ["$batch"] => return Some(Route::Batch),
        ["policies", "authorizationPolicy"] => {
            return Some(Route::Singleton(Singleton::AuthorizationPolicy));
        }
        ["policies", "authenticationMethodsPolicy"] => {
            return Some(Route::Singleton(Singleton::AuthenticationMethodsPolicy));
        }
        ["policies", "crossTenantAccessPolicy"] => {
            return Some(Route::Singleton(Singleton::CrossTenantAccessPolicy));
        }
        ["policies", "crossTenantAccessPolicy", "default"] => {
            return Some(Route::Singleton(Singleton::CrossTenantAccessPolicyDefault));
        }
        ["policies", "crossTenantAccessPolicy", "default", action]
            if strip_ns(action) == "resetToSystemDefault" =>
        {
            return Some(Route::CrossTenantReset);
        }
        ["directory", "deletedItems", rest @ ..] => {
            return match rest {
                [cast] if strip_ns(cast).len() < cast.len() => {
                    Kind::from_cast(cast).map(Route::DeletedList)
                }
                [id] => Some(Route::DeletedItem(id.to_string())),
                [id, action] if strip_ns(action) == "restore" => {
                    Some(Route::DeletedRestore(id.to_string()))
                }
                _ => None,
            };
        }
        [
            "identity",
            "conditionalAccess",
            "deletedItems",
            seg,
            rest @ ..,
        ] => {
            let kind = Kind::from_ca_deleted_segment(seg)?;
            return match rest {
                [] => Some(Route::CaDeletedList(kind)),
                [id] => Some(Route::CaDeletedItem(kind, id.to_string())),
                [id, action] if strip_ns(action) == "restore" => {
                    Some(Route::CaDeletedRestore(kind, id.to_string()))
                }
                _ => None,
            };
        }
        ["directoryObjects", action] if strip_ns(action) == "getByIds" => {
            return Some(Route::GetByIds);
        }
        ["directoryObjects", id] => return Some(Route::DirectoryObject(id.to_string())),
        ["directoryRoles"] => return Some(Route::DirectoryRoles),
        ["directoryRoles", id] => return Some(Route::DirectoryRole(id.to_string())),
        ["directoryRoles", id, "members"] => {
            return Some(Route::DirectoryRoleMembers(id.to_string()));
        }
        // Graph's paths are case-insensitive here; its own docs spell it both ways.
        [logs, audits, rest @ ..]
            if logs.eq_ignore_ascii_case("auditLogs")
                && audits.eq_ignore_ascii_case("directoryAudits") =>
        {
            return match rest {
                [] => Some(Route::DirectoryAudits),
                [id] => Some(Route::DirectoryAudit(id.to_string())),
                _ => None,
            };
        }
        _ => {}
    }
    // The longest collection prefix wins.
    let (kind, len) = ALL
        .iter()
        .flat_map(|k| k.info().paths.iter().map(move |p| (*k, *p)))
        .filter(|(_, p)| segs.len() >= p.len() && segs[..p.len()] == **p)
        .map(|(k, p)| (k, p.len()))
        .max_by_key(|(_, l)| *l)?;
    let info = kind.info();
    let rest = &segs[len..];
    Some(match rest {
        [] => Route::Collection(kind),
        ["$count"] => Route::Count(kind),
        [d] if info.delta && (*d == "delta()" || *d == "delta" || strip_ns(d) == "delta()") => {
            Route::Delta(kind)
        }
        [id] => Route::Item(kind, id.to_string()),
        [id, "manager"] if kind == Kind::User => Route::Manager {
            id: id.to_string(),
            refs: false,
        },
        [id, "manager", "$ref"] if kind == Kind::User => Route::Manager {
            id: id.to_string(),
            refs: true,
        },
        [id, rel] if Rel::parse(rel).is_some_and(|r| info.relations.contains(&r)) => Route::Links {
            kind,
            id: id.to_string(),
            rel: Rel::parse(rel)?,
            refs: false,
        },
        [id, rel, "$ref"] if Rel::parse(rel).is_some_and(|r| info.relations.contains(&r)) => {
            Route::Links {
                kind,
                id: id.to_string(),
                rel: Rel::parse(rel)?,
                refs: true,
            }
        }
        [id, rel, target, "$ref"]
            if Rel::parse(rel).is_some_and(|r| info.relations.contains(&r)) =>
        {
            Route::LinkRef {
                kind,
                id: id.to_string(),
                rel: Rel::parse(rel)?,
                target: target.to_string(),
            }
        }
        [id, nav] if Nav::parse(kind, nav).is_some() => Route::Related {
            kind,
            id: id.to_string(),
            nav: Nav::parse(kind, nav)?,
            cast: None,
            count: false,
        },
        [id, nav, "$count"] if Nav::parse(kind, nav).is_some() => Route::Related {
            kind,
            id: id.to_string(),
            nav: Nav::parse(kind, nav)?,
            cast: None,
            count: true,
        },
        [id, nav, cast, tail @ ..]
            if Nav::parse(kind, nav).is_some()
                && cast_kind(cast).is_some()
                && (tail.is_empty() || tail == ["$count"]) =>
        {
            Route::Related {
                kind,
                id: id.to_string(),
                nav: Nav::parse(kind, nav)?,
                cast: cast_kind(cast),
                count: !tail.is_empty(),
            }
        }
        [id, action] if ACTIONS.contains(&strip_ns(action)) => Route::Action {
            kind,
            id: id.to_string(),
            action: strip_ns(action).to_string(),
        },
        _ => return None,
    })
}

/// A stable label for statistics: method plus the path with ids replaced by `{id}`.
pub fn label(method: &str, route: &Option<Route>, path: &str) -> String {
    let template = match route {
        None => "(unknown)".to_string(),
        Some(r) => {
            let mut parts = Vec::new();
            let p = |k: Kind| k.info().paths[0].join("/");
            match r {
                Route::Collection(k) => parts.push(p(*k)),
                Route::Item(k, _) => parts.push(format!("{}/{{id}}", p(*k))),
                Route::Count(k) => parts.push(format!("{}/$count", p(*k))),
                Route::Delta(k) => parts.push(format!("{}/delta", p(*k))),
                Route::Links {
                    kind, rel, refs, ..
                } => parts.push(format!(
                    "{}/{{id}}/{}{}",
                    p(*kind),
                    rel.name(),
                    if *refs { "/$ref" } else { "" }
                )),
                Route::LinkRef { kind, rel, .. } => {
                    parts.push(format!("{}/{{id}}/{}/{{id}}/$ref", p(*kind), rel.name()))
                }
                Route::Related {
                    kind,
                    nav,
                    cast,
                    count,
                    ..
                } => parts.push(format!(
                    "{}/{{id}}/{}{}{}",
                    p(*kind),
                    nav.name(),
                    cast.map(|c| format!("/microsoft.graph.{}", c.info().entity))
                        .unwrap_or_default(),
                    if *count { "/$count" } else { "" }
                )),
                Route::Manager { refs, .. } => parts.push(format!(
                    "users/{{id}}/manager{}",
                    if *refs { "/$ref" } else { "" }
                )),
                Route::Action { kind, action, .. } => {
                    parts.push(format!("{}/{{id}}/{action}", p(*kind)))
                }
                Route::DeletedList(k) => parts.push(format!(
                    "directory/deletedItems/microsoft.graph.{}",
                    k.info().entity
                )),
                Route::DeletedItem(_) => parts.push("directory/deletedItems/{id}".into()),
                Route::DeletedRestore(_) => {
                    parts.push("directory/deletedItems/{id}/restore".into())
                }
                Route::CaDeletedList(k) => parts.push(format!(
                    "identity/conditionalAccess/deletedItems/{}",
                    k.ca_deleted_segment()
                )),
                Route::CaDeletedItem(k, _) => parts.push(format!(
                    "identity/conditionalAccess/deletedItems/{}/{{id}}",
                    k.ca_deleted_segment()
                )),
                Route::CaDeletedRestore(k, _) => parts.push(format!(
                    "identity/conditionalAccess/deletedItems/{}/{{id}}/restore",
                    k.ca_deleted_segment()
                )),
                Route::Singleton(_) | Route::CrossTenantReset => {
                    parts.push(path.trim_matches('/').to_string())
                }
                Route::DirectoryObject(_) => parts.push("directoryObjects/{id}".into()),
                Route::GetByIds => parts.push("directoryObjects/getByIds".into()),
                Route::DirectoryRoles => parts.push("directoryRoles".into()),
                Route::DirectoryRole(_) => parts.push("directoryRoles/{id}".into()),
                Route::DirectoryRoleMembers(_) => parts.push("directoryRoles/{id}/members".into()),
                Route::DirectoryAudits => parts.push("auditLogs/directoryAudits".into()),
                Route::DirectoryAudit(_) => parts.push("auditLogs/directoryAudits/{id}".into()),
                Route::Batch => parts.push("$batch".into()),
            }
            parts.join("/")
        }
    };
    format!("{method} /{template}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_graph_paths() {
        assert_eq!(parse("users"), Some(Route::Collection(Kind::User)));
        assert_eq!(parse("users/delta()"), Some(Route::Delta(Kind::User)));
        assert_eq!(
            parse("users/abc"),
            Some(Route::Item(Kind::User, "abc".into()))
        );
        assert_eq!(
            parse("groups/g1/members/u1/$ref"),
            Some(Route::LinkRef {
                kind: Kind::Group,
                id: "g1".into(),
                rel: Rel::Members,
                target: "u1".into()
            })
        );
        assert_eq!(
            parse("identity/conditionalAccess/authenticationStrength/policies/x"),
            Some(Route::Item(Kind::AuthenticationStrengthPolicy, "x".into()))
        );
        assert_eq!(
            parse("directory/deletedItems/microsoft.graph.user"),
            Some(Route::DeletedList(Kind::User))
        );
        assert_eq!(
            parse("directory/deletedItems/abc/restore"),
            Some(Route::DeletedRestore("abc".into()))
        );
        assert_eq!(
            parse("identity/conditionalAccess/deletedItems/namedLocations/n1/restore"),
            Some(Route::CaDeletedRestore(Kind::NamedLocation, "n1".into()))
        );
        assert_eq!(
            parse("applications/a1/microsoft.graph.addPassword")
                .map(|r| matches!(r, Route::Action { .. })),
            Some(true)
        );
        assert_eq!(
            parse("directory/deletedItems/graph.group"),
            Some(Route::DeletedList(Kind::Group))
        );
        assert_eq!(
            parse("users/u1/memberOf/graph.group"),
            parse("users/u1/memberOf/microsoft.graph.group")
        );
        assert_eq!(
            parse("groups/g1/members/graph.user/$count"),
            Some(Route::Related {
                kind: Kind::Group,
                id: "g1".into(),
                nav: Nav::Direct(Rel::Members),
                cast: Some(Kind::User),
                count: true
            })
        );
        assert_eq!(parse("users/u1/transitiveMembers"), None);
        assert_eq!(parse("users/u1/members"), None);
        assert_eq!(parse("nonsense"), None);
        assert_eq!(
            label("GET", &parse("groups/g1/members"), "groups/g1/members"),
            "GET /groups/{id}/members"
        );
    }
}
