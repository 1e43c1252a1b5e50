//! Attribute-level difference of two normalized bodies. Objects are walked
//! property by property; arrays the registry lists as sets are compared as
//! sets (object elements matched by their identity key), every other array as
//! a whole, since its order is meaningful and positions shift on insertion.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::model::AttributeChange;
use crate::normalize::canonical_bytes;
use crate::registry::ObjectType;

/// The attribute changes from `old` to `new`, both bodies of type `ty`.
pub fn diff_bodies(ty: &ObjectType, old: &Value, new: &Value) -> Vec<AttributeChange> {
    let mut out = Vec::new();
    walk(ty, "", "", Some(old), Some(new), &mut out);
    out
}

/// Every top-level property of `body` as a change from nothing (`added`) or to
/// nothing (`!added`): what an added or removed object held.
pub fn whole_body(body: &Value, added: bool) -> Vec<AttributeChange> {
    let Value::Object(map) = body else {
        return Vec::new();
    };
    let mut keys: Vec<_> = map.keys().filter(|k| !is_identity(k)).collect();
    keys.sort();
    keys.into_iter()
        .filter(|k| !map[*k].is_null())
        .map(|k| {
            let v = Some(map[k].clone());
            AttributeChange {
                path: k.clone(),
                old: if added { None } else { v.clone() },
                new: if added { v } else { None },
                ..AttributeChange::default()
            }
        })
        .collect()
}

/// `id`: the change already carries it.
fn is_identity(key: &str) -> bool {
    key == "id"
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Null and missing mean the same to Graph: both read as "not set".
fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null())
}

/// The elements of a set-valued property; a missing one is an empty set.
fn as_array(v: Option<&Value>) -> Option<&[Value]> {
    match v {
        None => Some(&[]),
        Some(Value::Array(a)) => Some(a.as_slice()),
        Some(_) => None,
    }
}

/// `schema` is the registry-style path (no element keys) used to look up set
/// rules and volatile properties; `shown` is the path reported to people.
fn walk(
    ty: &ObjectType,
    schema: &str,
    shown: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    out: &mut Vec<AttributeChange>,
) {
    let (old, new) = (present(old), present(new));
    if old == new || (!schema.is_empty() && ty.volatile.contains(&schema)) {
        return;
    }
    if let Some(rule) = ty.set_array(schema)
        && let (Some(a), Some(b)) = (as_array(old), as_array(new))
    {
        set_diff(ty, schema, shown, rule.key, a, b, out);
        return;
    }
    match (old, new) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            walk_object(ty, schema, shown, a, b, out)
        }
        // An ordered array edited in place: report the positions that changed
        // (`path[2]: old -> new`). A longer or shorter one shifts every later
        // position, so it is reported whole.
        (Some(Value::Array(a)), Some(Value::Array(b))) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                walk(ty, schema, &format!("{shown}[{i}]"), Some(x), Some(y), out);
            }
        }
        _ => out.push(AttributeChange {
            path: shown.to_string(),
            old: old.cloned(),
            new: new.cloned(),
            ..AttributeChange::default()
        }),
    }
}

fn walk_object(
    ty: &ObjectType,
    schema: &str,
    shown: &str,
    a: &Map<String, Value>,
    b: &Map<String, Value>,
    out: &mut Vec<AttributeChange>,
) {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        if schema.is_empty() && is_identity(k) {
            continue;
        }
        walk(
            ty,
            &join(schema, k),
            &join(shown, k),
            a.get(k),
            b.get(k),
            out,
        );
    }
}

/// The identity of a set element: its key property when it has one, else its
/// canonical JSON (elements without the key are still compared, as wholes).
fn identity(key: Option<&str>, v: &Value) -> String {
    match key.and_then(|k| v.get(k)) {
        Some(Value::String(s)) => s.clone(),
        Some(other) if !other.is_null() => other.to_string(),
        _ => String::from_utf8_lossy(&canonical_bytes(v)).into_owned(),
    }
}

fn set_diff(
    ty: &ObjectType,
    schema: &str,
    shown: &str,
    key: Option<&str>,
    old: &[Value],
    new: &[Value],
    out: &mut Vec<AttributeChange>,
) {
    let index = |items: &[Value]| -> BTreeMap<String, Value> {
        items
            .iter()
            .map(|v| (identity(key, v), v.clone()))
            .collect()
    };
    let (a, b) = (index(old), index(new));
    let removed: Vec<Value> = a
        .iter()
        .filter(|(k, _)| !b.contains_key(*k))
        .map(|(_, v)| v.clone())
        .collect();
    let added: Vec<Value> = b
        .iter()
        .filter(|(k, _)| !a.contains_key(*k))
        .map(|(_, v)| v.clone())
        .collect();
    if !added.is_empty() || !removed.is_empty() {
        out.push(AttributeChange {
            path: shown.to_string(),
            added,
            removed,
            ..AttributeChange::default()
        });
    }
    // Same identity, different content: an element edited in place (a secret's
    // end date, an IP range's type). Only keyed elements can be edited; without
    // a key a changed element is one removed plus one added, reported above.
    if key.is_some() {
        for (k, va) in &a {
            let Some(vb) = b.get(k) else { continue };
            if va == vb {
                continue;
            }
            let element = format!("{shown}[{k}]");
            match (va, vb) {
                // Recurse into the element's properties: the set rule belongs
                // to the array, not to the element itself.
                (Value::Object(x), Value::Object(y)) => {
                    walk_object(ty, schema, &element, x, y, out)
                }
                _ => out.push(AttributeChange {
                    path: element,
                    old: Some(va.clone()),
                    new: Some(vb.clone()),
                    ..AttributeChange::default()
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> &'static ObjectType {
        ObjectType::find("user").unwrap()
    }

    #[test]
    fn an_ordered_array_edited_in_place_reports_the_positions() {
        let old = json!({"steps": ["a", "b", "c"], "nested": [{"x": 1}, {"x": 2}]});
        let new = json!({"steps": ["a", "B", "c"], "nested": [{"x": 1}, {"x": 3}]});
        let changes = diff_bodies(user(), &old, &new);
        let shown: Vec<(String, Option<Value>, Option<Value>)> = changes
            .into_iter()
            .map(|c| (c.path, c.old, c.new))
            .collect();
        assert_eq!(
            shown,
            [
                ("nested[1].x".to_string(), Some(json!(2)), Some(json!(3))),
                ("steps[1]".to_string(), Some(json!("b")), Some(json!("B"))),
            ]
        );
    }

    #[test]
    fn an_ordered_array_that_grew_is_reported_whole() {
        let old = json!({"steps": ["a", "b"]});
        let new = json!({"steps": ["x", "a", "b"]});
        let changes = diff_bodies(user(), &old, &new);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].path, "steps");
        assert_eq!(changes[0].old, Some(json!(["a", "b"])));
        assert_eq!(changes[0].new, Some(json!(["x", "a", "b"])));
    }
}
