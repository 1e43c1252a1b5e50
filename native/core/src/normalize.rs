//! Normalization: turns an object as Graph returned it into the canonical form
//! that is hashed, stored and compared. Equal configuration gives identical
//! bytes, whatever the key order, set-array order, annotations or number
//! spelling of the response; volatile timestamps are kept beside the body so
//! they never show up as changes.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Number, Value};

use crate::dotpath;
use crate::error::{Error, ErrorKind, Result};
use crate::registry::{ObjectType, Source};

/// An object in canonical form.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizedObject {
    /// The object's id within its type (`id`, a partner's `tenantId`, `default`...).
    pub id: String,
    /// The compared content, annotations and volatile properties removed.
    pub body: Value,
    /// Volatile properties by dot path (`modifiedDateTime`), kept as metadata.
    pub volatile: Map<String, Value>,
}

impl NormalizedObject {
    /// The bytes that are hashed and stored.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        canonical_bytes(&self.body)
    }
}

/// Normalizes `raw`, an object of type `ty` as Graph returned it. For types read
/// from several sources, the source is recognised from the object itself.
pub fn normalize(ty: &ObjectType, raw: Value) -> Result<NormalizedObject> {
    let source = ty.source_for(&raw);
    normalize_from(ty, source, raw)
}

/// Normalizes `raw`, read from `source` (which decides the id of singletons).
pub fn normalize_from(ty: &ObjectType, source: &Source, raw: Value) -> Result<NormalizedObject> {
    if !raw.is_object() {
        return Err(Error::new(
            ErrorKind::InvalidObject,
            format!("{ty}: expected a JSON object, got {}", kind_of(&raw)),
        ));
    }
    let Some(id) = source.object_id(&raw) else {
        return Err(Error::new(
            ErrorKind::InvalidObject,
            format!(
                "{ty} object from {} has no '{}' to identify it",
                source.path, source.id_property
            ),
        ));
    };
    if let Some(why) = unsafe_id(&id) {
        return Err(Error::new(
            ErrorKind::InvalidObject,
            format!(
                "{ty} object from {} has the id {:?}, which {why}",
                source.path,
                id.chars().take(80).collect::<String>()
            ),
        ));
    }

    let mut path = Vec::new();
    let mut body = clean(ty, raw, &mut path);
    for p in ty.ignored {
        dotpath::remove(&mut body, p);
    }
    let mut volatile = Map::new();
    for p in ty.volatile {
        match dotpath::take(&mut body, p) {
            Some(Value::Null) | None => {}
            Some(v) => {
                volatile.insert((*p).to_string(), v);
            }
        }
    }
    sort_set_arrays(ty, &mut body);
    Ok(NormalizedObject { id, body, volatile })
}

/// `body` without the properties Graph refuses on PATCH (read-only, volatile,
/// create-only, and those written through actions).
pub fn strip_for_write(ty: &ObjectType, body: &Value) -> Value {
    let mut out = strip_for_create(ty, body);
    for p in ty.write.create_only {
        dotpath::remove(&mut out, p);
    }
    out
}

/// `body` without the properties Graph refuses when creating the object.
pub fn strip_for_create(ty: &ObjectType, body: &Value) -> Value {
    let mut out = body.clone();
    let create_only = |p: &&str| ty.write.create_only.contains(p);
    for p in ty
        .read_only
        .iter()
        .chain(ty.volatile)
        .filter(|p| !create_only(p))
    {
        dotpath::remove(&mut out, p);
    }
    for w in ty.write.property_writes {
        dotpath::remove(&mut out, w.property());
    }
    if !ty.write.needs_odata_type {
        dotpath::remove(&mut out, "@odata.type");
    }
    out
}

/// Compact canonical JSON: keys sorted at every level, no whitespace.
pub fn canonical_bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(&Sorted(value)).expect("serializing a JSON value cannot fail")
}

/// Pretty canonical JSON for files people read and keep in git: keys sorted,
/// two-space indent, trailing newline.
pub fn pretty_bytes(value: &Value) -> Vec<u8> {
    let mut out =
        serde_json::to_vec_pretty(&Sorted(value)).expect("serializing a JSON value cannot fail");
    out.push(b'\n');
    out
}

