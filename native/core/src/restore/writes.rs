//! What to write to one object: the PATCH body that brings its attributes
//! back, the credentials added or lost since the snapshot, and the one-line
//! summaries people read in the plan.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::diff::{AttributeChange, Resolver, diff_bodies};
use crate::dotpath;
use crate::normalize::strip_for_write;
use crate::registry::ObjectType;

/// Null and missing mean the same to Graph: both read as "not set".
pub(crate) fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null())
}

/// `current` with each of `paths` (top-level names or dot paths) set to its
/// value in `target`, or removed where `target` has none.
pub(crate) fn with_attributes(current: &Value, target: &Value, paths: &[String]) -> Value {
    let mut out = current.clone();
    for path in paths {
        match present(dotpath::get(target, path)) {
            Some(v) => dotpath::set(&mut out, path, v.clone()),
            None => dotpath::remove(&mut out, path),
        }
    }
    out
}

/// The top-level properties PATCH may write whose value in `wanted` differs
/// from `current`, each with its whole value in `wanted` (null to clear it).
pub(crate) fn top_level_patch(
    ty: &ObjectType,
    current: &Value,
    wanted: &Value,
    allowed: &dyn Fn(&str) -> bool,
) -> Map<String, Value> {
    let (have, want) = (strip_for_write(ty, current), strip_for_write(ty, wanted));
    let empty = Map::new();
    let (have, want) = (
        have.as_object().unwrap_or(&empty),
        want.as_object().unwrap_or(&empty),
    );
    let mut keys: Vec<&String> = have.keys().chain(want.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut patch = Map::new();
    for k in keys {
        if k == "@odata.type" || !allowed(k) {
            continue;
        }
        let w = present(want.get(k));
        if w != present(have.get(k)) {
            patch.insert(k.clone(), w.cloned().unwrap_or(Value::Null));
        }
    }
    patch
}

/// `current` after PATCH `patch` (top-level replace; null clears).
pub(crate) fn patched(current: &Value, patch: &Map<String, Value>) -> Value {
    let mut out = current.clone();
    if !out.is_object() {
        out = Value::Object(Map::new());
    }
    if let Value::Object(map) = &mut out {
        for (k, v) in patch {
            if k == "@odata.type" {
                continue;
            }
            map.insert(k.clone(), v.clone());
        }
    }
    out
}

/// A credential (secret or certificate) by its keyId: keyId -> display name.
pub(crate) fn credentials(body: &Value, property: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for c in body
        .get(property)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(k) = c.get("keyId").and_then(Value::as_str) {
            let name = c
                .get("displayName")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or("(no name)");
            out.insert(k.to_string(), name.to_string());
        }
    }
    out
}

/// Credentials of `property` in `current` but not `wanted` (added since the
/// snapshot), and in `wanted` but not `current` (gone since).
pub(crate) type CredentialDiff = (Vec<(String, String)>, Vec<(String, String)>);

pub(crate) fn credential_diff(current: &Value, wanted: &Value, property: &str) -> CredentialDiff {
    let (have, want) = (
        credentials(current, property),
        credentials(wanted, property),
    );
    let added = have
        .iter()
        .filter(|(k, _)| !want.contains_key(*k))
        .map(|(k, n)| (k.clone(), n.clone()))
        .collect();
    let lost = want
        .iter()
        .filter(|(k, _)| !have.contains_key(*k))
        .map(|(k, n)| (k.clone(), n.clone()))
        .collect();
    (added, lost)
}

/// How many attribute changes a summary spells out before "and N more".
const SHOWN_CHANGES: usize = 6;
/// Longest value shown in a summary, in characters.
const SHOWN_VALUE: usize = 60;

/// One line naming what goes from `current` to `result`, ids named:
/// `state: disabled -> enabled; conditions.users.excludeGroups: add SG-BreakGlass`.
pub(crate) fn describe(
    ty: &ObjectType,
    current: &Value,
    result: &Value,
    resolver: &Resolver,
) -> String {
    let mut changes = diff_bodies(ty, current, result);
    let total = changes.len();
    let mut parts: Vec<String> = changes
        .iter_mut()
        .take(SHOWN_CHANGES)
        .map(|c| {
            resolver.name_attribute(ty, c);
            describe_change(c)
        })
        .collect();
    if total > SHOWN_CHANGES {
        parts.push(format!("and {} more", total - SHOWN_CHANGES));
    }
    parts.join("; ")
}

