//! Encryption at rest (age, X25519). A store is encrypted when its config
//! (`store.json`) names recipients: every object file written to it (bodies,
//! links, index layers) is then the age ciphertext of its zstd bytes, still
//! named by the BLAKE3 hash of the plaintext canonical bytes, so identical
//! content is stored once. Writing needs only the recipients (public keys);
//! reading needs an identity file (`AGE-SECRET-KEY-1...` lines, `#` comments)
//! holding the secret key of one of them. Readers tell an age file by its
//! header, so plaintext stores, and plaintext objects written before a store
//! was encrypted, read as before.
//!
//! Key material never leaves this module: identities are read from their
//! file into memory, never written anywhere, and no message shows them.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::x25519;
use serde::{Deserialize, Serialize};

use super::atomic;
use crate::error::{Error, ErrorKind, Result};

/// How every age file begins.
pub(crate) const AGE_HEADER: &[u8] = b"age-encryption.org/v1\n";

/// The store config file at the store root.
pub(crate) const CONFIG_FILE: &str = "store.json";
const CONFIG_FORMAT: u32 = 1;

/// Whether `file` is an age file (by its header).
pub(crate) fn is_age(file: &[u8]) -> bool {
    file.starts_with(AGE_HEADER)
}

/// The store's encryption: the recipients it encrypts to (none: plaintext)
/// and, for reading, the identities given.
#[derive(Clone, Default)]
pub struct StoreCrypt {
    /// Sorted, deduplicated `age1...` strings, as in `store.json`.
    names: Vec<String>,
    recipients: Vec<x25519::Recipient>,
    identities: Vec<x25519::Identity>,
    /// Where the identities came from, for messages.
    identity_file: Option<PathBuf>,
    /// The store root, for messages.
    root: PathBuf,
}

impl fmt::Debug for StoreCrypt {
    /// Never the identities: only how many there are.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreCrypt")
            .field("recipients", &self.names)
            .field("identities", &self.identities.len())
            .field("identity_file", &self.identity_file)
            .finish()
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Config {
    format: u32,
    /// `age1...` X25519 recipients every object is encrypted to.
    #[serde(default)]
    recipients: Vec<String>,
}

/// Parses `age1...` recipients: sorted, deduplicated.
pub fn parse_recipients<S: AsRef<str>>(list: &[S]) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for r in list {
        let r = r.as_ref().trim();
        if r.to_ascii_uppercase().starts_with("AGE-SECRET-KEY-") {
            // A secret pasted where the public key goes: never echo it.
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "a recipient was given an age identity (a secret key, AGE-SECRET-KEY-1...); give its public key (age1...), which `entrasnap keygen --age` printed",
            ));
        }
        x25519::Recipient::from_str(r).map_err(|why| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "'{}' is not an age X25519 recipient (age1...): {why}",
                    r.chars().take(80).collect::<String>()
                ),
            )
        })?;
        names.push(r.to_string());
    }
    names.sort();
    names.dedup();
    Ok(names)
}

/// Reads a recipients file: one `age1...` per line, `#` comments and blank lines skipped.
pub fn read_recipients_file(path: &Path) -> Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::io("read recipients file", path, e))?;
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    if lines.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("recipients file {} names no recipient", path.display()),
        ));
    }
    parse_recipients(&lines).map_err(|e| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("recipients file {}: {}", path.display(), e.message()),
        )
    })
}

/// Reads an identity file (as `age-keygen` writes it). Messages name the
/// file and the line, never its content.
fn read_identity_file(path: &Path) -> Result<Vec<x25519::Identity>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::io("read identity file", path, e))?;
    let mut identities = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let identity = x25519::Identity::from_str(line).map_err(|_| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "identity file {} line {}: not an age X25519 identity (AGE-SECRET-KEY-1...)",
                    path.display(),
                    n + 1
                ),
            )
        })?;
        identities.push(identity);
    }
    if identities.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("identity file {} holds no identity", path.display()),
        ));
    }
    Ok(identities)
}

