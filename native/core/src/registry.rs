//! The object-type registry: everything the engine knows about each Entra
//! object type it snapshots, as data. Export, normalization, diff and restore
//! read these entries instead of matching on type names, so adding a type is
//! adding one entry to [`table::TYPES`].

mod table;

use serde_json::Value;

use crate::dotpath;

/// Graph API version a type is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    V1,
    /// Used where v1.0 drops properties that admins set (CA policies, named locations).
    Beta,
}

impl ApiVersion {
    /// The path segment: `v1.0` or `beta`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1.0",
            ApiVersion::Beta => "beta",
        }
    }
}

/// Where objects of a type are read, and how their id is found.
#[derive(Debug, Clone, Copy)]
pub struct Source {
    /// Path under the version root, e.g. `identity/conditionalAccess/policies`.
    pub path: &'static str,
    pub shape: SourceShape,
    /// Property that holds the object id (`id`; `tenantId` for cross-tenant partners).
    pub id_property: &'static str,
    /// A property only this source's objects carry, used to tell a raw object's
    /// source apart when one type is read from several (`isServiceDefault`).
    pub marker: Option<&'static str>,
    /// Whether an existing object is changed with PATCH (on `patch_path`).
    pub patch: bool,
    /// Whether POST to `path` creates a new object.
    pub create: bool,
}

/// A collection (paged list) or a singleton (one GET, one object).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceShape {
    Collection,
    /// One object; `id` is the id it gets in snapshots, whatever the body says.
    Singleton {
        id: &'static str,
    },
}

impl Source {
    /// The id of a raw object from this source, if it has one.
    pub fn object_id(&self, raw: &Value) -> Option<String> {
        match self.shape {
            SourceShape::Singleton { id } => Some(id.to_string()),
            SourceShape::Collection => match raw.get(self.id_property)? {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                _ => None,
            },
        }
    }

    /// The path a PATCH of object `id` goes to, relative to the version root.
    pub fn patch_path(&self, id: &str) -> String {
        match self.shape {
            SourceShape::Singleton { .. } => self.path.to_string(),
            SourceShape::Collection => format!("{}/{id}", self.path),
        }
    }

    fn matches(&self, raw: &Value) -> bool {
        self.marker.is_some_and(|m| raw.get(m).is_some())
    }
}

/// An array whose order means nothing to Graph; it is sorted when normalizing
/// and compared as a set.
#[derive(Debug, Clone, Copy)]
pub struct SetArray {
    /// Dot path from the object root; passes through arrays of objects.
    pub path: &'static str,
    /// For arrays of objects: the property that identifies an element
    /// (`cidrAddress`, `keyId`); `None` sorts by canonical JSON.
    pub key: Option<&'static str>,
}

/// How a referencing value is matched to the referenced object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchBy {
    /// The object's id.
    Id,
    /// The application id (`appId`) of an application or service principal.
    AppId,
    /// A role definition's `templateId` (the same in every tenant for built-ins).
    TemplateId,
}

impl MatchBy {
    /// The property of the referenced object that holds the matched value.
    pub fn property(self) -> &'static str {
        match self {
            MatchBy::Id => "id",
            MatchBy::AppId => "appId",
            MatchBy::TemplateId => "templateId",
        }
    }
}

/// A property that holds ids of other objects.
#[derive(Debug, Clone, Copy)]
pub struct Reference {
    /// Dot path to a string or an array of strings; passes through arrays.
    pub path: &'static str,
    /// Names of the types the value may point to.
    pub targets: &'static [&'static str],
    pub match_by: MatchBy,
    /// Values allowed there that are not ids (`All`, `AllTrusted`, `all_users`...).
    pub special: &'static [&'static str],
    /// The target may legitimately live outside the tenant (first-party apps),
    /// so a missing target is not a broken reference.
    pub may_be_external: bool,
}

impl Reference {
    /// Whether `value` is one of this reference's special non-id values.
    pub fn is_special(&self, value: &str) -> bool {
        self.special.iter().any(|s| s.eq_ignore_ascii_case(value))
    }

    /// The id values this reference holds in `body`, special values excluded.
    pub fn values<'a>(&self, body: &'a Value) -> Vec<&'a str> {
        let mut out = Vec::new();
        dotpath::visit(body, self.path, &mut |v| match v {
            Value::String(s) if !self.is_special(s) => out.push(s.as_str()),
            Value::Array(items) => out.extend(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|s| !self.is_special(s)),
            ),
            _ => {}
        });
        out
    }
}

