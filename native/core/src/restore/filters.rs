//! No silent nothing: the names a restore's filters give (types, object ids,
//! attributes) must each match something, or the restore fails naming them
//! before anything is written. Checked in two steps so a typo costs as little
//! as possible: [`check_against_snapshot`] needs only the known-good snapshot
//! (before the tenant is read), [`check_ids_against_live`] the tenant's
//! current state for ids the snapshot does not hold (a re-created object's
//! new id, an object created since for `deleteAdded`).

use super::model::PlanOptions;
use crate::diff::Snapshot;
use crate::dotpath;
use crate::error::{Error, ErrorKind, Result};
use crate::registry::ObjectType;
use crate::store::require_types;

/// The types a restore covers: those named, else every type the snapshot holds.
fn scoped_types(
    target: &dyn Snapshot,
    options: &PlanOptions,
    held: &[String],
) -> Result<Vec<&'static ObjectType>> {
    if options.types.is_empty() {
        return Ok(ObjectType::all()
            .iter()
            .filter(|t| held.iter().any(|h| h == t.name))
            .collect());
    }
    let mut out = Vec::new();
    for name in &options.types {
        out.push(ObjectType::find(name.trim()).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "unknown object type '{name}'; known: {}",
                    ObjectType::known_names()
                ),
            )
        })?);
    }
    let names: Vec<&str> = out.iter().map(|t| t.name).collect();
    require_types(&target.label(), held, &names)?;
    Ok(out)
}

/// Checks the types and attributes against `target` (whose manifest lists
/// the exported types `held`), and returns the ids it does not hold: those
/// must be found in the tenant ([`check_ids_against_live`]).
pub fn check_against_snapshot(
    target: &dyn Snapshot,
    held: &[String],
    options: &PlanOptions,
) -> Result<Vec<String>> {
    let types = scoped_types(target, options, held)?;
    let unknown: Vec<&str> = options
        .attributes
        .iter()
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
        .filter(|a| !attribute_known(target, &types, a))
        .collect();
    if !unknown.is_empty() {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!(
                "attributes matched nothing: no {} in snapshot {} has {}",
                type_names(&types, options),
                target.label(),
                quoted(&unknown)
            ),
        ));
    }
    Ok(options
        .ids
        .iter()
        .filter(|id| !types.iter().any(|t| target.find(t.name, id).is_some()))
        .cloned()
        .collect())
}

/// Fails naming the ids (from [`check_against_snapshot`]) that the tenant
/// does not hold either.
pub fn check_ids_against_live(
    unmatched: &[String],
    target: &dyn Snapshot,
    held: &[String],
    live: &dyn Snapshot,
    options: &PlanOptions,
) -> Result<()> {
    let types = scoped_types(target, options, held)?;
    let missing: Vec<&str> = unmatched
        .iter()
        .filter(|id| !types.iter().any(|t| live.find(t.name, id).is_some()))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::NotFound,
        format!(
            "ids matched nothing: {} {} in neither snapshot {} nor the tenant (any {})",
            quoted(&missing),
            if missing.len() == 1 { "is" } else { "are" },
            target.label(),
            type_names(&types, options)
        ),
    ))
}

/// An attribute is known when it is a link of one of `types`, a property the
/// registry names for it, or a path found in one of the snapshot's objects.
fn attribute_known(target: &dyn Snapshot, types: &[&'static ObjectType], attribute: &str) -> bool {
    let first = attribute.split('.').next().unwrap_or(attribute);
    types.iter().any(|ty| {
        if ty.link(attribute).is_some() {
            return true;
        }
        if !ty.select.is_empty() && !ty.select.contains(&first) {
            // Only the selected properties are ever read for this type.
            return false;
        }
        if first == attribute && ty.select.contains(&first) {
            return true;
        }
        let named = ty
            .references
            .iter()
            .map(|r| r.path)
            .chain(ty.set_arrays.iter().map(|s| s.path))
            .chain(ty.typed_paths.iter().copied())
            .chain(ty.natural_key.iter().copied())
            .chain(ty.write.property_writes.iter().map(|w| w.property()));
        if named
            .into_iter()
            .any(|p| p == attribute || p.starts_with(&format!("{attribute}.")))
        {
            return true;
        }
        target.entries(ty.name).iter().any(|e| {
            target
                .read_body(&e.hash)
                .is_ok_and(|body| dotpath::get(&body, attribute).is_some())
        })
    })
}

fn type_names(types: &[&'static ObjectType], options: &PlanOptions) -> String {
    if options.types.is_empty() {
        return "object".to_string();
    }
    match types {
        [] => "object".to_string(),
        [one] => one.name.to_string(),
        _ => format!(
            "object of types {}",
            types.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}