/// A new X25519 key pair: the identity file's text (secret) and the recipient.
pub fn generate_identity() -> (String, String) {
    use age::secrecy::ExposeSecret;
    let identity = x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let secret = identity.to_string();
    let text = format!(
        "# created: {}\n# public key: {recipient}\n{}\n",
        chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ"),
        secret.expose_secret()
    );
    (text, recipient)
}

impl StoreCrypt {
    /// The store's config, or plaintext when it has none.
    pub(crate) fn load(root: &Path) -> Result<StoreCrypt> {
        let path = root.join(CONFIG_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(StoreCrypt {
                    root: root.to_path_buf(),
                    ..StoreCrypt::default()
                });
            }
            Err(e) => return Err(Error::io("read", &path, e)),
        };
        let config: Config = serde_json::from_slice(&bytes).map_err(|e| {
            Error::new(
                ErrorKind::Corrupt,
                format!("store config {} is unreadable: {e}", path.display()),
            )
        })?;
        if config.format > CONFIG_FORMAT {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "store config {} was written by a newer EntraSnapshot (format {})",
                    path.display(),
                    config.format
                ),
            ));
        }
        let names = parse_recipients(&config.recipients).map_err(|e| {
            Error::new(
                ErrorKind::Corrupt,
                format!("store config {}: {}", path.display(), e.message()),
            )
        })?;
        Ok(StoreCrypt::with_names(root, names))
    }

    fn with_names(root: &Path, names: Vec<String>) -> StoreCrypt {
        let recipients = names
            .iter()
            .filter_map(|n| x25519::Recipient::from_str(n).ok())
            .collect();
        StoreCrypt {
            names,
            recipients,
            root: root.to_path_buf(),
            ..StoreCrypt::default()
        }
    }

    /// Makes the store encrypt to `names` (parsed by [`parse_recipients`]):
    /// writes `store.json` when the store has no recipients yet; the same
    /// set again is fine; a different one is an error naming both.
    pub(crate) fn require(&self, names: &[String]) -> Result<StoreCrypt> {
        if names.is_empty() || self.names == names {
            return Ok(self.clone());
        }
        if self.is_encrypted() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "store {} encrypts to {}, not to the recipients given ({}); give the store's recipients or none",
                    self.root.display(),
                    self.names.join(", "),
                    names.join(", ")
                ),
            ));
        }
        let config = Config {
            format: CONFIG_FORMAT,
            recipients: names.to_vec(),
        };
        let mut bytes = serde_json::to_vec_pretty(&config).expect("the config serializes");
        bytes.push(b'\n');
        atomic::write_atomic(&self.root.join(CONFIG_FILE), &bytes)?;
        let mut next = StoreCrypt::with_names(&self.root, names.to_vec());
        next.identities = self.identities.clone();
        next.identity_file = self.identity_file.clone();
        Ok(next)
    }

    /// Adds the identities of `path`. When the store is encrypted, one of
    /// them must belong to one of its recipients.
    pub(crate) fn with_identity_file(&self, path: &Path) -> Result<StoreCrypt> {
        let identities = read_identity_file(path)?;
        if self.is_encrypted()
            && !identities
                .iter()
                .any(|i| self.names.contains(&i.to_public().to_string()))
        {
            return Err(Error::new(
                ErrorKind::Encrypted,
                format!(
                    "the identity in {} does not match the recipients of store {} ({})",
                    path.display(),
                    self.root.display(),
                    self.names.join(", ")
                ),
            ));
        }
        let mut next = self.clone();
        next.identities = identities;
        next.identity_file = Some(path.to_path_buf());
        Ok(next)
    }

    /// The store encrypts what it writes.
    pub fn is_encrypted(&self) -> bool {
        !self.recipients.is_empty()
    }

    /// Its objects can be read: plaintext, or an identity was given.
    pub fn can_read(&self) -> bool {
        !self.is_encrypted() || !self.identities.is_empty()
    }

    /// The `age1...` recipients, sorted (empty: plaintext).
    pub fn recipients(&self) -> &[String] {
        &self.names
    }

    /// The error of reading an encrypted store without its identity.
    pub(crate) fn locked_error(&self) -> Error {
        Error::new(
            ErrorKind::Encrypted,
            format!(
                "store {} is encrypted; reading it needs the identity file of one of its recipients (--identity FILE or ENTRASNAP_IDENTITY_FILE; identityFile in the C ABI)",
                self.root.display()
            ),
        )
    }

    /// Errors when the store is encrypted and no identity was given.
    pub(crate) fn require_readable(&self) -> Result<()> {
        if self.can_read() {
            Ok(())
        } else {
            Err(self.locked_error())
        }
    }

    /// The file bytes for `data`: its age ciphertext when the store is encrypted.
    pub(crate) fn seal(&self, data: Vec<u8>) -> Result<Vec<u8>> {
        if !self.is_encrypted() {
            return Ok(data);
        }
        let failed = |why: String| {
            Error::new(
                ErrorKind::Io,
                format!(
                    "cannot encrypt an object for store {}: {why}",
                    self.root.display()
                ),
            )
        };
        let encryptor = age::Encryptor::with_recipients(
            self.recipients.iter().map(|r| r as &dyn age::Recipient),
        )
        .map_err(|e| failed(e.to_string()))?;
        let mut out = Vec::with_capacity(data.len() + 256);
        let mut writer = encryptor
            .wrap_output(&mut out)
            .map_err(|e| failed(e.to_string()))?;
        writer.write_all(&data).map_err(|e| failed(e.to_string()))?;
        writer.finish().map_err(|e| failed(e.to_string()))?;
        Ok(out)
    }

    /// The bytes an object file holds: decrypted when it is an age file.
    pub(crate) fn open(&self, file: Vec<u8>) -> std::result::Result<Vec<u8>, Unsealed> {
        if !is_age(&file) {
            return Ok(file);
        }
        if self.identities.is_empty() {
            return Err(Unsealed::Locked(self.locked_error()));
        }
        let decryptor = age::Decryptor::new_buffered(file.as_slice())
            .map_err(|e| Unsealed::Damaged(format!("is not a readable age file: {e}")))?;
        let mut reader =
            match decryptor.decrypt(self.identities.iter().map(|i| i as &dyn age::Identity)) {
                Ok(r) => r,
                Err(age::DecryptError::NoMatchingKeys) => {
                    return Err(Unsealed::Locked(Error::new(
                        ErrorKind::Encrypted,
                        format!(
                            "an object of store {} is not encrypted to the identity in {}",
                            self.root.display(),
                            self.identity_file
                                .as_deref()
                                .map(|p| p.display().to_string())
                                .unwrap_or_default()
                        ),
                    )));
                }
                Err(e) => return Err(Unsealed::Damaged(format!("does not decrypt: {e}"))),
            };
        let mut out = Vec::new();
        reader
            .read_to_end(&mut out)
            .map_err(|e| Unsealed::Damaged(format!("does not decrypt: {e}")))?;
        Ok(out)
    }
}

