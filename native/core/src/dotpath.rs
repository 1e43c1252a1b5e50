//! Dot paths into JSON objects (`conditions.users.excludeGroups`), the way the
//! registry names properties. A path passes through arrays: `includeTargets.id`
//! means the `id` of every element of `includeTargets`.

use serde_json::Value;

/// Calls `f` with every value found at `path`.
pub fn visit<'a>(value: &'a Value, path: &str, f: &mut dyn FnMut(&'a Value)) {
    let segments: Vec<&str> = path.split('.').collect();
    visit_in(value, &segments, f);
}

fn visit_in<'a>(value: &'a Value, segments: &[&str], f: &mut dyn FnMut(&'a Value)) {
    let Some((first, rest)) = segments.split_first() else {
        f(value);
        return;
    };
    match value {
        Value::Object(map) => {
            if let Some(child) = map.get(*first) {
                visit_in(child, rest, f);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| visit_in(item, segments, f)),
        _ => {}
    }
}

/// Calls `f` with every value found at `path`, mutably.
pub fn visit_mut(value: &mut Value, path: &str, f: &mut dyn FnMut(&mut Value)) {
    let segments: Vec<&str> = path.split('.').collect();
    visit_mut_in(value, &segments, f);
}

fn visit_mut_in(value: &mut Value, segments: &[&str], f: &mut dyn FnMut(&mut Value)) {
    let Some((first, rest)) = segments.split_first() else {
        f(value);
        return;
    };
    match value {
        Value::Object(map) => {
            if let Some(child) = map.get_mut(*first) {
                visit_mut_in(child, rest, f);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| visit_mut_in(item, segments, f)),
        _ => {}
    }
}

/// Removes the property at `path` wherever it occurs (through arrays too).
pub fn remove(value: &mut Value, path: &str) {
    let (parent, last) = match path.rsplit_once('.') {
        Some((parent, last)) => (Some(parent), last),
        None => (None, path),
    };
    let mut drop_key = |v: &mut Value| match v {
        Value::Object(map) => {
            map.remove(last);
        }
        Value::Array(items) => items.iter_mut().for_each(|item| {
            if let Value::Object(map) = item {
                map.remove(last);
            }
        }),
        _ => {}
    };
    match parent {
        Some(parent) => visit_mut(value, parent, &mut drop_key),
        None => drop_key(value),
    }
}

/// Removes and returns the value at `path` when the path leads through objects
/// only (one value, no arrays on the way).
pub fn take(value: &mut Value, path: &str) -> Option<Value> {
    let mut current = value;
    let mut segments = path.split('.').peekable();
    while let Some(segment) = segments.next() {
        let map = current.as_object_mut()?;
        if segments.peek().is_none() {
            return map.remove(segment);
        }
        current = map.get_mut(segment)?;
    }
    None
}

/// The strings of a JSON array (none when `value` is not an array): the
/// id lists policies keep (`excludeGroups`, `builtInControls`...).
pub fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The value at `path` when the path leads through objects only.
pub fn get<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(value, |current, segment| current.as_object()?.get(segment))
}

/// Sets the value at `path`, creating the objects on the way (a non-object in
/// the way is replaced by one).
pub fn set(value: &mut Value, path: &str, new: Value) {
    let mut current = value;
    let mut segments = path.split('.').peekable();
    while let Some(segment) = segments.next() {
        if !current.is_object() {
            *current = Value::Object(serde_json::Map::new());
        }
        let Value::Object(map) = current else { return };
        if segments.peek().is_none() {
            map.insert(segment.to_string(), new);
            return;
        }
        current = map
            .entry(segment.to_string())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn visits_through_objects_and_arrays() {
        let v = json!({"a": {"b": [{"id": "1"}, {"id": "2"}, {"x": 3}]}, "c": ["p", "q"]});
        let mut seen = Vec::new();
        visit(&v, "a.b.id", &mut |x| seen.push(x.clone()));
        assert_eq!(seen, [json!("1"), json!("2")]);
        let mut seen = Vec::new();
        visit(&v, "c", &mut |x| seen.push(x.clone()));
        assert_eq!(seen, [json!(["p", "q"])]);
        let mut seen = 0;
        visit(&v, "a.missing.id", &mut |_| seen += 1);
        visit(&json!(null), "a", &mut |_| seen += 1);
        assert_eq!(seen, 0);
    }

    #[test]
    fn removes_everywhere_and_takes_single_values() {
        let mut v = json!({"a": {"b": [{"id": "1", "k": 1}, {"id": "2"}]}, "t": {"u": 5}});
        remove(&mut v, "a.b.id");
        assert_eq!(v, json!({"a": {"b": [{"k": 1}, {}]}, "t": {"u": 5}}));
        assert_eq!(take(&mut v, "t.u"), Some(json!(5)));
        assert_eq!(take(&mut v, "a.b.k"), None);
        assert_eq!(take(&mut v, "nope"), None);
        remove(&mut v, "a");
        assert_eq!(v, json!({"t": {}}));
    }

    #[test]
    fn gets_and_sets_through_objects() {
        let mut v = json!({"a": {"b": 1}, "n": null});
        assert_eq!(get(&v, "a.b"), Some(&json!(1)));
        assert_eq!(get(&v, "a.c"), None);
        set(&mut v, "a.c.d", json!("x"));
        set(&mut v, "n.m", json!(2));
        set(&mut v, "a.b", json!([1]));
        assert_eq!(v, json!({"a": {"b": [1], "c": {"d": "x"}}, "n": {"m": 2}}));
    }
}
