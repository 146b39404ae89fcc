//! The key store: custody signing keys kept outside the case folders, and what this
//! machine last signed in each case.
//!
//! A case folder is data that others may reach (a shared disk, a backup, an archive sent
//! to a lawyer); a key kept beside the log lets whoever edits the log re-sign it. So the
//! keys live here, in the user's own folder ([`default_dir`]; `KANSOKU_KEY_DIR` or
//! `--key-dir` to choose), `0700`:
//!
//! ```text
//! <store>/<hex>.key           Ed25519 seed (hex), 0600; <hex> is the SHA-256 of the public key
//! <store>/<hex>.anchor.json   the case folder the key signs, and the custody head this
//!                             machine last wrote there (entry count, last hash)
//! ```
//!
//! The anchor is what in-place verification holds a case to on the machine that writes
//! it: another key ([`crate::verify::Finding::KeySwapped`]), or a log cut short with an
//! older `custody.head` put back, no longer passes. Elsewhere, only the fingerprint
//! printed at `case new`, recorded by the handler outside the case, anchors it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};

use crate::IrError;
use crate::case::write_atomic;
use crate::custody::fingerprint;
use crate::digest::{hex, unhex};

/// The environment variable naming the key store folder.
pub const KEY_DIR_ENV: &str = "KANSOKU_KEY_DIR";

/// The key store folder when none is given: `$KANSOKU_KEY_DIR`, else
/// `$XDG_DATA_HOME/kansoku/keys`, else `$HOME/.local/share/kansoku/keys`; `None` when
/// the environment names none of them. `var` reads the environment (tests pass their own).
pub fn default_dir(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let set = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = set(KEY_DIR_ENV) {
        return Some(dir);
    }
    // The XDG base directory specification ignores relative values.
    if let Some(data) = set("XDG_DATA_HOME").filter(|p| p.is_absolute()) {
        return Some(data.join("kansoku/keys"));
    }
    set("HOME").map(|home| home.join(".local/share/kansoku/keys"))
}

/// What this machine last signed in a case: kept beside the key, outside the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    /// The key's fingerprint (`sha256:` + hex).
    pub fingerprint: String,
    /// The case's name.
    pub case: String,
    /// The case folder, absolute.
    pub folder: PathBuf,
    /// Custody entries when this machine last wrote the head.
    pub entries: u64,
    /// Hash of the last of them.
    pub head: String,
}

/// A key store folder.
#[derive(Debug, Clone)]
pub struct KeyStore {
    dir: PathBuf,
}

