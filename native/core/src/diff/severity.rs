//! How much a change matters, and why, in one line a person understands.
//!
//! Every rule is one row of [`RULES`]; each looks at a change (and the bodies
//! before and after, when they were read) and may return a severity and a
//! reason. The most severe verdict wins, the earlier rule on a tie, and the
//! last row always answers, so every change gets a severity.

use std::collections::BTreeMap;

use serde_json::Value;

use super::model::{Change, ChangeKind, Severity, UNKNOWN_NAME};
use crate::dotpath;
use crate::registry::ObjectType;
use crate::wellknown;

/// A change as the rules see it.
pub struct Subject<'a> {
    pub change: &'a Change,
    /// The normalized body before and after; `None` when the object did not
    /// exist on that side, or when only its links changed (the body was not read).
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
}

/// What the rules know beyond one change.
#[derive(Debug, Default, Clone)]
pub struct Context {
    /// Id -> display name, for every id the report resolved.
    pub names: BTreeMap<String, String>,
    /// Group or user id -> enabled CA policies (newer snapshot) that exclude it.
    pub excluded_by: BTreeMap<String, Vec<String>>,
    /// Named location id -> CA policies (newer snapshot) that reference it.
    pub location_used_by: BTreeMap<String, Vec<String>>,
    /// Named location id -> CA policies (older snapshot) that referenced it.
    pub location_used_before: BTreeMap<String, Vec<String>>,
}

impl Context {
    pub fn name<'a>(&'a self, id: &'a str) -> &'a str {
        match self.names.get(id) {
            Some(n) if n != UNKNOWN_NAME => n,
            _ => wellknown::name_of(id).unwrap_or(id),
        }
    }
}

pub type Verdict = (Severity, String);

/// One severity rule.
pub struct Rule {
    /// Stable id, for tests and documentation.
    pub id: &'static str,
    pub applies: fn(&Subject, &Context) -> Option<Verdict>,
}

/// The rules, most specific first. The last one always matches.
pub static RULES: &[Rule] = &[
    Rule {
        id: "ca-policy-disabled",
        applies: ca_disabled,
    },
    Rule {
        id: "ca-policy-report-only",
        applies: ca_report_only,
    },
    Rule {
        id: "ca-policy-deleted",
        applies: ca_deleted,
    },
    Rule {
        id: "ca-grant-weakened",
        applies: ca_grant_weakened,
    },
    Rule {
        id: "break-glass-exclusion-lost",
        applies: break_glass_exclusion_lost,
    },
    Rule {
        id: "ca-scope-narrowed",
        applies: ca_scope_narrowed,
    },
    Rule {
        id: "ca-excluded-location-dropped",
        applies: ca_excluded_location_dropped,
    },
    Rule {
        id: "exclusion-group-member-added",
        applies: exclusion_member_added,
    },
    Rule {
        id: "named-location-weakened",
        applies: named_location_weakened,
    },
    Rule {
        id: "auth-method-enabled",
        applies: auth_method_enabled,
    },
    Rule {
        id: "authorization-policy-opened",
        applies: authorization_opened,
    },
    Rule {
        id: "cross-tenant-trust-added",
        applies: cross_tenant_trust,
    },
    Rule {
        id: "app-credential-or-owner-added",
        applies: app_credential_or_owner,
    },
    Rule {
        id: "privileged-role-assigned",
        applies: role_assigned,
    },
    Rule {
        id: "delegated-consent-granted",
        applies: super::consent::delegated_consent,
    },
    Rule {
        id: "default",
        applies: default_rule,
    },
];

/// The verdict for `s`: the most severe rule's, the earlier one on a tie.
pub fn assess(s: &Subject, ctx: &Context) -> Verdict {
    let mut best: Option<Verdict> = None;
    for rule in RULES {
        if let Some(v) = (rule.applies)(s, ctx)
            && best.as_ref().is_none_or(|b| v.0 > b.0)
        {
            best = Some(v);
        }
    }
    best.unwrap_or((Severity::Low, String::new()))
}

// ---- helpers ---------------------------------------------------------------

fn is(s: &Subject, ty: &str) -> bool {
    s.change.object_type == ty
}

fn at<'a>(body: Option<&'a Value>, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(body?, |v, k| v.get(k))
}

fn str_at<'a>(body: Option<&'a Value>, path: &str) -> Option<&'a str> {
    at(body, path).and_then(Value::as_str)
}

fn bool_at(body: Option<&Value>, path: &str) -> bool {
    at(body, path).and_then(Value::as_bool).unwrap_or(false)
}

/// The strings of the array at `path` (empty when absent).
fn strings(body: Option<&Value>, path: &str) -> Vec<String> {
    at(body, path)
        .map(dotpath::strings)
        .unwrap_or_default()
        .into_iter()
        .map(String::from)
        .collect()
}

/// Strings in the newer array and not the older (`gained`), or the reverse.
fn gained(s: &Subject, path: &str) -> Vec<String> {
    let old = strings(s.before, path);
    strings(s.after, path)
        .into_iter()
        .filter(|v| !old.iter().any(|o| o.eq_ignore_ascii_case(v)))
        .collect()
}