impl StoreCrypt {
    /// A journal line: as is when the store is plaintext, else
    /// `{"age":"<base64 ciphertext>"}` (still one JSON line).
    pub(crate) fn seal_line(&self, line: Vec<u8>) -> Result<Vec<u8>> {
        if !self.is_encrypted() {
            return Ok(line);
        }
        use base64::Engine;
        let sealed = base64::engine::general_purpose::STANDARD.encode(self.seal(line)?);
        Ok(serde_json::to_vec(&serde_json::json!({ "age": sealed })).expect("a line serializes"))
    }

    /// The JSON of a journal line written by [`Self::seal_line`].
    pub(crate) fn open_line(&self, line: &[u8]) -> std::result::Result<Vec<u8>, Unsealed> {
        if !line.starts_with(b"{\"age\":\"") {
            return Ok(line.to_vec());
        }
        use base64::Engine;
        let value: serde_json::Value = serde_json::from_slice(line)
            .map_err(|e| Unsealed::Damaged(format!("an encrypted line is not JSON: {e}")))?;
        let sealed = value
            .get("age")
            .and_then(serde_json::Value::as_str)
            .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
            .filter(|b| is_age(b))
            .ok_or_else(|| Unsealed::Damaged("an encrypted line is not an age file".into()))?;
        self.open(sealed)
    }
}