/// A relationship exported alongside an object rather than as a property
/// (group members, owners, a user's manager).
#[derive(Debug, Clone, Copy)]
pub struct Link {
    /// Graph's navigation property name: `members`, `owners`, `manager`.
    pub name: &'static str,
    pub targets: &'static [&'static str],
    /// False for single-valued links (`manager`).
    pub many: bool,
}

/// Delta query support.
#[derive(Debug, Clone, Copy)]
pub struct Delta {
    /// Path of the delta function, e.g. `users/delta`.
    pub path: &'static str,
    /// A property every object has and Graph filters with `startswith`
    /// (`userPrincipalName`): a first read then lists the collection in
    /// partitions by its leading characters, side by side, instead of one
    /// delta round's chain of 200-object pages. Only for types whose links
    /// are single-valued, since `$expand` returns at most 20 related objects.
    pub partition: Option<&'static str>,
}

/// Which throttling budget a type's requests draw from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleClass {
    /// The identity-and-access resource-unit bucket per app and tenant.
    Directory,
    /// Conditional Access policies and named locations: 1 request/s per tenant.
    ConditionalAccess,
}

/// Where a deleted object goes and how it is brought back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoftDelete {
    /// `directory/deletedItems/microsoft.graph.<cast>`, restorable for 30 days.
    Directory { cast: &'static str },
    /// `identity/conditionalAccess/deletedItems/<segment>`, restorable for 30 days.
    ConditionalAccess { segment: &'static str },
    /// Deleting is permanent (or impossible).
    None,
}

impl SoftDelete {
    /// The collection that lists deleted objects of this type, if there is one.
    pub fn deleted_items_path(self) -> Option<String> {
        match self {
            SoftDelete::Directory { cast } => {
                Some(format!("directory/deletedItems/microsoft.graph.{cast}"))
            }
            SoftDelete::ConditionalAccess { segment } => {
                Some(format!("identity/conditionalAccess/deletedItems/{segment}"))
            }
            SoftDelete::None => None,
        }
    }

    /// The path that brings deleted object `id` back with its id, if it can be.
    pub fn restore_path(self, id: &str) -> Option<String> {
        match self {
            SoftDelete::Directory { .. } => Some(format!("directory/deletedItems/{id}/restore")),
            SoftDelete::ConditionalAccess { segment } => Some(format!(
                "identity/conditionalAccess/deletedItems/{segment}/{id}/restore"
            )),
            SoftDelete::None => None,
        }
    }
}

/// A property that PATCH cannot set; it is written through an action instead.
#[derive(Debug, Clone, Copy)]
pub enum PropertyWrite {
    /// Replaced as a whole: POST `{item}/{action}` with `{property: value}`
    /// (authentication strengths' `updateAllowedCombinations`).
    Action {
        property: &'static str,
        action: &'static str,
    },
    /// Elements added with POST `{item}/{add}` and removed with POST
    /// `{item}/{remove}` (application secrets: `addPassword`/`removePassword`).
    AddRemove {
        property: &'static str,
        add: &'static str,
        remove: &'static str,
    },
}

impl PropertyWrite {
    pub fn property(&self) -> &'static str {
        match *self {
            PropertyWrite::Action { property, .. } | PropertyWrite::AddRemove { property, .. } => {
                property
            }
        }
    }
}

/// How a type is written back (restore).
#[derive(Debug, Clone, Copy)]
pub struct WriteRules {
    /// PATCH and POST bodies must carry `@odata.type` (polymorphic types).
    pub needs_odata_type: bool,
    /// Properties written through actions rather than PATCH.
    pub property_writes: &'static [PropertyWrite],
    /// Properties accepted when creating but not when updating.
    pub create_only: &'static [&'static str],
}

/// Graph permissions (application or delegated scopes) a type needs.
#[derive(Debug, Clone, Copy)]
pub struct Permissions {
    pub read: &'static [&'static str],
    pub write: &'static [&'static str],
}

