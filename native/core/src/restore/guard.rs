//! The break-glass guard: a restore must never put an emergency account inside
//! a Conditional Access policy that blocks it or asks it for MFA, a compliant
//! device or an authentication strength it may not have. Restoring to a
//! snapshot taken before the exclusion existed would do exactly that.
//!
//! Protected are the accounts and groups the user names plus those excluded
//! from every enabled policy (the usual shape of an emergency-access setup),
//! found in the live tenant and in the snapshot separately.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::model::{BreakGlass, Guard, PlanOptions};
use crate::diff::{NamedId, Snapshot};
use crate::dotpath;
use crate::error::{Error, ErrorKind, Result};

const POLICY: &str = "conditionalAccessPolicy";
const REPORT_ONLY: &str = "enabledForReportingButNotEnforced";

/// A Conditional Access policy the plan writes.
#[derive(Debug, Clone)]
pub(crate) struct PolicyWrite {
    /// Its id in the tenant (the snapshot id when the plan re-creates it).
    pub id: String,
    pub name: String,
    /// Its body in the live tenant; `None` when the plan brings it back.
    pub live: Option<Value>,
    /// Its body once the plan ran.
    pub result: Value,
}

/// A group membership the plan adds or removes (tenant ids).
#[derive(Debug, Clone)]
pub(crate) struct MemberChange {
    pub group: String,
    pub member: String,
    pub added: bool,
}

pub(crate) struct Inputs<'a> {
    pub target: &'a dyn Snapshot,
    pub live: &'a dyn Snapshot,
    pub options: &'a PlanOptions,
    /// Snapshot id -> tenant id, for principals found in the snapshot only.
    pub remap: &'a HashMap<String, String>,
    pub policies: &'a [PolicyWrite],
    pub members: &'a [MemberChange],
    /// Policies the plan deletes (created after the snapshot): they lock nobody out.
    pub removed: &'a [String],
    /// Whether the plan writes anything: inferring reads every policy, which
    /// an empty plan has no reason to do.
    pub active: bool,
}

#[derive(Debug, Clone)]
struct Principal {
    id: String,
    name: String,
    kind: &'static str,
    sources: Vec<&'static str>,
}

impl Principal {
    fn label(&self) -> String {
        format!("break-glass {} \"{}\"", self.kind, self.name)
    }
}

pub(crate) fn check(i: &Inputs) -> Result<Guard> {
    let mut principals: Vec<Principal> = Vec::new();
    for value in &i.options.break_glass {
        let p = given(i, value)?;
        if !principals.iter().any(|q| q.id == p.id) {
            principals.push(p);
        }
    }
    let mut findings = Vec::new();
    if i.active {
        // Each side's policies and memberships are read once, here.
        let live_policies = policies_of(i.live)?;
        let live_members = Membership::new(i.live, &[]);
        let target_policies = policies_of(i.target)?;
        let target_members = Membership::new(i.target, &[]);
        for (side, policies, members, source, remap) in [
            (
                i.live,
                &live_policies,
                &live_members,
                "inferred: excluded from every enabled policy in the tenant",
                None,
            ),
            (
                i.target,
                &target_policies,
                &target_members,
                "inferred: excluded from every enabled policy in the snapshot",
                Some(i.remap),
            ),
        ] {
            for mut p in infer(side, policies, members)? {
                p.sources = vec![source];
                if let Some(id) = remap.and_then(|m| m.get(&p.id)) {
                    p.id = id.clone();
                }
                match principals.iter_mut().find(|q| q.id == p.id) {
                    Some(q) => q.sources.push(source),
                    None => principals.push(p),
                }
            }
        }
        if !principals.is_empty() {
            findings = find(i, &principals, live_policies, &live_members)?;
        }
    }
    let refused = !findings.is_empty() && !i.options.override_break_glass;
    let overridden = !findings.is_empty() && i.options.override_break_glass;
    Ok(Guard {
        break_glass: principals
            .into_iter()
            .map(|p| BreakGlass {
                principal: NamedId {
                    id: p.id,
                    name: p.name,
                },
                object_type: p.kind.to_string(),
                source: p.sources.join("; "),
            })
            .collect(),
        findings,
        refused,
        overridden,
    })
}

/// A side's policies: (id, name, body).
type Policies = Vec<(String, String, Value)>;

fn policies_of(side: &dyn Snapshot) -> Result<Policies> {
    side.entries(POLICY)
        .iter()
        .map(|e| Ok((e.id.clone(), e.name.clone(), side.read_body(&e.hash)?)))
        .collect()
}