/// Why an object file's bytes could not be had.
#[derive(Debug)]
pub(crate) enum Unsealed {
    /// No identity, or not one it was encrypted to.
    Locked(Error),
    /// Not a sound age file.
    Damaged(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_pair(dir: &Path, name: &str) -> (PathBuf, String) {
        let (text, recipient) = generate_identity();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        (path, recipient)
    }

    #[test]
    fn seals_and_opens_with_the_identity_only() {
        let dir = tempfile::tempdir().unwrap();
        let (id_a, rec_a) = key_pair(dir.path(), "a.key");
        let (id_b, _) = key_pair(dir.path(), "b.key");
        let plain = StoreCrypt::load(dir.path()).unwrap();
        assert!(!plain.is_encrypted() && plain.can_read());
        let crypt = plain.require(std::slice::from_ref(&rec_a)).unwrap();
        assert!(crypt.is_encrypted() && !crypt.can_read());
        assert_eq!(
            StoreCrypt::load(dir.path()).unwrap().recipients(),
            std::slice::from_ref(&rec_a)
        );

        let sealed = crypt.seal(b"secret payload".to_vec()).unwrap();
        assert!(is_age(&sealed));
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert!(matches!(
            crypt.open(sealed.clone()),
            Err(Unsealed::Locked(e)) if e.kind() == ErrorKind::Encrypted
        ));
        let reader = crypt.with_identity_file(&id_a).unwrap();
        assert_eq!(reader.open(sealed).unwrap(), b"secret payload");
        // Plaintext files still read.
        assert_eq!(reader.open(b"plain".to_vec()).unwrap(), b"plain");

        let wrong = crypt.with_identity_file(&id_b).unwrap_err();
        assert_eq!(wrong.kind(), ErrorKind::Encrypted);
        assert!(wrong.message().contains("does not match the recipients"));
        assert!(!wrong.message().contains("AGE-SECRET-KEY"));
        let secret = "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ";
        let pasted = parse_recipients(&[secret]).unwrap_err();
        assert!(!pasted.message().contains(secret), "{}", pasted.message());
        assert!(pasted.message().contains("public key"));
    }

    #[test]
    fn a_different_recipient_set_is_refused_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        let (_, a) = key_pair(dir.path(), "a.key");
        let (_, b) = key_pair(dir.path(), "b.key");
        let crypt = StoreCrypt::load(dir.path())
            .unwrap()
            .require(std::slice::from_ref(&a))
            .unwrap();
        assert!(crypt.require(std::slice::from_ref(&a)).is_ok());
        assert!(crypt.require(&[]).unwrap().is_encrypted());
        let err = crypt.require(std::slice::from_ref(&b)).unwrap_err();
        assert!(err.message().contains(&a) && err.message().contains(&b));
    }

    #[test]
    fn bad_keys_are_one_line_errors_without_key_material() {
        let dir = tempfile::tempdir().unwrap();
        assert!(parse_recipients(&["age1nope"]).is_err());
        let path = dir.path().join("bad.key");
        std::fs::write(&path, "# comment\nAGE-SECRET-KEY-1NOTAKEY\n").unwrap();
        let Err(err) = read_identity_file(&path) else {
            panic!("a bad identity file was read")
        };
        assert!(err.message().contains("line 2"));
        assert!(!err.message().contains("NOTAKEY"));
    }
}
