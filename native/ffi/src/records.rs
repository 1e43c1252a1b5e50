//! Change records in the shape of the module's objects (`"records":
//! "module"`): PascalCase property names, PascalCase enum values, the
//! actors' labels worked out, and the compared snapshots on every record.
//! PowerShell then only adds type names to what `ConvertFrom-Json` builds:
//! building one object per change in script cost more than the whole
//! comparison on a large tenant.
//!
//! The property sets are the module's contract (`EntraSnapshot.Change`,
//! `EntraSnapshot.AttributeChange`, `EntraSnapshot.LinkChange`,
//! `EntraSnapshot.NamedId`): every property is present on every record, null
//! or empty when it does not apply, so scripts under `Set-StrictMode` can
//! read any of them.

use entrasnap_core::audit::Attribution;
use entrasnap_core::diff::{AttributeChange, Change, ChangeKind, LinkChange, NamedId};
use serde::Serialize;
use serde_json::Value;

/// Which records an operation returns: the engine's own (camelCase, as
/// `entrasnap --json` prints them) or the module's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Records {
    #[default]
    Engine,
    Module,
}

/// What every change record of one comparison shares.
pub(crate) struct Compared<'a> {
    pub(crate) from: &'a str,
    pub(crate) to: &'a str,
    pub(crate) live: bool,
    pub(crate) store: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ChangeRecord<'a> {
    severity: &'static str,
    object_type: &'a str,
    object_name: &'a str,
    object_id: &'a str,
    kind: &'static str,
    previous_id: Option<&'a str>,
    reason: &'a str,
    attributes: Vec<AttributeRecord<'a>>,
    links: Vec<LinkRecord<'a>>,
    restorable: Option<bool>,
    changed_by: Vec<String>,
    attribution: Option<&'a Attribution>,
    from_snapshot_id: &'a str,
    to_snapshot_id: &'a str,
    live: bool,
    store: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AttributeRecord<'a> {
    path: &'a str,
    old: Option<&'a Value>,
    new: Option<&'a Value>,
    added: &'a [Value],
    removed: &'a [Value],
    /// Id and display name pairs: `ConvertFrom-Json` turns an object into
    /// a PSCustomObject, whose property list costs 0.1 ms per call to read;
    /// the module builds its dictionary from an array at a fraction of that.
    names: Vec<NamedIdRecord<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LinkRecord<'a> {
    link: &'a str,
    added: Vec<NamedIdRecord<'a>>,
    removed: Vec<NamedIdRecord<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct NamedIdRecord<'a> {
    id: &'a str,
    name: &'a str,
}

fn kind(kind: &ChangeKind) -> (&'static str, Option<&str>) {
    match kind {
        ChangeKind::Added => ("Added", None),
        ChangeKind::Removed => ("Removed", None),
        ChangeKind::Modified => ("Modified", None),
        ChangeKind::Recreated { previous_id } => ("Recreated", Some(previous_id)),
    }
}

fn severity(change: &Change) -> &'static str {
    use entrasnap_core::diff::Severity;
    match change.severity {
        Severity::Info => "Info",
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
        Severity::Critical => "Critical",
    }
}

/// The actors of an attribution, one label each (a UPN, or an app's name
/// and id), in the order they first acted.
pub(crate) fn changed_by(attribution: Option<&Attribution>) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for actor in attribution.map(Attribution::actors).unwrap_or_default() {
        let label = actor.label();
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    labels
}

pub(crate) fn attributes(attributes: &[AttributeChange]) -> Vec<AttributeRecord<'_>> {
    attributes
        .iter()
        .map(|a| AttributeRecord {
            path: &a.path,
            old: a.old.as_ref(),
            new: a.new.as_ref(),
            added: &a.added,
            removed: &a.removed,
            names: a
                .names
                .iter()
                .map(|(id, name)| NamedIdRecord { id, name })
                .collect(),
        })
        .collect()
}

fn named(ids: &[NamedId]) -> Vec<NamedIdRecord<'_>> {
    ids.iter()
        .map(|m| NamedIdRecord {
            id: &m.id,
            name: &m.name,
        })
        .collect()
}

pub(crate) fn links(links: &[LinkChange]) -> Vec<LinkRecord<'_>> {
    links
        .iter()
        .map(|l| LinkRecord {
            link: &l.link,
            added: named(&l.added),
            removed: named(&l.removed),
        })
        .collect()
}

pub(crate) fn change<'a>(change: &'a Change, compared: &Compared<'a>) -> ChangeRecord<'a> {
    let (kind, previous_id) = kind(&change.kind);
    ChangeRecord {
        severity: severity(change),
        object_type: &change.object_type,
        object_name: &change.object_name,
        object_id: &change.object_id,
        kind,
        previous_id,
        reason: &change.reason,
        attributes: attributes(&change.attributes),
        links: links(&change.links),
        restorable: change.restorable,
        changed_by: changed_by(change.attribution.as_ref()),
        attribution: change.attribution.as_ref(),
        from_snapshot_id: compared.from,
        to_snapshot_id: compared.to,
        live: compared.live,
        store: compared.store,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entrasnap_core::diff::Severity;
    use serde_json::json;

    #[test]
    fn a_change_has_every_module_property_in_pascal_case() {
        let change = Change {
            object_type: "group".into(),
            object_id: "g2".into(),
            object_name: "SG-Exclude".into(),
            kind: ChangeKind::Recreated {
                previous_id: "g1".into(),
            },
            attributes: vec![AttributeChange {
                path: "description".into(),
                old: Some(json!("a")),
                new: Some(json!("b")),
                names: [("g9".to_owned(), "Mallory".to_owned())].into(),
                ..AttributeChange::default()
            }],
            links: vec![LinkChange {
                link: "members".into(),
                added: vec![NamedId {
                    id: "u7".into(),
                    name: "Mallory".into(),
                }],
                removed: vec![],
            }],
            severity: Severity::High,
            reason: "r".into(),
            restorable: None,
            attribution: None,
        };
        let compared = Compared {
            from: "s1",
            to: "s2",
            live: true,
            store: "/store",
        };
        let record = serde_json::to_value(super::change(&change, &compared)).unwrap();
        assert_eq!(
            record,
            json!({
                "Severity": "High", "ObjectType": "group", "ObjectName": "SG-Exclude",
                "ObjectId": "g2", "Kind": "Recreated", "PreviousId": "g1", "Reason": "r",
                "Attributes": [{"Path": "description", "Old": "a", "New": "b",
                                "Added": [], "Removed": [], "Names": [{"Id": "g9", "Name": "Mallory"}]}],
                "Links": [{"Link": "members", "Added": [{"Id": "u7", "Name": "Mallory"}], "Removed": []}],
                "Restorable": null, "ChangedBy": [], "Attribution": null,
                "FromSnapshotId": "s1", "ToSnapshotId": "s2", "Live": true, "Store": "/store"
            })
        );
    }
}
