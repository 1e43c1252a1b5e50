//! Display names for the ids in a change. An id is looked up in the newer
//! snapshot, then the older one (a deleted group still has its old name),
//! then in the table of well-known ids; what nothing knows is reported as
//! `(unknown id)` rather than left as a bare GUID the reader must chase.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::model::{AttributeChange, UNKNOWN_NAME};
use super::snapshot::Snapshot;
use crate::dotpath;
use crate::registry::{MatchBy, ObjectType, Reference};
use crate::wellknown;

/// Property value (lowercase) -> display name.
type NameIndex = HashMap<String, String>;

/// Resolves ids against two snapshots and the well-known table.
pub struct Resolver<'a> {
    sides: [&'a dyn Snapshot; 2],
    /// Per (type, property): property value -> name, built on first need by
    /// reading that type's bodies (only for appId/templateId references that
    /// neither the entry ids nor the well-known table answered).
    by_property: RefCell<HashMap<(String, &'static str), NameIndex>>,
}

impl<'a> Resolver<'a> {
    pub fn new(before: &'a dyn Snapshot, after: &'a dyn Snapshot) -> Self {
        Self {
            sides: [after, before],
            by_property: RefCell::default(),
        }
    }

    /// The name of `value`, which references objects of `targets` matched by `by`.
    pub fn resolve(&self, targets: &[&str], by: MatchBy, value: &str) -> Option<String> {
        if by != MatchBy::Id
            && let Some(n) = wellknown::name_of(value)
        {
            return Some(n.to_string());
        }
        // Built-in role definitions and most service principals are found by
        // id too (a role definition's id is its template id), so try that first.
        if let Some(n) = self.by_id(targets, value) {
            return Some(n);
        }
        if by != MatchBy::Id {
            for t in targets {
                if let Some(n) = self.by_property(t, by.property(), value) {
                    return Some(n);
                }
            }
        }
        wellknown::name_of(value).map(str::to_string)
    }

    /// The name of `id` among objects of `targets`.
    pub fn by_id(&self, targets: &[&str], id: &str) -> Option<String> {
        self.sides.iter().find_map(|s| {
            targets
                .iter()
                .find_map(|t| s.find(t, id).map(|e| e.name.clone()))
        })
    }

    /// The name of `id` of any type, else well-known, else `(unknown id)`.
    pub fn any(&self, id: &str) -> String {
        let all: Vec<&str> = ObjectType::all().iter().map(|t| t.name).collect();
        self.by_id(&all, id)
            .or_else(|| wellknown::name_of(id).map(str::to_string))
            .unwrap_or_else(|| UNKNOWN_NAME.to_string())
    }

    fn by_property(&self, ty: &str, property: &'static str, value: &str) -> Option<String> {
        let key = (ty.to_string(), property);
        let mut cache = self.by_property.borrow_mut();
        let map = cache.entry(key).or_insert_with(|| {
            let mut map = HashMap::new();
            // Older side first so the newer name wins on insert.
            for side in self.sides.iter().rev() {
                for e in side.entries(ty) {
                    // Names are best effort: an unreadable body costs a name,
                    // not the report.
                    if let Ok(body) = side.read_body(&e.hash)
                        && let Some(Value::String(v)) = body.get(property)
                    {
                        map.insert(v.to_ascii_lowercase(), e.name.clone());
                    }
                }
            }
            map
        });
        map.get(&value.to_ascii_lowercase()).cloned()
    }

    /// Fills `change.names` for every id its values hold, using `ty`'s references.
    pub fn name_attribute(&self, ty: &ObjectType, change: &mut AttributeChange) {
        let schema = schema_path(&change.path);
        let mut names = BTreeMap::new();
        for r in ty.references {
            // The id may be an element key in the path itself
            // (`includeTargets[<group id>].targetType`).
            for (prefix, key) in element_keys(&change.path) {
                if ty
                    .set_array(&prefix)
                    .and_then(|s| s.key)
                    .is_some_and(|k| format!("{prefix}.{k}") == r.path)
                {
                    names.insert(key.clone(), self.name_value(r, &key));
                }
            }
            let relative = if r.path == schema {
                Some("")
            } else {
                r.path
                    .strip_prefix(schema.as_str())
                    .and_then(|rest| rest.strip_prefix('.'))
            };
            let Some(relative) = relative else { continue };
            let values = change
                .old
                .iter()
                .chain(change.new.iter())
                .chain(change.added.iter())
                .chain(change.removed.iter());
            for v in values {
                for id in strings_at(v, relative) {
                    let name = self.name_value(r, &id);
                    names.insert(id, name);
                }
            }
        }
        change.names = names;
    }

    fn name_value(&self, r: &Reference, value: &str) -> String {
        if r.is_special(value) {
            return special_name(value);
        }
        self.resolve(r.targets, r.match_by, value)
            .unwrap_or_else(|| UNKNOWN_NAME.to_string())
    }
}

/// What a special non-id value means (`All`, `AllTrusted`, `all_users`...).
fn special_name(value: &str) -> String {
    if let Some(n) = wellknown::ca_special_value(value) {
        return n.to_string();
    }
    match value {
        "all_users" | "AllUsers" => "All users".to_string(),
        "00000000-0000-0000-0000-000000000000" => "MFA trusted IPs".to_string(),
        "ServicePrincipalsInMyTenant" => "All service principals in this tenant".to_string(),
        other => other.to_string(),
    }
}

/// `ipRanges[10.0.0.0/8].cidrAddress` -> `ipRanges.cidrAddress`.
pub fn schema_path(shown: &str) -> String {
    let mut out = String::with_capacity(shown.len());
    let mut depth = 0usize;
    for c in shown.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The element keys in a shown path, each with the schema path of its array.
fn element_keys(shown: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = shown;
    let mut consumed = String::new();
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']') else {
            break;
        };
        consumed.push_str(&rest[..open]);
        out.push((
            schema_path(&consumed),
            rest[open + 1..open + close].to_string(),
        ));
        rest = &rest[open + close + 1..];
    }
    out
}

/// The strings at `relative` (a dot path, empty for the value itself) in `v`,
/// looking through arrays.
fn strings_at(v: &Value, relative: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut take = |x: &Value| match x {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => out.extend(items.iter().filter_map(Value::as_str).map(String::from)),
        _ => {}
    };
    if relative.is_empty() {
        match v {
            Value::Array(items) => items.iter().for_each(&mut take),
            other => take(other),
        }
    } else {
        dotpath::visit(v, relative, &mut take);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_paths_drop_element_keys() {
        assert_eq!(
            schema_path("ipRanges[10.0.0.0/8].cidrAddress"),
            "ipRanges.cidrAddress"
        );
        assert_eq!(schema_path("state"), "state");
        assert_eq!(
            element_keys("includeTargets[g1].targetType"),
            [("includeTargets".to_string(), "g1".to_string())]
        );
    }

    #[test]
    fn special_values_have_names() {
        assert_eq!(special_name("AllTrusted"), "All trusted locations");
        assert_eq!(special_name("all_users"), "All users");
    }
}