fn lost(s: &Subject, path: &str) -> Vec<String> {
    let new = strings(s.after, path);
    strings(s.before, path)
        .into_iter()
        .filter(|v| !new.iter().any(|n| n.eq_ignore_ascii_case(v)))
        .collect()
}

fn both_sides(s: &Subject) -> bool {
    s.before.is_some() && s.after.is_some()
}

fn quoted(ctx: &Context, ids: &[String]) -> String {
    ids.iter()
        .map(|id| format!("'{}'", ctx.name(id)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Break-glass (emergency access) accounts and groups are recognised by name;
/// there is no property that marks them.
pub fn looks_break_glass(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace(['-', '_', ' '], "");
    n.contains("breakglass") || n.contains("emergency")
}

/// What a CA policy enforces, for reasons: "MFA for All users".
fn ca_enforces(body: Option<&Value>, ctx: &Context) -> String {
    let mut controls: Vec<String> = strings(body, "grantControls.builtInControls")
        .iter()
        .map(|c| match c.as_str() {
            "mfa" => "MFA".to_string(),
            "compliantDevice" => "a compliant device".to_string(),
            "domainJoinedDevice" => "a hybrid-joined device".to_string(),
            "block" => "blocking access".to_string(),
            "approvedApplication" => "an approved client app".to_string(),
            "compliantApplication" => "an app protection policy".to_string(),
            "passwordChange" => "a password change".to_string(),
            other => other.to_string(),
        })
        .collect();
    if let Some(id) = str_at(body, "grantControls.authenticationStrength.id") {
        controls.push(format!("authentication strength '{}'", ctx.name(id)));
    }
    let joiner = match str_at(body, "grantControls.operator") {
        Some("OR") => " or ",
        _ => " and ",
    };
    let what = if controls.is_empty() {
        "its controls".to_string()
    } else {
        controls.join(joiner)
    };
    let users = strings(body, "conditions.users.includeUsers");
    let groups = strings(body, "conditions.users.includeGroups");
    let roles = strings(body, "conditions.users.includeRoles");
    let who = if users.iter().any(|u| u.eq_ignore_ascii_case("All")) {
        "all users".to_string()
    } else {
        let mut parts = Vec::new();
        if !groups.is_empty() {
            parts.push(format!("group(s) {}", quoted(ctx, &groups)));
        }
        if !roles.is_empty() {
            parts.push(format!("role(s) {}", quoted(ctx, &roles)));
        }
        if !users.is_empty() {
            parts.push(format!("user(s) {}", quoted(ctx, &users)));
        }
        if parts.is_empty() {
            "its users".to_string()
        } else {
            parts.join(", ")
        }
    };
    format!("{what} for {who}")
}

fn state_change<'a>(s: &'a Subject) -> Option<(&'a str, &'a str)> {
    Some((str_at(s.before, "state")?, str_at(s.after, "state")?))
}

// ---- rules -----------------------------------------------------------------

fn ca_disabled(s: &Subject, ctx: &Context) -> Option<Verdict> {
    if !is(s, "conditionalAccessPolicy") || state_change(s)? != ("enabled", "disabled") {
        return None;
    }
    Some((
        Severity::Critical,
        format!(
            "Conditional Access policy '{}' was disabled: {} is no longer enforced",
            s.change.object_name,
            ca_enforces(s.before, ctx)
        ),
    ))
}

fn ca_report_only(s: &Subject, ctx: &Context) -> Option<Verdict> {
    let (old, new) = state_change(s)?;
    if !is(s, "conditionalAccessPolicy")
        || old != "enabled"
        || new != "enabledForReportingButNotEnforced"
    {
        return None;
    }
    Some((
        Severity::Critical,
        format!(
            "Conditional Access policy '{}' was moved to report-only: {} is no longer enforced",
            s.change.object_name,
            ca_enforces(s.before, ctx)
        ),
    ))
}

fn ca_deleted(s: &Subject, ctx: &Context) -> Option<Verdict> {
    if !is(s, "conditionalAccessPolicy") || s.change.kind != ChangeKind::Removed {
        return None;
    }
    let name = &s.change.object_name;
    Some(if str_at(s.before, "state") == Some("enabled") {
        (
            Severity::Critical,
            format!(
                "Conditional Access policy '{name}' was deleted: {} is no longer enforced",
                ca_enforces(s.before, ctx)
            ),
        )
    } else {
        (
            Severity::Medium,
            format!("Conditional Access policy '{name}' was deleted (it was not enforced)"),
        )
    })
}

/// Enabled or report-only after the change: weakening a disabled policy changes nothing yet.
fn ca_active_after(s: &Subject) -> bool {
    is(s, "conditionalAccessPolicy")
        && both_sides(s)
        && str_at(s.after, "state").is_some_and(|st| st != "disabled")
}

/// Built-in strengths from weakest to strongest.
fn strength_rank(id: &str) -> Option<usize> {
    [
        wellknown::MFA_STRENGTH_ID,
        wellknown::PASSWORDLESS_MFA_STRENGTH_ID,
        wellknown::PHISHING_RESISTANT_MFA_STRENGTH_ID,
    ]
    .iter()
    .position(|s| s.eq_ignore_ascii_case(id))
}

fn ca_grant_weakened(s: &Subject, ctx: &Context) -> Option<Verdict> {
    if !ca_active_after(s) {
        return None;
    }
    let name = &s.change.object_name;
    let removed = lost(s, "grantControls.builtInControls");
    let strong: Vec<&String> = removed
        .iter()
        .filter(|c| {
            matches!(
                c.as_str(),
                "mfa" | "compliantDevice" | "domainJoinedDevice" | "block"
            )
        })
        .collect();
    let old_strength = str_at(s.before, "grantControls.authenticationStrength.id");
    let new_strength = str_at(s.after, "grantControls.authenticationStrength.id");
    if !strong.is_empty() {
        let list = strong
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        return Some((
            Severity::Critical,
            format!("Conditional Access policy '{name}' no longer requires {list}"),
        ));
    }
    if let Some(old) = old_strength {
        match new_strength {
            None if !strings(s.after, "grantControls.builtInControls").contains(&"mfa".into()) => {
                return Some((
                    Severity::Critical,
                    format!(
                        "Conditional Access policy '{name}' no longer requires authentication strength '{}'",
                        ctx.name(old)
                    ),
                ));
            }
            Some(new) if !new.eq_ignore_ascii_case(old) => {
                let weaker = match (strength_rank(old), strength_rank(new)) {
                    (Some(a), Some(b)) => b < a,
                    // A custom strength may be weaker or stronger; say it changed.
                    _ => true,
                };
                if weaker {
                    return Some((
                        Severity::High,
                        format!(
                            "Conditional Access policy '{name}' now accepts authentication strength '{}' instead of '{}'",
                            ctx.name(new),
                            ctx.name(old)
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
    let controls = strings(s.after, "grantControls.builtInControls").len()
        + usize::from(new_strength.is_some());
    if str_at(s.before, "grantControls.operator") == Some("AND")
        && str_at(s.after, "grantControls.operator") == Some("OR")
        && controls > 1
    {
        return Some((
            Severity::High,
            format!(
                "Conditional Access policy '{name}' now accepts any one of its grant controls instead of all of them"
            ),
        ));
    }
    None
}

const EXCLUSIONS: &[(&str, &str)] = &[
    ("conditions.users.excludeUsers", "user"),
    ("conditions.users.excludeGroups", "group"),
    ("conditions.users.excludeRoles", "role"),
    ("conditions.applications.excludeApplications", "app"),
];
const INCLUSIONS: &[(&str, &str)] = &[
    ("conditions.users.includeUsers", "user"),
    ("conditions.users.includeGroups", "group"),
    ("conditions.users.includeRoles", "role"),
    ("conditions.applications.includeApplications", "app"),
];

fn break_glass_exclusion_lost(s: &Subject, ctx: &Context) -> Option<Verdict> {
    if !is(s, "conditionalAccessPolicy") || !both_sides(s) {
        return None;
    }
    for (path, what) in &EXCLUSIONS[..2] {
        if let Some(id) = lost(s, path)
            .into_iter()
            .find(|id| looks_break_glass(ctx.name(id)))
        {
            let what = if *what == "user" { "account" } else { what };
            return Some((
                Severity::High,
                format!(
                    "Break-glass {what} '{}' is no longer excluded from Conditional Access policy '{}': a faulty policy could now lock every administrator out",
                    ctx.name(&id),
                    s.change.object_name
                ),
            ));
        }
    }
    None
}

fn ca_scope_narrowed(s: &Subject, ctx: &Context) -> Option<Verdict> {
    if !ca_active_after(s) {
        return None;
    }
    let name = &s.change.object_name;
    let mut parts = Vec::new();
    for (path, what) in EXCLUSIONS {
        let ids = gained(s, path);
        if !ids.is_empty() {
            parts.push(format!("now excludes {what}(s) {}", quoted(ctx, &ids)));
        }
    }
    for (path, what) in INCLUSIONS {
        let ids = lost(s, path);
        if !ids.is_empty() {
            parts.push(format!(
                "no longer applies to {what}(s) {}",
                quoted(ctx, &ids)
            ));
        }
    }
    let ids = gained(s, "conditions.locations.excludeLocations");
    if !ids.is_empty() {
        parts.push(format!("now excludes location(s) {}", quoted(ctx, &ids)));
    }
    let ids = lost(s, "conditions.locations.includeLocations");
    if !ids.is_empty() {
        parts.push(format!(
            "no longer applies at location(s) {}",
            quoted(ctx, &ids)
        ));
    }
    high_if_any(&format!("Conditional Access policy '{name}' "), &parts)
}

/// High, with `lead` and the parts joined, when there is any part: the
/// verdict of the rules that collect several weakenings of one object.
fn high_if_any(lead: &str, parts: &[String]) -> Option<Verdict> {
    (!parts.is_empty()).then(|| (Severity::High, format!("{lead}{}", parts.join("; "))))
}

/// A location no longer excluded: the policy now applies there too. Stricter,
/// not weaker, but a block policy that stops sparing the office or the
/// allowed countries locks people out, so it is reported, and high for block.
fn ca_excluded_location_dropped(s: &Subject, ctx: &Context) -> Option<Verdict> {
    if !ca_active_after(s) {
        return None;
    }
    let ids = lost(s, "conditions.locations.excludeLocations");
    if ids.is_empty() {
        return None;
    }
    let name = &s.change.object_name;
    let list = quoted(ctx, &ids);
    if strings(s.after, "grantControls.builtInControls").contains(&"block".to_string()) {
        return Some((
            Severity::High,
            format!(
                "Conditional Access policy '{name}' no longer excludes location(s) {list}: sign-ins from there are now blocked too"
            ),
        ));
    }
    Some((
        Severity::Medium,
        format!(
            "Conditional Access policy '{name}' no longer excludes location(s) {list}: it now applies there too"
        ),
    ))
}

fn exclusion_member_added(s: &Subject, ctx: &Context) -> Option<Verdict> {
    if !is(s, "group") {
        return None;
    }
    let policies = ctx.excluded_by.get(&s.change.object_id)?;
    let added: Vec<&str> = s
        .change
        .links
        .iter()
        .filter(|l| l.link == "members")
        .flat_map(|l| l.added.iter().map(|n| n.name.as_str()))
        .collect();
    if added.is_empty() || policies.is_empty() {
        return None;
    }
    let who = added
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let list = policies
        .iter()
        .map(|p| format!("'{p}'"))
        .collect::<Vec<_>>()
        .join(", ");
    Some((
        Severity::High,
        format!(
            "{who} added to group '{}', which exempts members from enabled Conditional Access policies {list}",
            s.change.object_name
        ),
    ))
}

fn named_location_weakened(s: &Subject, ctx: &Context) -> Option<Verdict> {
    if !is(s, "namedLocation") {
        return None;
    }
    let name = &s.change.object_name;
    if s.change.kind == ChangeKind::Removed {
        let list = |users: &Vec<String>| {
            users
                .iter()
                .map(|p| format!("'{p}'"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if let Some(users) = ctx.location_used_by.get(&s.change.object_id) {
            return Some((
                Severity::High,
                format!(
                    "Named location '{name}' was deleted while Conditional Access policies {} still reference it",
                    list(users)
                ),
            ));
        }
        // The references went first (Graph refuses to delete a location in
        // use): the policies' own changes say what that did; the deletion
        // matters because restoring those policies needs the location back.
        let users = ctx.location_used_before.get(&s.change.object_id)?;
        return Some((
            Severity::Medium,
            format!(
                "Named location '{name}' was deleted after being removed from Conditional Access policies {}",
                list(users)
            ),
        ));
    }
    if !both_sides(s) {
        return None;
    }
    let mut parts = Vec::new();
    if !bool_at(s.before, "isTrusted") && bool_at(s.after, "isTrusted") {
        parts.push("is now trusted".to_string());
    }
    let old_ranges: Vec<&str> = ranges(s.before);
    let new_ranges: Vec<&str> = ranges(s.after)
        .into_iter()
        .filter(|r| !old_ranges.contains(r))
        .collect();
    if !new_ranges.is_empty() {
        parts.push(format!("now also covers {}", new_ranges.join(", ")));
    }
    let countries = gained(s, "countriesAndRegions");
    if !countries.is_empty() {
        parts.push(format!("now also includes {}", countries.join(", ")));
    }
    if !bool_at(s.before, "includeUnknownCountriesAndRegions")
        && bool_at(s.after, "includeUnknownCountriesAndRegions")
    {
        parts.push("now includes unknown countries".to_string());
    }
    high_if_any(&format!("Named location '{name}' "), &parts)
}

fn ranges(body: Option<&Value>) -> Vec<&str> {
    at(body, "ipRanges")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| r.get("cidrAddress")?.as_str())
                .collect()
        })
        .unwrap_or_default()
}

/// Methods an attacker can use with a phone number or mailbox they control.
fn weak_method(id: &str) -> Option<&'static str> {
    match id.to_ascii_lowercase().as_str() {
        "sms" => Some("SMS"),
        "voice" => Some("Voice call"),
        "email" => Some("Email one-time passcode"),
        _ => None,
    }
}

fn target_ids(body: Option<&Value>) -> Vec<String> {
    at(body, "includeTargets")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| t.get("id")?.as_str())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn auth_method_enabled(s: &Subject, ctx: &Context) -> Option<Verdict> {
    if !is(s, "authenticationMethodConfiguration") {
        return None;
    }
    let method = weak_method(&s.change.object_id)?;
    let enabled_now = str_at(s.after, "state") == Some("enabled");
    let was_enabled = str_at(s.before, "state") == Some("enabled");
    let targets = target_ids(s.after);
    let name_targets = |ids: &[String]| {
        ids.iter()
            .map(|id| {
                if id == "all_users" {
                    "all users".to_string()
                } else {
                    format!("'{}'", ctx.name(id))
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if enabled_now && !was_enabled && s.after.is_some() {
        return Some((
            Severity::High,
            format!(
                "{method} sign-in was enabled for {}",
                name_targets(&targets)
            ),
        ));
    }
    if enabled_now && was_enabled {
        let old = target_ids(s.before);
        let new: Vec<String> = targets.into_iter().filter(|t| !old.contains(t)).collect();
        if !new.is_empty() {
            return Some((
                Severity::High,
                format!(
                    "{method} sign-in now also applies to {}",
                    name_targets(&new)
                ),
            ));
        }
    }
    None
}

/// Who may invite guests, from most to least restrictive.
const INVITES: &[&str] = &[
    "none",
    "adminsAndGuestInviters",
    "adminsGuestInvitersAndAllMembers",
    "everyone",
];

fn authorization_opened(s: &Subject, _ctx: &Context) -> Option<Verdict> {
    if !is(s, "authorizationPolicy") || !both_sides(s) {
        return None;
    }
    let mut parts = Vec::new();
    let rank = |b| str_at(b, "allowInvitesFrom").and_then(|v| INVITES.iter().position(|i| *i == v));
    if let (Some(a), Some(b)) = (rank(s.before), rank(s.after))
        && b > a
    {
        parts.push(format!(
            "guest invitations are now allowed from '{}'",
            INVITES[b]
        ));
    }
    let apps = "defaultUserRolePermissions.allowedToCreateApps";
    if !bool_at(s.before, apps) && bool_at(s.after, apps) {
        parts.push("every user can now register applications".to_string());
    }
    let consent = gained(
        s,
        "defaultUserRolePermissions.permissionGrantPoliciesAssigned",
    );
    if !consent.is_empty() {
        parts.push(format!(
            "users can now consent to apps ({})",
            consent.join(", ")
        ));
    }
    high_if_any("Authorization policy opened: ", &parts)
}

fn cross_tenant_trust(s: &Subject, _ctx: &Context) -> Option<Verdict> {
    if !is(s, "crossTenantAccessPolicy") {
        return None;
    }
    let trusts: Vec<&str> = [
        ("inboundTrust.isMfaAccepted", "MFA"),
        (
            "inboundTrust.isCompliantDeviceAccepted",
            "compliant devices",
        ),
        (
            "inboundTrust.isHybridAzureADJoinedDeviceAccepted",
            "hybrid-joined devices",
        ),
    ]
    .iter()
    .filter(|(p, _)| !bool_at(s.before, p) && bool_at(s.after, p))
    .map(|(_, what)| *what)
    .collect();
    if trusts.is_empty() {
        return None;
    }
    // The default settings apply to every external tenant; a partner's to one.
    let (severity, whose) = if s.change.object_id == "default" {
        (Severity::High, "every external tenant".to_string())
    } else {
        (
            Severity::Medium,
            format!("tenant '{}'", s.change.object_name),
        )
    };
    Some((
        severity,
        format!(
            "Conditional Access now trusts {} from {whose}",
            trusts.join(" and ")
        ),
    ))
}

fn app_credential_or_owner(s: &Subject, _ctx: &Context) -> Option<Verdict> {
    if !(is(s, "application") || is(s, "servicePrincipal")) || s.change.kind == ChangeKind::Added {
        return None;
    }
    let name = &s.change.object_name;
    let mut parts = Vec::new();
    for (path, what) in [
        ("passwordCredentials", "client secret"),
        ("keyCredentials", "certificate"),
    ] {
        let n: usize = s
            .change
            .attributes
            .iter()
            .filter(|a| a.path == path)
            .map(|a| a.added.len())
            .sum();
        if n > 0 {
            parts.push(if n == 1 {
                format!("a {what} was added")
            } else {
                format!("{n} {what}s were added")
            });
        }
    }
    for l in s
        .change
        .links
        .iter()
        .filter(|l| l.link == "owners" && !l.added.is_empty())
    {
        let who: Vec<String> = l.added.iter().map(|n| format!("'{}'", n.name)).collect();
        parts.push(format!("{} became owner(s)", who.join(", ")));
    }
    high_if_any(&format!("App '{name}': "), &parts)
}

fn role_assigned(s: &Subject, ctx: &Context) -> Option<Verdict> {
    if !is(s, "roleAssignment") || s.change.kind == ChangeKind::Removed {
        return None;
    }
    if s.before.is_some() && s.change.kind == ChangeKind::Modified {
        return None;
    }
    let role = str_at(s.after, "roleDefinitionId")?;
    let principal = str_at(s.after, "principalId").unwrap_or_default();
    let top = [
        wellknown::GLOBAL_ADMINISTRATOR_ROLE_ID,
        PRIVILEGED_ROLE_ADMINISTRATOR,
    ];
    let severity = if top.iter().any(|t| t.eq_ignore_ascii_case(role)) {
        Severity::Critical
    } else if wellknown::is_privileged_role(role) {
        Severity::High
    } else {
        Severity::Medium
    };
    Some((
        severity,
        format!(
            "'{}' was assigned the directory role '{}'",
            ctx.name(principal),
            ctx.name(role)
        ),
    ))
}

/// Template id of Privileged Role Administrator.
const PRIVILEGED_ROLE_ADMINISTRATOR: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";

/// Properties whose change alters no behaviour.
const COSMETIC: &[&str] = &["displayName", "description", "notes"];

fn default_rule(s: &Subject, _ctx: &Context) -> Option<Verdict> {
    let c = s.change;
    let what = ObjectType::find(&c.object_type).map_or(c.object_type.as_str(), |t| t.display_name);
    let name = &c.object_name;
    Some(match &c.kind {
        ChangeKind::Added => (Severity::Low, format!("{what} '{name}' was added")),
        ChangeKind::Removed => (Severity::Low, format!("{what} '{name}' was deleted")),
        ChangeKind::Recreated { .. } => (
            Severity::Low,
            format!("{what} '{name}' was deleted and created again under a new id"),
        ),
        ChangeKind::Modified => {
            let mut parts: Vec<String> = c.attributes.iter().map(|a| a.path.clone()).collect();
            parts.dedup();
            for l in &c.links {
                parts.push(format!(
                    "{} (+{} -{})",
                    l.link,
                    l.added.len(),
                    l.removed.len()
                ));
            }
            let cosmetic = c.links.is_empty()
                && c.attributes
                    .iter()
                    .all(|a| COSMETIC.contains(&a.path.as_str()));
            let severity = if cosmetic {
                Severity::Info
            } else {
                Severity::Low
            };
            (
                severity,
                format!("{what} '{name}' changed: {}", parts.join(", ")),
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::attrs::diff_bodies;
    use super::super::model::{LinkChange, NamedId};
    use super::*;
    use serde_json::json;

    /// The verdict of rule `id` alone, and of the whole table, for a change of
    /// `ty` from `before` to `after`.
    fn judge(
        ty: &str,
        kind: ChangeKind,
        before: Option<Value>,
        after: Option<Value>,
        links: Vec<LinkChange>,
        ctx: &Context,
        id: &str,
    ) -> (Option<Verdict>, Verdict) {
        let t = ObjectType::find(ty).unwrap();
        let attributes = match (&before, &after) {
            (Some(a), Some(b)) => diff_bodies(t, a, b),
            _ => Vec::new(),
        };
        let change = Change {
            object_type: ty.to_string(),
            object_id: "obj".to_string(),
            object_name: "Target".to_string(),
            kind,
            attributes,
            links,
            severity: Severity::Info,
            reason: String::new(),
            restorable: None,
            attribution: None,
        };
        let s = Subject {
            change: &change,
            before: before.as_ref(),
            after: after.as_ref(),
        };
        let rule = RULES.iter().find(|r| r.id == id).unwrap();
        ((rule.applies)(&s, ctx), assess(&s, ctx))
    }

    fn modified(
        ty: &str,
        before: Value,
        after: Value,
        ctx: &Context,
        id: &str,
    ) -> (Option<Verdict>, Verdict) {
        judge(
            ty,
            ChangeKind::Modified,
            Some(before),
            Some(after),
            Vec::new(),
            ctx,
            id,
        )
    }

    fn ca(state: &str, controls: &[&str], operator: &str) -> Value {
        json!({"state": state, "conditions": {"users": {"includeUsers": ["All"], "excludeGroups": ["bg"]}},
               "grantControls": {"operator": operator, "builtInControls": controls}})
    }

    fn ctx() -> Context {
        let mut c = Context::default();
        c.names.insert("bg".into(), "Break Glass".into());
        c.names.insert("g2".into(), "Contractors".into());
        c
    }

    #[test]
    fn rule_ca_policy_disabled() {
        let (v, best) = modified(
            "conditionalAccessPolicy",
            ca("enabled", &["mfa"], "OR"),
            ca("disabled", &["mfa"], "OR"),
            &ctx(),
            "ca-policy-disabled",
        );
        let (sev, reason) = v.unwrap();
        assert_eq!(sev, Severity::Critical);
        assert_eq!(
            reason,
            "Conditional Access policy 'Target' was disabled: MFA for all users is no longer enforced"
        );
        assert_eq!(best.0, Severity::Critical);
    }

    #[test]
    fn rule_ca_policy_report_only() {
        let (v, _) = modified(
            "conditionalAccessPolicy",
            ca("enabled", &["mfa"], "OR"),
            ca("enabledForReportingButNotEnforced", &["mfa"], "OR"),
            &ctx(),
            "ca-policy-report-only",
        );
        assert_eq!(v.unwrap().0, Severity::Critical);
    }

    #[test]
    fn rule_ca_policy_deleted() {
        let (v, _) = judge(
            "conditionalAccessPolicy",
            ChangeKind::Removed,
            Some(ca("enabled", &["mfa"], "OR")),
            None,
            vec![],
            &ctx(),
            "ca-policy-deleted",
        );
        assert_eq!(v.unwrap().0, Severity::Critical);
        let (v, _) = judge(
            "conditionalAccessPolicy",
            ChangeKind::Removed,
            Some(ca("disabled", &["mfa"], "OR")),
            None,
            vec![],
            &ctx(),
            "ca-policy-deleted",
        );
        assert_eq!(v.unwrap().0, Severity::Medium);
    }

    #[test]
    fn rule_ca_grant_weakened() {
        let c = ctx();
        let (v, _) = modified(
            "conditionalAccessPolicy",
            ca("enabled", &["mfa", "compliantDevice"], "AND"),
            ca("enabled", &["compliantDevice"], "AND"),
            &c,
            "ca-grant-weakened",
        );
        assert_eq!(
            v.unwrap(),
            (
                Severity::Critical,
                "Conditional Access policy 'Target' no longer requires mfa".to_string()
            )
        );
        let (v, _) = modified(
            "conditionalAccessPolicy",
            ca("enabled", &["mfa", "compliantDevice"], "AND"),
            ca("enabled", &["mfa", "compliantDevice"], "OR"),
            &c,
            "ca-grant-weakened",
        );
        assert_eq!(v.unwrap().0, Severity::High);
        let strength = |id: &str| json!({"state": "enabled", "grantControls": {"operator": "OR", "authenticationStrength": {"id": id}}});
        let (v, _) = modified(
            "conditionalAccessPolicy",
            strength(wellknown::PHISHING_RESISTANT_MFA_STRENGTH_ID),
            strength(wellknown::MFA_STRENGTH_ID),
            &c,
            "ca-grant-weakened",
        );
        let (sev, reason) = v.unwrap();
        assert_eq!(sev, Severity::High);
        assert!(reason.contains("Phishing-resistant MFA"), "{reason}");
        // A stronger strength is not a weakening.
        let (v, _) = modified(
            "conditionalAccessPolicy",
            strength(wellknown::MFA_STRENGTH_ID),
            strength(wellknown::PHISHING_RESISTANT_MFA_STRENGTH_ID),
            &c,
            "ca-grant-weakened",
        );
        assert!(v.is_none());
    }

    #[test]
    fn rule_ca_scope_narrowed() {
        let mut after = ca("enabled", &["mfa"], "OR");
        after["conditions"]["users"]["excludeGroups"] = json!(["bg", "g2"]);
        let (v, _) = modified(
            "conditionalAccessPolicy",
            ca("enabled", &["mfa"], "OR"),
            after,
            &ctx(),
            "ca-scope-narrowed",
        );
        assert_eq!(
            v.unwrap(),
            (
                Severity::High,
                "Conditional Access policy 'Target' now excludes group(s) 'Contractors'"
                    .to_string()
            )
        );
    }

    #[test]
    fn rule_break_glass_exclusion_lost() {
        let mut after = ca("enabled", &["mfa"], "OR");
        after["conditions"]["users"]["excludeGroups"] = json!([]);
        let (v, best) = modified(
            "conditionalAccessPolicy",
            ca("enabled", &["mfa"], "OR"),
            after,
            &ctx(),
            "break-glass-exclusion-lost",
        );
        let (sev, reason) = v.unwrap();
        assert_eq!(sev, Severity::High);
        assert!(
            reason.starts_with("Break-glass group 'Break Glass'"),
            "{reason}"
        );
        assert_eq!(best.1, reason);
    }

    #[test]
    fn rule_exclusion_group_member_added() {
        let mut c = ctx();
        c.excluded_by
            .insert("obj".into(), vec!["Require MFA".into()]);
        let links = vec![LinkChange {
            link: "members".into(),
            added: vec![NamedId {
                id: "u1".into(),
                name: "Mallory".into(),
            }],
            removed: vec![],
        }];
        let (v, _) = judge(
            "group",
            ChangeKind::Modified,
            None,
            None,
            links,
            &c,
            "exclusion-group-member-added",
        );
        let (sev, reason) = v.unwrap();
        assert_eq!(sev, Severity::High);
        assert!(
            reason.contains("'Mallory'") && reason.contains("'Require MFA'"),
            "{reason}"
        );
    }

    #[test]
    fn rule_named_location_weakened() {
        let loc = |trusted: bool, cidrs: &[&str]| json!({"isTrusted": trusted, "ipRanges": cidrs.iter().map(|c| json!({"cidrAddress": c})).collect::<Vec<_>>()});
        let (v, _) = modified(
            "namedLocation",
            loc(false, &["10.0.0.0/8"]),
            loc(true, &["10.0.0.0/8", "0.0.0.0/0"]),
            &ctx(),
            "named-location-weakened",
        );
        assert_eq!(
            v.unwrap(),
            (
                Severity::High,
                "Named location 'Target' is now trusted; now also covers 0.0.0.0/0".to_string()
            )
        );
        let mut c = ctx();
        c.location_used_by
            .insert("obj".into(), vec!["Block outside".into()]);
        let (v, _) = judge(
            "namedLocation",
            ChangeKind::Removed,
            Some(loc(false, &[])),
            None,
            vec![],
            &c,
            "named-location-weakened",
        );
        assert_eq!(v.unwrap().0, Severity::High);
        // The references were removed first: medium, and the reason says so.
        let mut c = ctx();
        c.location_used_before
            .insert("obj".into(), vec!["Block outside".into()]);
        let (v, _) = judge(
            "namedLocation",
            ChangeKind::Removed,
            Some(loc(false, &[])),
            None,
            vec![],
            &c,
            "named-location-weakened",
        );
        assert_eq!(
            v.unwrap(),
            (
                Severity::Medium,
                "Named location 'Target' was deleted after being removed from Conditional Access policies 'Block outside'".to_string()
            )
        );
    }

    #[test]
    fn rule_ca_excluded_location_dropped() {
        let pol = |controls: &[&str], exclude: &[&str]| {
            let mut p = ca("enabled", controls, "OR");
            p["conditions"]["locations"] =
                json!({"includeLocations": ["All"], "excludeLocations": exclude});
            p
        };
        let mut c = ctx();
        c.names.insert("loc".into(), "Allowed Countries".into());
        let (v, best) = modified(
            "conditionalAccessPolicy",
            pol(&["block"], &["loc"]),
            pol(&["block"], &[]),
            &c,
            "ca-excluded-location-dropped",
        );
        assert_eq!(
            v.unwrap(),
            (
                Severity::High,
                "Conditional Access policy 'Target' no longer excludes location(s) 'Allowed Countries': sign-ins from there are now blocked too".to_string()
            )
        );
        assert_eq!(best.0, Severity::High);
        let (v, _) = modified(
            "conditionalAccessPolicy",
            pol(&["mfa"], &["loc"]),
            pol(&["mfa"], &[]),
            &c,
            "ca-excluded-location-dropped",
        );
        assert_eq!(v.unwrap().0, Severity::Medium);
        // Excluding a location is the weakening one.
        let (v, _) = modified(
            "conditionalAccessPolicy",
            pol(&["mfa"], &[]),
            pol(&["mfa"], &["loc"]),
            &c,
            "ca-scope-narrowed",
        );
        assert_eq!(
            v.unwrap(),
            (
                Severity::High,
                "Conditional Access policy 'Target' now excludes location(s) 'Allowed Countries'"
                    .to_string()
            )
        );
    }

    #[test]
    fn rule_auth_method_enabled() {
        let cfg = |state: &str| json!({"id": "Sms", "state": state, "includeTargets": [{"id": "all_users", "targetType": "group"}]});
        let t = ObjectType::find("authenticationMethodConfiguration").unwrap();
        let change = Change {
            object_type: t.name.into(),
            object_id: "Sms".into(),
            object_name: "Sms".into(),
            kind: ChangeKind::Modified,
            attributes: vec![],
            links: vec![],
            severity: Severity::Info,
            reason: String::new(),
            restorable: None,
            attribution: None,
        };
        let (b, a) = (cfg("disabled"), cfg("enabled"));
        let s = Subject {
            change: &change,
            before: Some(&b),
            after: Some(&a),
        };
        assert_eq!(
            auth_method_enabled(&s, &ctx()).unwrap(),
            (
                Severity::High,
                "SMS sign-in was enabled for all users".to_string()
            )
        );
    }

    #[test]
    fn rule_authorization_policy_opened() {
        let pol = |invites: &str, apps: bool| json!({"allowInvitesFrom": invites, "defaultUserRolePermissions": {"allowedToCreateApps": apps}});
        let (v, _) = modified(
            "authorizationPolicy",
            pol("adminsAndGuestInviters", false),
            pol("everyone", true),
            &ctx(),
            "authorization-policy-opened",
        );
        let (sev, reason) = v.unwrap();
        assert_eq!(sev, Severity::High);
        assert!(
            reason.contains("'everyone'") && reason.contains("register applications"),
            "{reason}"
        );
    }

    #[test]
    fn rule_cross_tenant_trust_added() {
        let p = |mfa: bool| json!({"inboundTrust": {"isMfaAccepted": mfa}});
        let (v, _) = modified(
            "crossTenantAccessPolicy",
            p(false),
            p(true),
            &ctx(),
            "cross-tenant-trust-added",
        );
        assert_eq!(v.unwrap().0, Severity::Medium);
    }

    #[test]
    fn rule_app_credential_or_owner_added() {
        let app = |keys: &[&str]| json!({"passwordCredentials": keys.iter().map(|k| json!({"keyId": k})).collect::<Vec<_>>()});
        let (v, _) = modified(
            "application",
            app(&["k1"]),
            app(&["k1", "k2"]),
            &ctx(),
            "app-credential-or-owner-added",
        );
        assert_eq!(
            v.unwrap(),
            (
                Severity::High,
                "App 'Target': a client secret was added".to_string()
            )
        );
    }

    #[test]
    fn rule_privileged_role_assigned() {
        let ra = |role: &str| json!({"principalId": "u1", "roleDefinitionId": role, "directoryScopeId": "/"});
        let mut c = ctx();
        c.names.insert("u1".into(), "Mallory".into());
        let (v, _) = judge(
            "roleAssignment",
            ChangeKind::Added,
            None,
            Some(ra(wellknown::GLOBAL_ADMINISTRATOR_ROLE_ID)),
            vec![],
            &c,
            "privileged-role-assigned",
        );
        assert_eq!(
            v.unwrap(),
            (
                Severity::Critical,
                "'Mallory' was assigned the directory role 'Global Administrator'".to_string()
            )
        );
        let (v, _) = judge(
            "roleAssignment",
            ChangeKind::Added,
            None,
            Some(ra(wellknown::USER_ROLE_ID)),
            vec![],
            &c,
            "privileged-role-assigned",
        );
        assert!(v.unwrap().0 < Severity::High);
    }

    #[test]
    fn rule_default_rule() {
        let (v, _) = modified(
            "group",
            json!({"description": "a"}),
            json!({"description": "b"}),
            &ctx(),
            "default",
        );
        assert_eq!(v.unwrap().0, Severity::Info);
        let (v, _) = modified(
            "user",
            json!({"department": "a"}),
            json!({"department": "b"}),
            &ctx(),
            "default",
        );
        assert_eq!(
            v.unwrap(),
            (
                Severity::Low,
                "user 'Target' changed: department".to_string()
            )
        );
    }
}
