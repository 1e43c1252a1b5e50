//! Ids of re-created objects: a step written against the snapshot names the
//! object's old id (or appId); once the object is re-created, every later
//! request must name the new one instead.

use std::collections::BTreeMap;

use serde_json::Value;

/// Snapshot value -> the value the re-created object has (ids, appIds).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct IdMap(pub BTreeMap<String, String>);

impl IdMap {
    pub fn extend(&mut self, ids: &BTreeMap<String, String>) {
        self.0
            .extend(ids.iter().map(|(k, v)| (k.clone(), v.clone())));
    }

    fn get<'a>(&'a self, value: &'a str) -> &'a str {
        self.0.get(value).map_or(value, String::as_str)
    }

    /// The path with every segment that is an old value replaced.
    pub fn path(&self, path: &str) -> String {
        path.split('/')
            .map(|seg| self.get(seg))
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The body with every string that is an old value replaced, anywhere in
    /// it. Reference URLs (`@odata.id`, `...@odata.bind`) have their last
    /// segment replaced, and relative ones (`directoryObjects/{id}`) are made
    /// absolute with `absolute`, because Graph only takes full URLs there.
    pub fn body(&self, body: &Value, absolute: &dyn Fn(&str) -> String) -> Value {
        match body {
            Value::String(s) => Value::String(self.get(s).to_string()),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.body(v, absolute)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let v = if k == "@odata.id" || k.ends_with("@odata.bind") {
                            self.references(v, absolute)
                        } else {
                            self.body(v, absolute)
                        };
                        (k.clone(), v)
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn references(&self, value: &Value, absolute: &dyn Fn(&str) -> String) -> Value {
        match value {
            Value::String(url) => Value::String(self.reference(url, absolute)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.references(v, absolute)).collect())
            }
            other => other.clone(),
        }
    }

    fn reference(&self, url: &str, absolute: &dyn Fn(&str) -> String) -> String {
        let url = match url.rsplit_once('/') {
            Some((head, last)) => format!("{head}/{}", self.get(last)),
            None => self.get(url).to_string(),
        };
        if url.starts_with("http://") || url.starts_with("https://") {
            url
        } else {
            absolute(&url)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replaces_exact_values_in_paths_bodies_and_references() {
        let map = IdMap(BTreeMap::from([
            ("old-loc".to_string(), "new-loc".to_string()),
            ("old-user".to_string(), "new-user".to_string()),
        ]));
        assert_eq!(
            map.path("groups/g1/members/old-user/$ref"),
            "groups/g1/members/new-user/$ref"
        );
        let absolute = |rel: &str| format!("https://graph.example/v1.0/{rel}");
        let body = json!({
            "conditions": {"locations": {"excludeLocations": ["old-loc", "AllTrusted"]}},
            "description": "old-loc is mentioned here but not replaced",
            "state": "enabled",
            "count": 3,
        });
        assert_eq!(
            map.body(&body, &absolute),
            json!({
                "conditions": {"locations": {"excludeLocations": ["new-loc", "AllTrusted"]}},
                "description": "old-loc is mentioned here but not replaced",
                "state": "enabled",
                "count": 3,
            })
        );
        assert_eq!(
            map.body(
                &json!({"@odata.id": "directoryObjects/old-user"}),
                &absolute
            ),
            json!({"@odata.id": "https://graph.example/v1.0/directoryObjects/new-user"})
        );
        assert_eq!(
            map.body(
                &json!({"members@odata.bind": ["https://graph.example/v1.0/directoryObjects/old-user", "directoryObjects/u2"]}),
                &absolute
            ),
            json!({"members@odata.bind": [
                "https://graph.example/v1.0/directoryObjects/new-user",
                "https://graph.example/v1.0/directoryObjects/u2"
            ]})
        );
    }
}