/// A principal the user named: a user or group id, or a user principal name.
fn given(i: &Inputs, value: &str) -> Result<Principal> {
    let value = value.trim();
    let principal = |id: &str, name: &str, kind: &'static str| Principal {
        id: id.to_string(),
        name: name.to_string(),
        kind,
        sources: vec!["given"],
    };
    for (side, remap) in [(i.live, None), (i.target, Some(i.remap))] {
        for kind in ["user", "group"] {
            for candidate in [value.to_string(), value.to_ascii_lowercase()] {
                if let Some(e) = side.find(kind, &candidate) {
                    let id = remap.and_then(|m| m.get(&e.id)).unwrap_or(&e.id);
                    return Ok(principal(id, &e.name, kind));
                }
            }
        }
    }
    if value.contains('@') {
        for (side, remap) in [(i.live, None), (i.target, Some(i.remap))] {
            for e in side.entries("user") {
                let body = side.read_body(&e.hash)?;
                let upn = body.get("userPrincipalName").and_then(Value::as_str);
                if upn.is_some_and(|u| u.eq_ignore_ascii_case(value)) {
                    let id = remap.and_then(|m| m.get(&e.id)).unwrap_or(&e.id);
                    return Ok(principal(id, &e.name, "user"));
                }
            }
        }
    }
    Err(Error::new(
        ErrorKind::NotFound,
        format!(
            "break-glass account \"{value}\" is neither a user nor a group (by id or user principal name) in the tenant or the snapshot"
        ),
    ))
}

fn state(body: &Value) -> &str {
    body.get("state")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn strings<'v>(body: &'v Value, key: &str) -> Vec<&'v str> {
    dotpath::strings(&body["conditions"]["users"][key])
}

/// Users and groups excluded from every enabled policy of `side` (nobody when
/// no policy is enabled).
fn infer(side: &dyn Snapshot, policies: &Policies, members: &Membership) -> Result<Vec<Principal>> {
    let enabled: Vec<&Value> = policies
        .iter()
        .map(|(_, _, body)| body)
        .filter(|body| state(body) == "enabled")
        .collect();
    if enabled.is_empty() {
        return Ok(Vec::new());
    }
    let (mut users, mut groups): (Option<BTreeSet<String>>, Option<BTreeSet<String>>) =
        (None, None);
    for body in enabled {
        let eg: BTreeSet<String> = strings(body, "excludeGroups")
            .into_iter()
            .map(String::from)
            .collect();
        let mut eu: BTreeSet<String> = strings(body, "excludeUsers")
            .into_iter()
            .map(String::from)
            .collect();
        for g in &eg {
            eu.extend(members.users_of(g)?);
        }
        users = Some(match users {
            None => eu,
            Some(u) => u.intersection(&eu).cloned().collect(),
        });
        groups = Some(match groups {
            None => eg,
            Some(g) => g.intersection(&eg).cloned().collect(),
        });
    }
    let mut out = Vec::new();
    for (ids, kind) in [(groups, "group"), (users, "user")] {
        for id in ids.unwrap_or_default() {
            // Special values (`All`, `GuestsOrExternalUsers`) name nobody.
            let Some(e) = side.find(kind, &id) else {
                continue;
            };
            out.push(Principal {
                id,
                name: e.name.clone(),
                kind,
                sources: Vec::new(),
            });
        }
    }
    Ok(out)
}

/// Whether `body` enforces something a break-glass account may be unable to
/// satisfy, and what (empty when it does not guard).
fn enforcement(body: &Value) -> Vec<&'static str> {
    if state(body) != "enabled" {
        return Vec::new();
    }
    let grant = &body["grantControls"];
    let controls = dotpath::strings(&grant["builtInControls"]);
    let mut out = Vec::new();
    for (control, what) in [
        ("block", "blocks access"),
        ("mfa", "requires MFA"),
        ("compliantDevice", "requires a compliant device"),
        ("domainJoinedDevice", "requires a hybrid-joined device"),
    ] {
        if controls.contains(&control) {
            out.push(what);
        }
    }
    if grant["authenticationStrength"].is_object() {
        out.push("requires an authentication strength");
    }
    out
}

/// Group memberships of one side, with the plan's changes applied.
struct Membership<'a> {
    side: &'a dyn Snapshot,
    changes: HashMap<&'a str, Vec<&'a MemberChange>>,
    direct: RefCell<HashMap<String, BTreeSet<String>>>,
}

impl<'a> Membership<'a> {
    fn new(side: &'a dyn Snapshot, changes: &'a [MemberChange]) -> Self {
        let mut by_group: HashMap<&str, Vec<&MemberChange>> = HashMap::new();
        for c in changes {
            by_group.entry(c.group.as_str()).or_default().push(c);
        }
        Membership {
            side,
            changes: by_group,
            direct: RefCell::default(),
        }
    }

    fn direct(&self, group: &str) -> Result<BTreeSet<String>> {
        if let Some(m) = self.direct.borrow().get(group) {
            return Ok(m.clone());
        }
        let mut members: BTreeSet<String> = match self.side.find("group", group) {
            Some(e) => match &e.links {
                Some(h) => self
                    .side
                    .read_links(h)?
                    .remove("members")
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
                None => BTreeSet::new(),
            },
            None => BTreeSet::new(),
        };
        for c in self.changes.get(group).into_iter().flatten() {
            if c.added {
                members.insert(c.member.clone());
            } else {
                members.remove(&c.member);
            }
        }
        self.direct
            .borrow_mut()
            .insert(group.to_string(), members.clone());
        Ok(members)
    }

