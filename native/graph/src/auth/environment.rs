//! Where the sign-in chain reads its variables: the process environment
//! (the command), or exactly the map a caller hands over (the C ABI). On
//! Linux and macOS, `$env:X = 'y'` in PowerShell never reaches the process
//! environment (.NET keeps its own copy and never calls `setenv`), so the
//! module passes what the session sees instead.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// A source of environment variables. Empty values count as unset, as a
/// half-cleared `$env:AZURE_CLIENT_SECRET = ''` should.
#[derive(Clone, Default)]
pub enum Environment {
    /// `std::env`.
    #[default]
    Process,
    /// Only these variables; the process environment is not read at all.
    Given(Arc<HashMap<String, String>>),
}

impl Environment {
    pub fn given(vars: HashMap<String, String>) -> Self {
        Environment::Given(Arc::new(vars))
    }

    /// The value of `key`, trimmed; `None` when unset or blank.
    pub fn var(&self, key: &str) -> Option<String> {
        let value = match self {
            Environment::Process => std::env::var(key).ok(),
            Environment::Given(vars) => vars.get(key).cloned(),
        };
        value
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    pub fn has(&self, key: &str) -> bool {
        self.var(key).is_some()
    }

    /// The variables handed over by the caller, if any (for redaction).
    pub fn given_values(&self) -> impl Iterator<Item = (&str, &str)> {
        let vars = match self {
            Environment::Process => None,
            Environment::Given(vars) => Some(vars.iter()),
        };
        vars.into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl fmt::Debug for Environment {
    /// Names only: values hold secrets (AZURE_CLIENT_SECRET, IDENTITY_HEADER, ...).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Environment::Process => f.write_str("Environment::Process"),
            Environment::Given(vars) => {
                let mut keys: Vec<&String> = vars.keys().collect();
                keys.sort();
                f.debug_tuple("Environment::Given").field(&keys).finish()
            }
        }
    }
}

impl From<HashMap<String, String>> for Environment {
    fn from(vars: HashMap<String, String>) -> Self {
        Environment::given(vars)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_map_is_all_there_is_and_never_prints_values() {
        // PATH is set in every test process; a given map without it has none.
        let env = Environment::given(HashMap::from([
            (
                "AZURE_CLIENT_SECRET".to_string(),
                "s3cr3t-value".to_string(),
            ),
            ("AZURE_TENANT_ID".to_string(), "  ".to_string()),
        ]));
        assert_eq!(
            env.var("AZURE_CLIENT_SECRET").as_deref(),
            Some("s3cr3t-value")
        );
        assert_eq!(env.var("AZURE_TENANT_ID"), None);
        assert_eq!(env.var("PATH"), None);
        assert!(Environment::Process.has("PATH"));
        let shown = format!("{env:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("AZURE_CLIENT_SECRET"), "{shown}");
    }
}
