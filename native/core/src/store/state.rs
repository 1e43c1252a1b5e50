//! Per-tenant export state (`state/<tenantId>.json`), e.g. the delta links an
//! incremental export resumes from. Opaque JSON to the store.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::atomic;
use crate::error::{Error, ErrorKind, Result};
use crate::normalize::pretty_bytes;

/// Tenant ids become file names, so only GUID-like characters are accepted.
pub(crate) fn check_tenant_id(tenant_id: &str) -> Result<()> {
    let ok = !tenant_id.is_empty()
        && tenant_id.len() <= 128
        && !tenant_id.starts_with('.')
        && tenant_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("'{tenant_id}' is not a tenant id (letters, digits, '-', '_' and '.' only)"),
        ))
    }
}

fn path_of(root: &Path, tenant_id: &str) -> PathBuf {
    root.join("state").join(format!("{tenant_id}.json"))
}

pub(crate) fn get(root: &Path, tenant_id: &str) -> Result<Option<Value>> {
    check_tenant_id(tenant_id)?;
    let path = path_of(root, tenant_id);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("read", &path, e)),
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        Error::new(
            ErrorKind::Corrupt,
            format!("export state {} is not JSON: {e}", path.display()),
        )
    })
}

pub(crate) fn put(root: &Path, tenant_id: &str, value: &Value) -> Result<()> {
    check_tenant_id(tenant_id)?;
    atomic::write_atomic(&path_of(root, tenant_id), &pretty_bytes(value))
}
