//! Streaming digests: SHA-256 (the kit's own), SHA-1 and MD5 (what other tools print).

use std::io::{Read, Write};
use std::path::Path;

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::IrError;

/// The three digests and the size of one byte stream, as lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digests {
    /// SHA-256.
    pub sha256: String,
    /// SHA-1.
    pub sha1: String,
    /// MD5.
    pub md5: String,
    /// Bytes read.
    pub size: u64,
}

/// Reads `input` to its end in 1 MiB pieces, hashing every piece and writing it to
/// `copy` when given, so a file of any size passes through bounded memory.
pub fn stream(
    mut input: impl Read,
    mut copy: Option<&mut dyn Write>,
    path: &Path,
) -> Result<Digests, IrError> {
    let mut buf = vec![0u8; 1 << 20];
    let (mut a, mut b, mut c) = (Sha256::new(), Sha1::new(), Md5::new());
    let mut size = 0u64;
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(IrError::io(path, e)),
        };
        let piece = &buf[..n];
        a.update(piece);
        b.update(piece);
        c.update(piece);
        if let Some(w) = copy.as_deref_mut() {
            w.write_all(piece).map_err(|e| IrError::io(path, e))?;
        }
        size += n as u64;
    }
    Ok(Digests {
        sha256: hex(&a.finalize()),
        sha1: hex(&b.finalize()),
        md5: hex(&c.finalize()),
        size,
    })
}

/// The digests of the file at `path`.
pub fn of_file(path: &Path) -> Result<Digests, IrError> {
    let f = std::fs::File::open(path).map_err(|e| IrError::io(path, e))?;
    stream(f, None, path)
}

/// SHA-256 of `bytes` as hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Decodes hex (either case); `None` for anything else.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests_of_abc() {
        let d = stream(&b"abc"[..], None, Path::new("-")).expect("digest");
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(d.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(d.md5, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(d.size, 3);
        assert_eq!(unhex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(unhex("0g"), None);
    }
}