/// Serializes a value with object keys sorted, whatever map type serde_json was
/// built with (`preserve_order` may be switched on by another crate).
pub(crate) struct Sorted<'a>(pub(crate) &'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let mut out = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    out.serialize_entry(k, &Sorted(v))?;
                }
                out.end()
            }
            Value::Array(items) => {
                let mut out = serializer.serialize_seq(Some(items.len()))?;
                for v in items {
                    out.serialize_element(&Sorted(v))?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// Why an id cannot be one: ids go into Graph paths (`/users/{id}`), journal
/// lines and file names, so one that could step out of its segment (`../`,
/// `/`, `?`, `#`, `%`), or carries control characters, is refused where it
/// enters (a hostile or broken Graph), instead of being sent somewhere else later.
pub fn unsafe_id(id: &str) -> Option<&'static str> {
    if id == "." || id == ".." {
        Some("is a path step")
    } else if id.len() > 1024 {
        Some("is longer than any Graph id")
    } else if id.chars().any(char::is_control) {
        Some("holds control characters")
    } else if id.contains(['/', '\\', '?', '#', '%']) {
        Some("holds a path or query character (/ \\ ? # %)")
    } else if id.trim() != id || id.contains(' ') {
        Some("holds spaces")
    } else {
        None
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Drops annotations, fixes number forms and rebuilds every map in key order.
/// `path` is the dot path of `value` (arrays add no segment).
fn clean(ty: &ObjectType, value: Value, path: &mut Vec<String>) -> Value {
    match value {
        Value::Object(map) => {
            let keep_type = keeps_odata_type(ty, path);
            let mut entries: Vec<(String, Value)> = map
                .into_iter()
                .filter(|(k, _)| is_content(k) || (keep_type && k == "@odata.type"))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out = Map::new();
            for (k, v) in entries {
                path.push(k);
                let v = clean(ty, v, path);
                let k = path.pop().unwrap_or_default();
                out.insert(k, v);
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| clean(ty, v, path)).collect())
        }
        Value::Number(n) => Value::Number(canonical_number(n)),
        other => other,
    }
}

/// False for annotations: `@odata.*`, `@removed`, `prop@odata.type`,
/// `prop@odata.navigationLink`, `members@delta`, and `#microsoft.graph.*` action blocks.
fn is_content(key: &str) -> bool {
    !key.contains('@') && !key.starts_with('#')
}

fn keeps_odata_type(ty: &ObjectType, path: &[String]) -> bool {
    if path.is_empty() {
        return ty.polymorphic;
    }
    ty.typed_paths.iter().any(|p| {
        let mut segments = p.split('.');
        path.iter().all(|s| segments.next() == Some(s.as_str())) && segments.next().is_none()
    })
}

/// Integral floats become integers (`1.0` -> `1`, `-0.0` -> `0`) so that a value
/// has one spelling; other numbers keep serde_json's shortest round-trip form.
fn canonical_number(n: Number) -> Number {
    // Beyond 2^53 a float no longer holds every integer exactly: leave it alone.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match n.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() <= EXACT => Number::from(f as i64),
        _ => n,
    }
}

fn sort_set_arrays(ty: &ObjectType, body: &mut Value) {
    // Inner arrays first, so an outer array sorted by canonical JSON sees
    // its elements in their final form.
    let mut rules: Vec<_> = ty.set_arrays.iter().collect();
    rules.sort_by_key(|r| std::cmp::Reverse(r.path.matches('.').count()));
    for rule in rules {
        dotpath::visit_mut(body, rule.path, &mut |v| {
            if let Value::Array(items) = v {
                items.sort_by_cached_key(|item| sort_key(item, rule.key));
            }
        });
    }
}

/// Strings by value; objects by their identity key, then canonical JSON.
fn sort_key(item: &Value, key: Option<&str>) -> (u8, String, Vec<u8>) {
    match item {
        Value::String(s) => (0, s.clone(), Vec::new()),
        Value::Object(map) => {
            let identity = key
                .and_then(|k| map.get(k))
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => String::from_utf8_lossy(&canonical_bytes(other)).into_owned(),
                })
                .unwrap_or_default();
            (1, identity, canonical_bytes(item))
        }
        other => (2, String::new(), canonical_bytes(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ty(name: &str) -> &'static ObjectType {
        ObjectType::find(name).unwrap()
    }

    /// Rewrites JSON text with every object's keys in reverse order, and every
    /// array reversed when `reverse_arrays` is set.
    fn reshuffle(v: &Value, reverse_arrays: bool) -> String {
        match v {
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| b.0.cmp(a.0));
                let inner: Vec<String> = entries
                    .into_iter()
                    .map(|(k, v)| format!("{}:{}", json!(k), reshuffle(v, reverse_arrays)))
                    .collect();
                format!("{{{}}}", inner.join(","))
            }
            Value::Array(items) => {
                let mut inner: Vec<String> =
                    items.iter().map(|v| reshuffle(v, reverse_arrays)).collect();
                if reverse_arrays {
                    inner.reverse();
                }
                format!("[{}]", inner.join(","))
            }
            other => other.to_string(),
        }
    }

    fn ca_export() -> Vec<Value> {
        let text = include_str!("../../sim/data/ca-baseline-export.json");
        serde_json::from_str(text).unwrap()
    }

    fn contains_key(v: &Value, pred: &dyn Fn(&str) -> bool) -> bool {
        match v {
            Value::Object(m) => m.iter().any(|(k, v)| pred(k) || contains_key(v, pred)),
            Value::Array(a) => a.iter().any(|v| contains_key(v, pred)),
            _ => false,
        }
    }

    #[test]
    fn ca_export_normalizes_to_the_same_bytes_whatever_the_order() {
        let ca = ty("conditionalAccessPolicy");
        let policies = ca_export();
        assert_eq!(policies.len(), 14);
        for raw in policies {
            let a = normalize(ca, raw.clone()).unwrap();
            // Key order and the order of every array differ; set-arrays must not matter.
            let shuffled: Value = serde_json::from_str(&reshuffle(&raw, false)).unwrap();
            let mut shuffled = shuffled;
            for rule in ca.set_arrays {
                dotpath::visit_mut(&mut shuffled, rule.path, &mut |v| {
                    if let Value::Array(items) = v {
                        items.reverse();
                    }
                });
            }
            let b = normalize(ca, shuffled).unwrap();
            assert_eq!(a.canonical_bytes(), b.canonical_bytes(), "{}", a.id);
            assert_eq!(pretty_bytes(&a.body), pretty_bytes(&b.body));
            assert_eq!(a.volatile, b.volatile);

            assert!(!contains_key(&a.body, &|k| k.contains('@') && k != "@odata.type"));
            assert!(a.body.get("modifiedDateTime").is_none());
            assert_eq!(
                a.volatile.contains_key("modifiedDateTime"),
                !raw["modifiedDateTime"].is_null(),
                "{}",
                a.id
            );
            assert_eq!(a.body["id"], json!(a.id));
        }
    }

    #[test]
    fn ca_export_keeps_only_the_odata_types_graph_needs() {
        let ca = ty("conditionalAccessPolicy");
        let policies: Vec<_> = ca_export()
            .into_iter()
            .map(|raw| normalize(ca, raw).unwrap())
            .collect();
        let external = policies
            .iter()
            .find_map(|p| {
                p.body
                    .pointer("/conditions/users/excludeGuestsOrExternalUsers/externalTenants")
                    .filter(|v| !v.is_null())
            })
            .expect("CA014 names external tenants");
        assert_eq!(
            external["@odata.type"],
            json!("#microsoft.graph.conditionalAccessAllExternalTenants")
        );
        let types = policies
            .iter()
            .filter(|p| contains_key(&p.body, &|k| k == "@odata.type"))
            .count();
        assert_eq!(types, 1, "only externalTenants carries @odata.type");
        // The embedded strength's timestamp is volatile too.
        let with_strength = policies
            .iter()
            .find(|p| !p.body["grantControls"]["authenticationStrength"].is_null())
            .unwrap();
        assert!(
            with_strength
                .volatile
                .contains_key("grantControls.authenticationStrength.modifiedDateTime")
        );
    }

    #[test]
    fn normalizing_is_idempotent() {
        let ca = ty("conditionalAccessPolicy");
        for raw in ca_export() {
            let once = normalize(ca, raw).unwrap();
            let twice = normalize(ca, once.body.clone()).unwrap();
            assert_eq!(once.body, twice.body);
            assert_eq!(once.id, twice.id);
            assert_eq!(once.canonical_bytes(), twice.canonical_bytes());
            assert!(twice.volatile.is_empty());
        }
    }

    #[test]
    fn drops_annotations_actions_and_delta_links() {
        let raw = json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#groups/$entity",
            "@odata.id": "https://graph.microsoft.com/v2/x/directoryObjects/g1",
            "@odata.type": "#microsoft.graph.group",
            "@odata.etag": "W/\"1\"",
            "id": "g1",
            "displayName": "Pilot",
            "members@delta": [{"@odata.type": "#microsoft.graph.user", "id": "u1"}],
            "owners@odata.navigationLink": "groups/g1/owners",
            "groupTypes@odata.type": "#Collection(String)",
            "#microsoft.graph.restore": {"title": "restore", "target": "x"},
            "groupTypes": ["Unified", "DynamicMembership"],
            "renewedDateTime": "2026-01-01T00:00:00Z",
            "expirationDateTime": null
        });
        let n = normalize(ty("group"), raw).unwrap();
        assert_eq!(
            n.body,
            json!({"id": "g1", "displayName": "Pilot", "groupTypes": ["DynamicMembership", "Unified"]})
        );
        assert_eq!(
            Value::Object(n.volatile),
            json!({"renewedDateTime": "2026-01-01T00:00:00Z"})
        );
    }

    #[test]
    fn keeps_odata_type_on_polymorphic_objects_and_typed_arrays() {
        let raw = json!({
            "@odata.context": "x",
            "@odata.type": "#microsoft.graph.ipNamedLocation",
            "id": "loc1",
            "displayName": "HQ",
            "isTrusted": true,
            "modifiedDateTime": "2026-01-01T00:00:00Z",
            "ipRanges": [
                {"@odata.type": "#microsoft.graph.iPv6CidrRange", "cidrAddress": "2001:db8::/48"},
                {"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "198.51.100.0/24"}
            ]
        });
        let n = normalize(ty("namedLocation"), raw).unwrap();
        assert_eq!(
            n.body["@odata.type"],
            json!("#microsoft.graph.ipNamedLocation")
        );
        assert_eq!(
            n.body["ipRanges"][0]["cidrAddress"],
            json!("198.51.100.0/24")
        );
        assert_eq!(
            n.body["ipRanges"][0]["@odata.type"],
            json!("#microsoft.graph.iPv4CidrRange")
        );
        let written = strip_for_write(ty("namedLocation"), &n.body);
        assert_eq!(
            written["@odata.type"],
            json!("#microsoft.graph.ipNamedLocation")
        );
        assert!(written.get("id").is_none());
    }

    #[test]
    fn numbers_have_one_spelling() {
        let a: Value =
            serde_json::from_str(r#"{"id":"x","n":1.0,"m":-0.0,"f":1.5,"big":1e300,"l":[2.0]}"#)
                .unwrap();
        let b: Value =
            serde_json::from_str(r#"{"id":"x","n":1,"m":0,"f":1.50,"big":1e300,"l":[2]}"#).unwrap();
        let ty = ty("authorizationPolicy");
        let (a, b) = (normalize(ty, a).unwrap(), normalize(ty, b).unwrap());
        assert_eq!(a.canonical_bytes(), b.canonical_bytes());
        assert_eq!(
            String::from_utf8(a.canonical_bytes()).unwrap(),
            r#"{"big":1e+300,"f":1.5,"id":"x","l":[2],"m":0,"n":1}"#
        );
    }

    #[test]
    fn set_arrays_of_objects_sort_by_their_key_and_nested_sets_first() {
        let raw = json!({
            "id": "app", "appId": "a1",
            "passwordCredentials": [{"keyId": "k2", "displayName": "b"}, {"keyId": "k1", "displayName": "a"}],
            "requiredResourceAccess": [
                {"resourceAppId": "r2", "resourceAccess": [{"id": "s2", "type": "Scope"}, {"id": "s1", "type": "Scope"}]},
                {"resourceAppId": "r1", "resourceAccess": []}
            ],
            // Not a set: order kept.
            "web": {"redirectUriSettings": [{"uri": "b"}, {"uri": "a"}], "redirectUris": ["https://b", "https://a"]}
        });
        let n = normalize(ty("application"), raw).unwrap();
        assert_eq!(n.body["passwordCredentials"][0]["keyId"], json!("k1"));
        assert_eq!(
            n.body["requiredResourceAccess"][0]["resourceAppId"],
            json!("r1")
        );
        assert_eq!(
            n.body["requiredResourceAccess"][1]["resourceAccess"][0]["id"],
            json!("s1")
        );
        assert_eq!(
            n.body["web"]["redirectUris"],
            json!(["https://a", "https://b"])
        );
        assert_eq!(n.body["web"]["redirectUriSettings"][0]["uri"], json!("b"));
    }

    #[test]
    fn singletons_and_partners_get_their_source_ids() {
        let ct = ty("crossTenantAccessPolicy");
        let default =
            normalize(ct, json!({"isServiceDefault": true, "inboundTrust": null})).unwrap();
        assert_eq!(default.id, "default");
        let partner =
            normalize(ct, json!({"tenantId": "t-1", "isServiceProvider": false})).unwrap();
        assert_eq!(partner.id, "t-1");
        let methods = normalize(
            ty("authenticationMethodsPolicy"),
            json!({"id": "authenticationMethodsPolicy", "policyVersion": "1.5",
                   "authenticationMethodConfigurations": [{"id": "Fido2"}]}),
        )
        .unwrap();
        assert!(
            methods
                .body
                .get("authenticationMethodConfigurations")
                .is_none()
        );
        assert_eq!(methods.volatile["policyVersion"], json!("1.5"));
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let e = normalize(ty("user"), json!([1, 2])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidObject);
        assert_eq!(e.to_string(), "user: expected a JSON object, got an array");
        let e = normalize(ty("user"), json!({"displayName": "no id"})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "user object from users has no 'id' to identify it"
        );
        assert!(normalize(ty("user"), json!({"id": 7})).is_err());
    }

    #[test]
    fn strip_for_write_removes_read_only_and_keeps_create_only_for_create() {
        let sp = ty("servicePrincipal");
        let body = json!({"id": "s1", "appId": "a1", "displayName": "App", "appDisplayName": "App",
                          "passwordCredentials": [], "tags": []});
        assert_eq!(
            strip_for_write(sp, &body),
            json!({"displayName": "App", "tags": []})
        );
        assert_eq!(
            strip_for_create(sp, &body),
            json!({"appId": "a1", "displayName": "App", "tags": []})
        );
        let strength = ty("authenticationStrengthPolicy");
        let body = json!({"id": "x", "displayName": "Custom", "policyType": "custom",
                          "allowedCombinations": ["fido2"], "requirementsSatisfied": "mfa"});
        assert_eq!(
            strip_for_write(strength, &body),
            json!({"displayName": "Custom"})
        );

        let ca = ty("conditionalAccessPolicy");
        let raw = ca_export()
            .into_iter()
            .find(|p| !p["grantControls"]["authenticationStrength"].is_null())
            .unwrap();
        let n = normalize(ca, raw).unwrap();
        let w = strip_for_write(ca, &n.body);
        assert!(w.get("createdDateTime").is_none() && w.get("id").is_none());
        assert_eq!(
            w["grantControls"]["authenticationStrength"],
            json!({"id": n.body["grantControls"]["authenticationStrength"]["id"]})
        );
    }

    #[test]
    fn pretty_output_is_two_space_indented_with_a_trailing_newline() {
        let v = json!({"b": [1, {"d": null, "c": true}], "a": "x"});
        assert_eq!(
            String::from_utf8(pretty_bytes(&v)).unwrap(),
            "{\n  \"a\": \"x\",\n  \"b\": [\n    1,\n    {\n      \"c\": true,\n      \"d\": null\n    }\n  ]\n}\n"
        );
        assert_eq!(
            canonical_bytes(&v),
            br#"{"a":"x","b":[1,{"c":true,"d":null}]}"#
        );
    }

    /// Found by fuzzing normalization: serde_json's default float parser may
    /// land one ulp off for long numbers, so a stored body read back was not
    /// the body stored. Parsed with `float_roundtrip`, it is.
    #[test]
    fn a_long_number_reads_back_as_the_number_stored() {
        let text = format!(r#"{{"id":"x","n":5{}554}}"#, "7".repeat(73));
        let raw: Value = serde_json::from_str(&text).unwrap();
        let n = normalize(ty("authorizationPolicy"), raw).unwrap();
        let back: Value = serde_json::from_slice(&n.canonical_bytes()).unwrap();
        assert_eq!(back, n.body);
    }
}