/// The file-name stem of a fingerprint: its 64 hex digits. Anything else (the fingerprint
/// comes from `case.toml`, which anyone with the folder can edit) names no file.
fn stem(fp: &str) -> Option<&str> {
    fp.strip_prefix("sha256:")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// Whether group or others may read or write `meta`'s file.
#[cfg(unix)]
fn exposed(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn exposed(_: &std::fs::Metadata) -> Option<u32> {
    None
}

impl KeyStore {
    /// The store in `dir` (created when the first key is written).
    pub fn new(dir: impl Into<PathBuf>) -> KeyStore {
        KeyStore { dir: dir.into() }
    }

    /// The store folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn key_path(&self, fp: &str) -> Option<PathBuf> {
        stem(fp).map(|s| self.dir.join(format!("{s}.key")))
    }

    fn anchor_path(&self, fp: &str) -> Option<PathBuf> {
        stem(fp).map(|s| self.dir.join(format!("{s}.anchor.json")))
    }

    /// Creates the folder `0700`; an existing one that group or others can enter is refused.
    fn ensure_dir(&self) -> Result<(), IrError> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&self.dir)
            .map_err(|e| IrError::io(&self.dir, e))?;
        let meta = std::fs::metadata(&self.dir).map_err(|e| IrError::io(&self.dir, e))?;
        match exposed(&meta) {
            Some(mode) => Err(IrError::KeyExposed {
                path: self.dir.clone(),
                mode,
            }),
            None => Ok(()),
        }
    }

    /// A new random signing key, written to the store before it is returned.
    pub fn create(&self) -> Result<SigningKey, IrError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|e| IrError::Invalid(format!("no randomness for a signing key: {e}")))?;
        let key = SigningKey::from_bytes(&seed);
        self.adopt(&key)?;
        Ok(key)
    }

    /// Writes `key` to the store unless it is there already (a key an older kansoku kept
    /// inside its case folder).
    pub fn adopt(&self, key: &SigningKey) -> Result<(), IrError> {
        self.ensure_dir()?;
        let fp = fingerprint(&key.verifying_key());
        let Some(path) = self.key_path(&fp) else {
            return Err(IrError::Invalid(format!(
                "fingerprint {fp} names no key file"
            )));
        };
        if path.exists() {
            return Ok(());
        }
        write_secret(&path, &format!("{}\n", hex(key.as_bytes())))
    }

    /// The signing key with fingerprint `fp`, if the store holds it. A key file that group
    /// or others can read is refused ([`IrError::KeyExposed`]).
    pub fn signing_key(&self, fp: &str) -> Result<Option<SigningKey>, IrError> {
        let Some(path) = self.key_path(fp) else {
            return Ok(None);
        };
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(IrError::io(&path, e)),
        };
        if !meta.is_file() {
            return Err(IrError::format(&path, "not a regular file"));
        }
        if let Some(mode) = exposed(&meta) {
            return Err(IrError::KeyExposed { path, mode });
        }
        let key = read_signing_key(&path)?;
        if fingerprint(&key.verifying_key()) != fp {
            return Err(IrError::format(
                &path,
                format!("holds another key than its name says ({fp})"),
            ));
        }
        Ok(Some(key))
    }

    /// The anchor of key `fp`, if this machine wrote one.
    pub fn anchor(&self, fp: &str) -> Result<Option<Anchor>, IrError> {
        let Some(path) = self.anchor_path(fp) else {
            return Ok(None);
        };
        read_anchor(&path)
    }

    /// The anchor recorded for the case folder `folder` (compared absolute), if any.
    pub fn anchor_for_folder(&self, folder: &Path) -> Result<Option<Anchor>, IrError> {
        let folder = absolute_folder(folder);
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(IrError::io(&self.dir, e)),
        };
        for entry in entries {
            let path = entry.map_err(|e| IrError::io(&self.dir, e))?.path();
            if !path.to_string_lossy().ends_with(".anchor.json") {
                continue;
            }
            if let Some(a) = read_anchor(&path)?
                && a.folder == folder
            {
                return Ok(Some(a));
            }
        }
        Ok(None)
    }

    /// Records (replaces) the anchor of `anchor.fingerprint`.
    pub fn record(&self, anchor: &Anchor) -> Result<(), IrError> {
        self.ensure_dir()?;
        let Some(path) = self.anchor_path(&anchor.fingerprint) else {
            return Err(IrError::Invalid(format!(
                "fingerprint {} names no key file",
                anchor.fingerprint
            )));
        };
        let json = serde_json::to_vec_pretty(anchor)
            .map_err(|e| IrError::Invalid(format!("key store anchor: {e}")))?;
        // The temporary file write_atomic makes is 0600.
        write_atomic(&path, &json)
    }
}

/// The form in which case folders are compared: absolute, links resolved when it exists.
pub fn absolute_folder(folder: &Path) -> PathBuf {
    std::fs::canonicalize(folder)
        .or_else(|_| std::path::absolute(folder))
        .unwrap_or_else(|_| folder.to_path_buf())
}

fn read_anchor(path: &Path) -> Result<Option<Anchor>, IrError> {
    match std::fs::read(path) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| IrError::format(path, e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(IrError::io(path, e)),
    }
}

/// Reads a hex Ed25519 seed.
pub(crate) fn read_signing_key(path: &Path) -> Result<SigningKey, IrError> {
    let text = std::fs::read_to_string(path).map_err(|e| IrError::io(path, e))?;
    let bytes: [u8; 32] = unhex(text.trim())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| IrError::format(path, "not a hex Ed25519 signing key"))?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// Writes a new secret file readable by its owner only.
fn write_secret(path: &Path, text: &str) -> Result<(), IrError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path).map_err(|e| IrError::io(path, e))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| IrError::io(path, e))
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;
    use std::path::PathBuf;

    use super::{default_dir, stem};

    #[test]
    fn the_store_is_found_from_the_environment_override_first() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        assert_eq!(
            default_dir(env(&[("KANSOKU_KEY_DIR", "/k"), ("HOME", "/h")])),
            Some(PathBuf::from("/k"))
        );
        assert_eq!(
            default_dir(env(&[("XDG_DATA_HOME", "/x"), ("HOME", "/h")])),
            Some(PathBuf::from("/x/kansoku/keys"))
        );
        assert_eq!(
            default_dir(env(&[("XDG_DATA_HOME", "rel"), ("HOME", "/h")])),
            Some(PathBuf::from("/h/.local/share/kansoku/keys"))
        );
        assert_eq!(default_dir(env(&[])), None);
    }

    /// A fingerprint from a hostile case.toml cannot name a file outside the store.
    #[test]
    fn only_a_well_formed_fingerprint_names_a_key_file() {
        let hex = "ab".repeat(32);
        assert_eq!(stem(&format!("sha256:{hex}")), Some(hex.as_str()));
        for bad in [
            "sha256:../../etc/passwd",
            "sha256:",
            "ab",
            &format!("sha256:{}", "AB".repeat(32)),
            &format!("sha256:{hex}/x"),
        ] {
            assert_eq!(stem(bad), None, "{bad}");
        }
    }
}