/// Everything the engine knows about one Entra object type.
#[derive(Debug)]
pub struct ObjectType {
    /// Graph's entity name, singular camelCase: the CLI's `--types` value.
    pub name: &'static str,
    /// For people: "Conditional Access policy".
    pub display_name: &'static str,
    pub api_version: ApiVersion,
    /// Where objects are read; most types have one source.
    pub sources: &'static [Source],
    /// Properties to `$select`; empty means the endpoint's full default set.
    pub select: &'static [&'static str],
    /// Properties that identify the object across tenants and re-creation
    /// (`userPrincipalName`, `appId`, `templateId`...).
    pub natural_key: &'static [&'static str],
    /// Properties that change without anyone changing configuration; kept as
    /// snapshot metadata outside the compared body. Dot paths allowed.
    pub volatile: &'static [&'static str],
    /// Properties the service sets; stripped before writing. Dot paths allowed.
    pub read_only: &'static [&'static str],
    pub set_arrays: &'static [SetArray],
    pub references: &'static [Reference],
    pub links: &'static [Link],
    /// Properties dropped when normalizing because another type owns them
    /// (the methods policy embeds its method configurations).
    pub ignored: &'static [&'static str],
    /// Objects or arrays of objects (dot paths) whose `@odata.type` Graph needs
    /// to write them; `@odata.type` is dropped everywhere else.
    pub typed_paths: &'static [&'static str],
    /// The object itself is polymorphic: its top-level `@odata.type` is kept.
    pub polymorphic: bool,
    pub delta: Option<Delta>,
    pub throttle: ThrottleClass,
    pub soft_delete: SoftDelete,
    pub write: WriteRules,
    pub permissions: Permissions,
    /// Restore order: a type is restored after every type it references
    /// (lower first). Links are restored after all objects.
    pub restore_rank: u16,
}

impl ObjectType {
    /// Every registered type, in registry order.
    pub fn all() -> &'static [ObjectType] {
        table::TYPES
    }

    /// The type named `name`, case-insensitively (`ConditionalAccessPolicy` works).
    pub fn find(name: &str) -> Option<&'static ObjectType> {
        table::TYPES
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// Every type's name, comma-separated: what an "unknown type" message lists.
    pub fn known_names() -> String {
        let names: Vec<&str> = table::TYPES.iter().map(|t| t.name).collect();
        names.join(", ")
    }

    /// Every type, referenced types before the types that reference them.
    pub fn restore_order() -> Vec<&'static ObjectType> {
        let mut types: Vec<_> = table::TYPES.iter().collect();
        types.sort_by_key(|t| t.restore_rank);
        types
    }

    pub fn is_singleton(&self) -> bool {
        self.sources.len() == 1 && matches!(self.sources[0].shape, SourceShape::Singleton { .. })
    }

    /// The `$select` of a delta query: the properties plus the tracked links.
    pub fn delta_select(&self) -> Vec<&'static str> {
        let mut select = self.select.to_vec();
        select.extend(self.links.iter().map(|l| l.name));
        select
    }

    /// The source a raw object came from: the one whose marker it carries,
    /// else the one without a marker.
    pub fn source_for(&self, raw: &Value) -> &'static Source {
        self.sources
            .iter()
            .find(|s| s.matches(raw))
            .or_else(|| self.sources.iter().find(|s| s.marker.is_none()))
            .unwrap_or(&self.sources[0])
    }

    /// The natural key of `body` (values joined with `/`), if every part is present.
    pub fn natural_key_of(&self, body: &Value) -> Option<String> {
        let parts: Option<Vec<String>> = self
            .natural_key
            .iter()
            .map(|k| match body.get(k)? {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Null => None,
                Value::String(_) => None,
                other => Some(other.to_string()),
            })
            .collect();
        parts.map(|p| p.join("/"))
    }

    /// A name for listings: `displayName`, else the natural key, else `id`.
    pub fn label_of(&self, body: &Value, id: &str) -> String {
        match body.get("displayName") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => self.natural_key_of(body).unwrap_or_else(|| id.to_string()),
        }
    }

    /// The set-array rule for `path`, if that array has set semantics.
    pub fn set_array(&self, path: &str) -> Option<&SetArray> {
        self.set_arrays.iter().find(|s| s.path == path)
    }

    pub fn link(&self, name: &str) -> Option<&Link> {
        self.links.iter().find(|l| l.name == name)
    }
}

impl PartialEq for ObjectType {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for ObjectType {}

impl std::fmt::Display for ObjectType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashSet;

    const DESIGN_TYPES: &[&str] = &[
        "user",
        "group",
        "application",
        "servicePrincipal",
        "administrativeUnit",
        "roleDefinition",
        "roleAssignment",
        "oAuth2PermissionGrant",
        "conditionalAccessPolicy",
        "namedLocation",
        "authenticationStrengthPolicy",
        "authenticationContextClassReference",
        "authenticationMethodsPolicy",
        "authenticationMethodConfiguration",
        "authorizationPolicy",
        "crossTenantAccessPolicy",
        "organization",
    ];

