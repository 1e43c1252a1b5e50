//! Ed25519 keys that sign manifests and prune records, and check them.
//!
//! Key files are PEM, as OpenSSL writes them (`openssl genpkey -algorithm
//! ed25519` for the signing key, `openssl pkey -pubout` for the verify key)
//! and as `entrasnap keygen` does. A key is named by its id: the first 16 hex
//! digits of the BLAKE3 hash of the public key, recorded beside each
//! signature so a report can say which key signed what. Key material never
//! appears in a message, a log or the store.

use std::fmt;
use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

/// A signature as stored in a manifest or prune record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Signature {
    /// Id of the key that made it (see [`key_id`]).
    pub key_id: String,
    /// The 64-byte Ed25519 signature, hex.
    pub value: String,
}

/// What checking one signature found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SigCheck {
    Valid,
    /// Made by a key that is not among the verify keys given.
    UnknownKey,
    /// Made by a key given, over other content: the signed thing changed.
    Invalid,
}

/// The keys a store is opened with: none by default.
#[derive(Clone, Default)]
pub struct StoreKeys {
    signing: Option<SigningKey>,
    verify: Vec<VerifyingKey>,
}

impl fmt::Debug for StoreKeys {
    /// Key ids only: key material never reaches a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreKeys")
            .field(
                "signing",
                &self.signing.as_ref().map(|k| key_id(&k.verifying_key())),
            )
            .field(
                "verify",
                &self.verify.iter().map(key_id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl StoreKeys {
    /// Reads the signing key file (if any) and the verify key files. Only
    /// verify keys make signatures required: a store that starts signing
    /// keeps reading the unsigned snapshots it already holds.
    pub fn load(signing_key: Option<&Path>, verify_keys: &[PathBuf]) -> Result<StoreKeys> {
        let signing = signing_key.map(read_signing_key).transpose()?;
        let mut verify = verify_keys
            .iter()
            .map(|p| read_verify_key(p))
            .collect::<Result<Vec<_>>>()?;
        verify.dedup();
        Ok(StoreKeys { signing, verify })
    }

    /// Id of the signing key, if one was given.
    pub fn signing_key_id(&self) -> Option<String> {
        self.signing.as_ref().map(|k| key_id(&k.verifying_key()))
    }

    /// True when verify keys were given (signatures are then required).
    pub fn verifies(&self) -> bool {
        !self.verify.is_empty()
    }

    /// Signs `message` with the signing key, if one was given.
    pub(crate) fn sign(&self, message: &[u8]) -> Option<Signature> {
        let key = self.signing.as_ref()?;
        Some(Signature {
            key_id: key_id(&key.verifying_key()),
            value: hex::encode(key.sign(message).to_bytes()),
        })
    }

    pub(crate) fn check(&self, signature: &Signature, message: &[u8]) -> SigCheck {
        let Some(key) = self.verify.iter().find(|k| key_id(k) == signature.key_id) else {
            return SigCheck::UnknownKey;
        };
        let Some(bytes) = hex::decode(&signature.value)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
        else {
            return SigCheck::Invalid;
        };
        match key.verify(message, &ed25519_dalek::Signature::from_bytes(&bytes)) {
            Ok(()) => SigCheck::Valid,
            Err(_) => SigCheck::Invalid,
        }
    }
}

/// The first 16 hex digits of BLAKE3 over the 32-byte public key.
pub fn key_id(key: &VerifyingKey) -> String {
    blake3::hash(key.as_bytes()).to_hex()[..16].to_string()
}

fn read_pem(path: &Path, what: &str) -> Result<String> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(what, path, e))?;
    // A key file is a few hundred bytes; anything large is not one.
    if meta.len() > 16 * 1024 {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "{what} {} is not a PEM key file (too large)",
                path.display()
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(what, path, e))?;
    String::from_utf8(bytes).map_err(|_| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("{what} {} is not a PEM key file", path.display()),
        )
    })
}

fn read_signing_key(path: &Path) -> Result<SigningKey> {
    let pem = read_pem(path, "signing key")?;
    // The decoder's messages name the structure, never the key's bytes.
    SigningKey::from_pkcs8_pem(pem.trim()).map_err(|e| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "signing key {} is not an Ed25519 private key in PEM (PKCS#8, `openssl genpkey -algorithm ed25519`): {e}",
                path.display()
            ),
        )
    })
}