fn describe_change(c: &AttributeChange) -> String {
    if c.is_set() {
        let list = |items: &[Value]| {
            items
                .iter()
                .map(|v| element(v, &c.names))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut parts = Vec::new();
        if !c.added.is_empty() {
            parts.push(format!("add {}", list(&c.added)));
        }
        if !c.removed.is_empty() {
            parts.push(format!("remove {}", list(&c.removed)));
        }
        return format!("{}: {}", c.path, parts.join(", "));
    }
    format!(
        "{}: {} -> {}",
        c.path,
        shown(c.old.as_ref(), &c.names),
        shown(c.new.as_ref(), &c.names)
    )
}

/// A set element: a named id, a keyed object's key, else short JSON.
fn element(v: &Value, names: &BTreeMap<String, String>) -> String {
    match v {
        Value::String(s) => names.get(s).cloned().unwrap_or_else(|| s.clone()),
        Value::Object(map) => ["displayName", "cidrAddress", "target", "id", "keyId"]
            .iter()
            .find_map(|k| map.get(*k).and_then(Value::as_str))
            .map(|s| names.get(s).cloned().unwrap_or_else(|| s.to_string()))
            .unwrap_or_else(|| short(&v.to_string())),
        other => short(&other.to_string()),
    }
}

fn shown(v: Option<&Value>, names: &BTreeMap<String, String>) -> String {
    match present(v) {
        None => "(not set)".to_string(),
        Some(Value::String(s)) => short(names.get(s).unwrap_or(s)),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            let inner: Vec<String> = items.iter().map(|i| element(i, names)).collect();
            short(&format!("[{}]", inner.join(", ")))
        }
        Some(other) => short(&other.to_string()),
    }
}

fn short(s: &str) -> String {
    if s.chars().count() <= SHOWN_VALUE {
        return s.to_string();
    }
    let cut: String = s.chars().take(SHOWN_VALUE - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attributes_replace_dot_paths_and_remove_what_the_target_lacks() {
        let current = json!({"a": 1, "c": {"u": {"x": [1], "y": 2}}, "gone": 5});
        let target = json!({"a": 9, "c": {"u": {"x": [3]}}});
        let out = with_attributes(
            &current,
            &target,
            &["c.u.x".to_string(), "gone".to_string()],
        );
        assert_eq!(out, json!({"a": 1, "c": {"u": {"x": [3], "y": 2}}}));
    }

    #[test]
    fn patch_holds_whole_top_level_values_and_clears_with_null() {
        let ty = ObjectType::find("user").unwrap();
        let current = json!({"id": "u", "department": "X", "jobTitle": "A", "city": "Oslo", "createdDateTime": "t1"});
        let wanted = json!({"id": "u", "department": "Y", "jobTitle": "A", "createdDateTime": "t0", "city": null});
        let patch = top_level_patch(ty, &current, &wanted, &|_| true);
        assert_eq!(
            Value::Object(patch.clone()),
            json!({"department": "Y", "city": null})
        );
        let only = top_level_patch(ty, &current, &wanted, &|k| k == "department");
        assert_eq!(Value::Object(only), json!({"department": "Y"}));
        assert_eq!(
            patched(&current, &patch),
            json!({"id": "u", "department": "Y", "jobTitle": "A", "city": null, "createdDateTime": "t1"})
        );
    }

    #[test]
    fn credentials_added_and_lost_by_key_id() {
        let current = json!({"passwordCredentials": [{"keyId": "k1", "displayName": "old"}, {"keyId": "k3", "displayName": "backdoor"}]});
        let wanted = json!({"passwordCredentials": [{"keyId": "k1", "displayName": "old"}, {"keyId": "k2"}]});
        let (added, lost) = credential_diff(&current, &wanted, "passwordCredentials");
        assert_eq!(added, [("k3".to_string(), "backdoor".to_string())]);
        assert_eq!(lost, [("k2".to_string(), "(no name)".to_string())]);
    }
}