    fn plausible_path(p: &str) -> bool {
        !p.is_empty()
            && p.split('.').all(|seg| {
                !seg.is_empty() && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
    }

    #[test]
    fn every_design_type_is_findable_case_insensitively() {
        for name in DESIGN_TYPES {
            let ty = ObjectType::find(name).unwrap_or_else(|| panic!("{name} not registered"));
            assert_eq!(ty.name, *name);
            assert_eq!(
                ObjectType::find(&name.to_uppercase()).map(|t| t.name),
                Some(*name)
            );
        }
        assert_eq!(
            ObjectType::find("ConditionalAccessPolicy").map(|t| t.name),
            Some("conditionalAccessPolicy")
        );
        assert!(ObjectType::find("device").is_none());
        assert_eq!(ObjectType::all().len(), DESIGN_TYPES.len());
    }

    #[test]
    fn names_and_ranks_are_unique() {
        let names: HashSet<_> = ObjectType::all()
            .iter()
            .map(|t| t.name.to_lowercase())
            .collect();
        assert_eq!(names.len(), ObjectType::all().len());
        let ranks: HashSet<_> = ObjectType::all().iter().map(|t| t.restore_rank).collect();
        assert_eq!(ranks.len(), ObjectType::all().len());
    }

    #[test]
    fn every_reference_and_link_target_is_registered() {
        for ty in ObjectType::all() {
            for r in ty.references {
                assert!(
                    !r.targets.is_empty(),
                    "{}: {} has no target",
                    ty.name,
                    r.path
                );
                for t in r.targets {
                    assert!(
                        ObjectType::find(t).is_some(),
                        "{}: {} -> {t}",
                        ty.name,
                        r.path
                    );
                }
            }
            for l in ty.links {
                for t in l.targets {
                    assert!(
                        ObjectType::find(t).is_some(),
                        "{}: {} -> {t}",
                        ty.name,
                        l.name
                    );
                }
            }
        }
    }

    #[test]
    fn every_path_is_a_plausible_dot_path() {
        for ty in ObjectType::all() {
            let paths = ty
                .set_arrays
                .iter()
                .map(|s| s.path)
                .chain(ty.references.iter().map(|r| r.path))
                .chain(ty.volatile.iter().copied())
                .chain(ty.read_only.iter().copied())
                .chain(ty.ignored.iter().copied())
                .chain(ty.write.create_only.iter().copied())
                .chain(ty.typed_paths.iter().copied());
            for p in paths {
                assert!(plausible_path(p), "{}: implausible path {p:?}", ty.name);
            }
            for s in ty.set_arrays {
                if let Some(k) = s.key {
                    assert!(plausible_path(k), "{}: key {k:?}", ty.name);
                }
            }
            for k in ty.natural_key.iter().chain(ty.select) {
                assert!(plausible_path(k), "{}: {k:?}", ty.name);
            }
        }
    }

    #[test]
    fn restore_ranks_respect_every_reference() {
        for ty in ObjectType::all() {
            for r in ty.references {
                for t in r.targets {
                    let target = ObjectType::find(t).unwrap();
                    if target == ty {
                        continue;
                    }
                    assert!(
                        target.restore_rank < ty.restore_rank,
                        "{} ({}) references {} ({}) via {} but is not restored after it",
                        ty.name,
                        ty.restore_rank,
                        target.name,
                        target.restore_rank,
                        r.path
                    );
                }
            }
        }
        let order: Vec<_> = ObjectType::restore_order().iter().map(|t| t.name).collect();
        assert_eq!(order.last(), Some(&"conditionalAccessPolicy"));
    }

    #[test]
    fn selects_never_ask_for_write_only_or_unlistable_properties() {
        for ty in ObjectType::all() {
            for bad in [
                "passwordProfile",
                "aboutMe",
                "birthday",
                "skills",
                "manager",
            ] {
                assert!(!ty.select.contains(&bad), "{} selects {bad}", ty.name);
            }
            // Volatile properties are read (to keep as metadata) but never compared.
            for v in ty.volatile {
                assert!(!ty.natural_key.contains(v), "{}: volatile key {v}", ty.name);
            }
        }
        let users = ObjectType::find("user").unwrap();
        for p in [
            "department",
            "jobTitle",
            "employeeId",
            "companyName",
            "accountEnabled",
            "usageLocation",
        ] {
            assert!(users.select.contains(&p), "users must select {p}");
        }
        assert_eq!(users.delta_select().last(), Some(&"manager"));
    }

    #[test]
    fn every_type_has_a_source_permissions_and_consistent_delta() {
        for ty in ObjectType::all() {
            assert!(!ty.sources.is_empty(), "{}", ty.name);
            assert!(!ty.permissions.read.is_empty(), "{}", ty.name);
            assert!(!ty.natural_key.is_empty(), "{}", ty.name);
            for s in ty.sources {
                assert!(
                    plausible_path(&s.path.replace('/', ".")),
                    "{}: {}",
                    ty.name,
                    s.path
                );
            }
            if let Some(d) = ty.delta {
                assert!(d.path.ends_with("/delta"), "{}", ty.name);
                assert!(
                    !ty.select.is_empty(),
                    "{}: delta tracks only selected properties",
                    ty.name
                );
                if let Some(p) = d.partition {
                    assert!(ty.select.contains(&p), "{}: partitions by {p}", ty.name);
                    assert!(
                        ty.links.iter().all(|l| !l.many),
                        "{}: a partitioned list expands its links, at most 20 each",
                        ty.name
                    );
                    assert!(ty.links.len() <= 1, "{}: Graph expands one link", ty.name);
                }
            }
            for w in ty.write.property_writes {
                assert!(
                    ty.read_only.contains(&w.property()),
                    "{}: {} must be stripped from PATCH",
                    ty.name,
                    w.property()
                );
            }
        }
        let singletons: Vec<_> = ObjectType::all()
            .iter()
            .filter(|t| t.is_singleton())
            .map(|t| t.name)
            .collect();
        assert_eq!(
            singletons,
            ["authenticationMethodsPolicy", "authorizationPolicy"]
        );
    }

    #[test]
    fn cross_tenant_sources_are_told_apart() {
        let ty = ObjectType::find("crossTenantAccessPolicy").unwrap();
        let partner =
            json!({"tenantId": "9c2b6f0e-0000-4000-8000-000000000001", "isServiceProvider": true});
        let default = json!({"isServiceDefault": true});
        let policy = json!({"id": "c7f2…", "displayName": "CrossTenantAccessPolicy", "allowedCloudEndpoints": []});
        assert_eq!(
            ty.source_for(&partner).object_id(&partner).as_deref(),
            Some("9c2b6f0e-0000-4000-8000-000000000001")
        );
        assert_eq!(
            ty.source_for(&default).object_id(&default).as_deref(),
            Some("default")
        );
        assert_eq!(
            ty.source_for(&policy).object_id(&policy).as_deref(),
            Some("policy")
        );
        assert_eq!(
            ty.source_for(&partner).patch_path("x"),
            "policies/crossTenantAccessPolicy/partners/x"
        );
        assert_eq!(
            ty.source_for(&default).patch_path("default"),
            "policies/crossTenantAccessPolicy/default"
        );
    }

    #[test]
    fn references_read_ids_and_skip_special_values() {
        let ca = ObjectType::find("conditionalAccessPolicy").unwrap();
        let body = json!({
            "conditions": {
                "users": {"includeUsers": ["All"], "excludeGroups": ["g1", "g2"], "includeRoles": ["62e90394-69f5-4237-9190-012177145e10"]},
                "applications": {"includeApplications": ["Office365", "00000003-0000-0000-c000-000000000000"]},
                "locations": {"includeLocations": ["All"], "excludeLocations": ["AllTrusted", "00000000-0000-0000-0000-000000000000", "loc1"]}
            },
            "grantControls": {"authenticationStrength": {"id": "00000000-0000-0000-0000-000000000004"}}
        });
        let find = |path: &str| ca.references.iter().find(|r| r.path == path).unwrap();
        assert_eq!(
            find("conditions.users.excludeGroups").values(&body),
            ["g1", "g2"]
        );
        assert!(
            find("conditions.users.includeUsers")
                .values(&body)
                .is_empty()
        );
        assert_eq!(
            find("conditions.users.includeRoles").match_by,
            MatchBy::TemplateId
        );
        let apps = find("conditions.applications.includeApplications");
        assert_eq!(apps.match_by, MatchBy::AppId);
        assert_eq!(apps.values(&body), ["00000003-0000-0000-c000-000000000000"]);
        assert_eq!(
            find("conditions.locations.excludeLocations").values(&body),
            ["loc1"]
        );
        assert_eq!(
            find("grantControls.authenticationStrength.id").values(&body),
            ["00000000-0000-0000-0000-000000000004"]
        );

        let methods = ObjectType::find("authenticationMethodConfiguration").unwrap();
        let cfg = json!({"includeTargets": [{"id": "all_users", "targetType": "group"}, {"id": "g9", "targetType": "group"}]});
        let r = methods
            .references
            .iter()
            .find(|r| r.path == "includeTargets.id")
            .unwrap();
        assert_eq!(r.values(&cfg), ["g9"]);
    }
}