    /// Whether `principal` is in `group`, directly or through nested groups.
    fn contains(&self, group: &str, principal: &str) -> Result<bool> {
        let mut seen = BTreeSet::new();
        let mut queue = vec![group.to_string()];
        while let Some(g) = queue.pop() {
            if !seen.insert(g.clone()) {
                continue;
            }
            let members = self.direct(&g)?;
            if members.contains(principal) {
                return Ok(true);
            }
            queue.extend(
                members
                    .into_iter()
                    .filter(|m| self.changes.contains_key(m.as_str()) || self.is_group(m)),
            );
        }
        Ok(false)
    }

    fn is_group(&self, id: &str) -> bool {
        self.side.find("group", id).is_some()
    }

    /// The users in `group`, through nested groups.
    fn users_of(&self, group: &str) -> Result<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut queue = vec![group.to_string()];
        while let Some(g) = queue.pop() {
            if !seen.insert(g.clone()) {
                continue;
            }
            for m in self.direct(&g)? {
                if self.side.find("user", &m).is_some() {
                    out.insert(m);
                } else if self.is_group(&m) {
                    queue.push(m);
                }
            }
        }
        Ok(out)
    }
}

/// The excluded groups of `body` through which `p` is excluded.
fn excluding_groups(body: &Value, p: &Principal, m: &Membership) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for g in strings(body, "excludeGroups") {
        if g == p.id || m.contains(g, &p.id)? {
            out.push(g.to_string());
        }
    }
    Ok(out)
}

fn excluded_directly(body: &Value, p: &Principal) -> bool {
    let key = if p.kind == "group" {
        "excludeGroups"
    } else {
        "excludeUsers"
    };
    strings(body, key).contains(&p.id.as_str())
}

/// Whether `body` applies to `p`. Roles count as including everyone: emergency
/// accounts usually hold Global Administrator, and a guard errs on the safe side.
fn applies(body: &Value, p: &Principal, m: &Membership) -> Result<bool> {
    if excluded_directly(body, p) || !excluding_groups(body, p, m)?.is_empty() {
        return Ok(false);
    }
    let users = strings(body, "includeUsers");
    if users.contains(&"All") || users.contains(&p.id.as_str()) {
        return Ok(true);
    }
    if !strings(body, "includeRoles").is_empty() {
        return Ok(true);
    }
    for g in strings(body, "includeGroups") {
        if g == p.id || m.contains(g, &p.id)? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn find(
    i: &Inputs,
    principals: &[Principal],
    live_policies: Policies,
    before: &Membership,
) -> Result<Vec<String>> {
    let writes: BTreeMap<&str, &PolicyWrite> =
        i.policies.iter().map(|w| (w.id.as_str(), w)).collect();
    let mut policies: Vec<(String, String, Option<Value>, Value)> = Vec::new();
    for (id, name, live) in live_policies {
        if i.removed.contains(&id) {
            continue;
        }
        let result = writes
            .get(id.as_str())
            .map(|w| w.result.clone())
            .unwrap_or_else(|| live.clone());
        policies.push((id, name, Some(live), result));
    }
    for w in i.policies.iter().filter(|w| w.live.is_none()) {
        if i.live.find(POLICY, &w.id).is_none() {
            policies.push((w.id.clone(), w.name.clone(), None, w.result.clone()));
        }
    }
    let after = Membership::new(i.live, i.members);
    let mut out = Vec::new();
    for (_, name, live, result) in &policies {
        let enforces = enforcement(result);
        if enforces.is_empty() || state(result) == REPORT_ONLY {
            continue;
        }
        let what = enforces.join(", ");
        for p in principals {
            match live {
                None => {
                    if applies(result, p, &after)? {
                        out.push(format!(
                            "Conditional Access policy \"{name}\" would come back enabled ({what}) without excluding {}",
                            p.label()
                        ));
                    }
                }
                Some(live) => {
                    let was_direct = excluded_directly(live, p);
                    let was_groups = excluding_groups(live, p, before)?;
                    if !was_direct && was_groups.is_empty() {
                        continue;
                    }
                    let now_groups = excluding_groups(result, p, &after)?;
                    if excluded_directly(result, p) || !now_groups.is_empty() {
                        continue;
                    }
                    if was_direct {
                        out.push(format!(
                            "Conditional Access policy \"{name}\" would no longer exclude {} ({what})",
                            p.label()
                        ));
                        continue;
                    }
                    let still: Vec<&str> = strings(result, "excludeGroups");
                    for g in &was_groups {
                        let group = i
                            .live
                            .find("group", g)
                            .map(|e| e.name.clone())
                            .unwrap_or_else(|| g.clone());
                        if still.contains(&g.as_str()) {
                            out.push(format!(
                                "removing {} from group \"{group}\" would leave it inside Conditional Access policy \"{name}\", which excludes that group ({what})",
                                p.label()
                            ));
                        } else {
                            out.push(format!(
                                "Conditional Access policy \"{name}\" would no longer exclude group \"{group}\", which keeps {} out of it ({what})",
                                p.label()
                            ));
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}
