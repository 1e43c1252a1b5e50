//! What a restore may touch: the types, objects and attributes the options
//! name. Everything outside is read at most (to check references), never written.

use std::collections::BTreeSet;

use super::model::PlanOptions;
use crate::error::{Error, ErrorKind, Result};
use crate::registry::ObjectType;

pub(crate) struct Scope<'o> {
    /// In restore order (referenced types first).
    pub types: Vec<&'static ObjectType>,
    ids: &'o BTreeSet<String>,
    /// Attribute paths (property names and dot paths) the options name; empty
    /// when every attribute is restored.
    attributes: Vec<String>,
    /// Link names the options name (`members`, `manager`).
    links: BTreeSet<String>,
    /// Whether the options name attributes at all.
    pub filtered: bool,
}

impl<'o> Scope<'o> {
    pub fn new(options: &'o PlanOptions) -> Result<Self> {
        let mut named = Vec::new();
        for name in &options.types {
            let ty = ObjectType::find(name.trim()).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!(
                        "unknown type \"{name}\"; known types: {}",
                        ObjectType::known_names()
                    ),
                )
            })?;
            named.push(ty);
        }
        let types = ObjectType::restore_order()
            .into_iter()
            .filter(|t| named.is_empty() || named.contains(t))
            .collect();
        let link_names: BTreeSet<&str> = ObjectType::all()
            .iter()
            .flat_map(|t| t.links.iter().map(|l| l.name))
            .collect();
        let (mut attributes, mut links) = (Vec::new(), BTreeSet::new());
        for a in options.attributes.iter().map(|a| a.trim()) {
            if a.is_empty() {
                continue;
            }
            if link_names.contains(a) {
                links.insert(a.to_string());
            } else {
                attributes.push(a.to_string());
            }
        }
        let filtered = !attributes.is_empty() || !links.is_empty();
        Ok(Scope {
            types,
            ids: &options.ids,
            attributes,
            links,
            filtered,
        })
    }

    /// Whether object `id` (its snapshot id) is in scope.
    pub fn has_id(&self, id: &str) -> bool {
        self.ids.is_empty() || self.ids.contains(id)
    }

    /// Whether the options name objects at all.
    pub fn names_ids(&self) -> bool {
        !self.ids.is_empty()
    }

    /// The attribute paths to restore (empty with `filtered`: links only).
    pub fn attributes(&self) -> &[String] {
        &self.attributes
    }

    /// Whether top-level property `name` may be written.
    pub fn has_property(&self, name: &str) -> bool {
        !self.filtered
            || self
                .attributes
                .iter()
                .any(|a| a == name || a.split('.').next() == Some(name))
    }

    /// Whether link `name` may be written.
    pub fn has_link(&self, name: &str) -> bool {
        !self.filtered || self.links.contains(name)
    }
}