fn read_verify_key(path: &Path) -> Result<VerifyingKey> {
    let pem = read_pem(path, "verify key")?;
    if let Ok(key) = VerifyingKey::from_public_key_pem(pem.trim()) {
        return Ok(key);
    }
    if let Ok(key) = SigningKey::from_pkcs8_pem(pem.trim()) {
        return Ok(key.verifying_key());
    }
    Err(Error::new(
        ErrorKind::InvalidArgument,
        format!(
            "verify key {} is not an Ed25519 public key in PEM (`openssl pkey -pubout`, or `entrasnap keygen`)",
            path.display()
        ),
    ))
}

/// Makes a new signing key: the private key's PEM (to write owner-only) and
/// the public key's PEM, and the key id.
pub fn generate() -> Result<(String, String, String)> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            format!("no randomness for a new key from the operating system: {e}"),
        )
    })?;
    let key = SigningKey::from_bytes(&seed);
    seed.fill(0);
    let private = key
        .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot encode the new key: {e}")))?
        .to_string();
    let public = key
        .verifying_key()
        .to_public_key_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot encode the new key: {e}")))?;
    Ok((private, public, key_id(&key.verifying_key())))
}

/// A key pair [`write_key_pair`] made: paths, never key material.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyPair {
    pub key_id: String,
    pub private_key: PathBuf,
    pub public_key: PathBuf,
}

/// Makes a signing key pair: `private` (owner-only) and `private` + `.pub`.
/// Neither file may exist; on failure neither is left behind.
pub fn write_key_pair(private: &Path) -> Result<KeyPair> {
    let mut public = private.as_os_str().to_owned();
    public.push(".pub");
    let public = PathBuf::from(public);
    for path in [private, public.as_path()] {
        if path.exists() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "{} already exists; a key file is never replaced",
                    path.display()
                ),
            ));
        }
    }
    let (private_pem, public_pem, key_id) = generate()?;
    write_private_key(private, &private_pem)?;
    if let Err(e) = super::atomic::write_atomic(&public, public_pem.as_bytes()) {
        // Half a key pair is no use: take the private half back.
        let _ = std::fs::remove_file(private);
        return Err(e);
    }
    Ok(KeyPair {
        key_id,
        private_key: private.to_path_buf(),
        public_key: public,
    })
}

/// Writes a private key file owner-only, refusing to replace an existing file.
pub fn write_private_key(path: &Path, pem: &str) -> Result<()> {
    use std::io::Write;
    let mut file = super::private::create_new(path).map_err(|e| {
        if path.exists() {
            Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "{} already exists; a key file is never replaced",
                    path.display()
                ),
            )
        } else {
            e
        }
    })?;
    file.write_all(pem.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| Error::io("write", path, e))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A signing key file and its public key file in `dir`.
    pub(crate) fn key_files(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
        let (private, public, _) = generate().unwrap();
        let sk = dir.join(format!("{name}.pem"));
        let pk = dir.join(format!("{name}.pub.pem"));
        write_private_key(&sk, &private).unwrap();
        std::fs::write(&pk, public).unwrap();
        (sk, pk)
    }

    #[test]
    fn signs_and_checks_and_names_keys_by_id_only() {
        let dir = tempfile::tempdir().unwrap();
        let (sk, pk) = key_files(dir.path(), "a");
        let (_, other) = key_files(dir.path(), "b");
        let signer = StoreKeys::load(Some(&sk), &[]).unwrap();
        let sig = signer.sign(b"manifest").unwrap();
        assert_eq!(Some(sig.key_id.clone()), signer.signing_key_id());
        let verifier = StoreKeys::load(None, std::slice::from_ref(&pk)).unwrap();
        assert_eq!(verifier.check(&sig, b"manifest"), SigCheck::Valid);
        assert_eq!(verifier.check(&sig, b"manifest!"), SigCheck::Invalid);
        let stranger = StoreKeys::load(None, &[other]).unwrap();
        assert_eq!(stranger.check(&sig, b"manifest"), SigCheck::UnknownKey);
        let debug = format!("{signer:?}");
        assert!(
            debug.contains(&sig.key_id) && !debug.contains("BEGIN"),
            "{debug}"
        );
        assert!(write_private_key(&sk, "x").is_err(), "never replaces a key");
        let err = StoreKeys::load(Some(&pk), &[]).unwrap_err().to_string();
        assert!(err.contains("is not an Ed25519 private key"), "{err}");
        let private_text = std::fs::read_to_string(&sk).unwrap();
        assert!(!err.contains(private_text.lines().nth(1).unwrap()));
    }
}
