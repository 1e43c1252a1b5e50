//! One object's history across stored snapshots: deleted and created again
//! under a new id (in one interval, and after being gone a while), a name
//! two objects had one after the other, and what is read along the way.

use entrasnap_core::diff::history::{HistoryEvent, HistoryQuery, Target, history};
use entrasnap_core::{LocalStore, normalize};
use serde_json::{Value, json};

use crate::util::{TENANT, day, store, ty};

fn policy(id: &str, name: &str, state: &str) -> Value {
    json!({
        "id": id,
        "displayName": name,
        "state": state,
        "conditions": {"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]}},
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}
    })
}

const OLD: &str = "9b5a3c1e-0000-4000-8000-000000000001";
const NEW: &str = "9b5a3c1e-0000-4000-8000-000000000002";
const OTHER: &str = "9b5a3c1e-0000-4000-8000-000000000003";
const NAME: &str = "CA001 - Require MFA for all users";

/// A snapshot on day `d` holding `policies`.
fn snapshot(store: &LocalStore, d: u32, policies: &[Value]) -> String {
    let ca = ty("conditionalAccessPolicy");
    let w = store.begin_at(TENANT, &[ca], day(d, 0)).unwrap();
    for p in policies {
        w.put(ca, &normalize(ca, p.clone()).unwrap()).unwrap();
    }
    w.finish().unwrap().to_string()
}

fn query(target: Target) -> HistoryQuery {
    HistoryQuery {
        target,
        object_type: None,
        attribute: None,
        from: None,
        to: None,
    }
}

fn events(h: &entrasnap_core::diff::history::History) -> Vec<HistoryEvent> {
    h.entries.iter().map(|e| e.event).collect()
}

#[test]
fn a_policy_deleted_and_created_again_is_followed_to_its_new_id() {
    let (_dir, store) = store();
    let other = policy(OTHER, "CA009 - Other", "enabled");
    let s1 = snapshot(&store, 1, &[policy(OLD, NAME, "enabled"), other.clone()]);
    let s2 = snapshot(&store, 2, &[policy(NEW, NAME, "disabled"), other.clone()]);
    let s3 = snapshot(&store, 3, &[policy(NEW, NAME, "enabled"), other]);

    let h = history(&store, &query(Target::Id(OLD.into()))).unwrap();
    use HistoryEvent::*;
    assert_eq!(events(&h), [Created, Recreated, Changed]);
    assert_eq!(h.object_id, NEW, "the newest id");
    let e = &h.entries[1];
    assert_eq!(e.previous_id.as_deref(), Some(OLD));
    assert_eq!(e.object_id, NEW);
    assert_eq!(
        (e.from.as_ref().unwrap().id.as_str(), e.to.id.as_str()),
        (s1.as_str(), s2.as_str())
    );
    assert_eq!(e.attributes.len(), 1, "{:?}", e.attributes);
    assert_eq!(e.attributes[0].path, "state");
    assert_eq!(h.entries[2].to.id, s3);

    // The name two ids had one after the other is one object's life, not ambiguous.
    let by_name = history(&store, &query(Target::Name(NAME.to_lowercase()))).unwrap();
    assert_eq!(by_name.entries, h.entries);
}

#[test]
fn gone_for_a_while_then_back_under_a_new_id_or_the_same_one() {
    let (_dir, store) = store();
    let other = policy(OTHER, "CA009 - Other", "enabled");
    snapshot(&store, 1, &[policy(OLD, NAME, "enabled"), other.clone()]);
    snapshot(&store, 2, std::slice::from_ref(&other));
    snapshot(&store, 3, std::slice::from_ref(&other));
    let back = snapshot(&store, 4, &[policy(NEW, NAME, "enabled"), other.clone()]);
    let h = history(&store, &query(Target::Id(OLD.into()))).unwrap();
    use HistoryEvent::*;
    assert_eq!(events(&h), [Created, Deleted, Recreated]);
    assert_eq!(h.entries[2].to.id, back);
    assert!(
        h.entries[2].attributes.is_empty(),
        "created again exactly as it was"
    );

    // The other one stayed: first seen, nothing else.
    let h = history(&store, &query(Target::Id(OTHER.into()))).unwrap();
    assert_eq!(events(&h), [Created]);

    // Two objects under one name at the same time are ambiguous.
    snapshot(
        &store,
        5,
        &[policy(NEW, NAME, "enabled"), policy(OTHER, NAME, "enabled")],
    );
    let err = history(&store, &query(Target::Name(NAME.into()))).unwrap_err();
    assert!(err.message().contains("3 objects are named"), "{err}");
    assert!(
        err.message().contains(OTHER) && err.message().contains(OLD),
        "{err}"
    );
}

#[test]
fn restored_with_its_id_shows_what_differs_from_the_last_version_seen() {
    let (_dir, store) = store();
    snapshot(&store, 1, &[policy(OLD, NAME, "enabled")]);
    snapshot(&store, 2, &[]);
    snapshot(&store, 3, &[policy(OLD, NAME, "disabled")]);
    let h = history(&store, &query(Target::Id(OLD.into()))).unwrap();
    use HistoryEvent::*;
    assert_eq!(events(&h), [Created, Deleted, Restored]);
    assert_eq!(h.entries[2].attributes[0].path, "state");
    assert_eq!(h.entries[2].attributes[0].old, Some(json!("enabled")));
    assert_eq!(h.entries[2].attributes[0].new, Some(json!("disabled")));
    let json = serde_json::to_value(&h).unwrap();
    assert_eq!(json["entries"][2]["event"], "restored");
    assert!(json["entries"][2].get("changedBy").is_none());
}
