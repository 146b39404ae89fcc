//! CollecTor exit-list archives: a `.tar` (or `.tar.xz`) of hourly TorDNSEL files in
//! `exit-list-YYYY-MM/DD/YYYY-MM-DD-HH-MM-SS` folders.
//!
//! The xz layer is decoded by `lzma-rust2`, pure Rust with a pull-based reader, so a
//! monthly archive (≈ 100 MB of text) streams entry by entry instead of being unpacked.

use std::io::{self, BufReader, Read};

use super::{TorError, TorImport, dnsel};

/// Decoder memory cap, KiB.
const XZ_MEM_LIMIT_KIB: u32 = 256 * 1024;

const XZ_MAGIC: &[u8] = &[0xFD, b'7', b'z', b'X', b'Z', 0x00];

/// Reads a tar archive of TorDNSEL files, xz-compressed or not (told apart by content).
pub fn parse_archive<R: Read>(mut reader: R) -> Result<TorImport, TorError> {
    let mut head = [0u8; 6];
    let got = read_up_to(&mut reader, &mut head)?;
    let whole = io::Cursor::new(head[..got].to_vec()).chain(reader);
    if head[..got] == *XZ_MAGIC {
        // A damaged header must not make the decoder reserve gigabytes; `xz -9` needs 65 MiB.
        read_tar(lzma_rust2::XzReader::new_mem_limit(
            whole,
            true,
            XZ_MEM_LIMIT_KIB,
        ))
    } else {
        read_tar(whole)
    }
}

pub(super) fn read_up_to<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn read_tar<R: Read>(reader: R) -> Result<TorImport, TorError> {
    let mut import = TorImport::default();
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries()? {
        let entry = entry?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry.path()?.to_string_lossy().into_owned();
        dnsel::read_into(BufReader::new(entry), &mut import, Some(&name))?;
    }
    Ok(import)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(files: &[(&str, &str)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, body) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(body.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, body.as_bytes())
                .expect("in-memory tar");
        }
        b.into_inner().expect("in-memory tar")
    }

    #[test]
    fn files_are_counted_and_bad_lines_name_their_file() {
        let good = "@type tordnsel 1.0\nExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\n\
                    ExitAddress 192.0.2.1 2018-11-01 00:03:00\n";
        let bad = "ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nExitAddress nope 2018-11-01 01:03:00\n";
        let tar = tar_of(&[
            ("exit-list-2018-11/01/a", good),
            ("exit-list-2018-11/01/b", bad),
        ]);
        let import = parse_archive(&tar[..]).expect("valid tar");
        assert_eq!((import.files, import.relays), (2, 2));
        assert_eq!(import.observations.len(), 1);
        let m = &import.malformed_lines[0];
        assert_eq!(
            (m.file.as_deref(), m.line),
            (Some("exit-list-2018-11/01/b"), 2)
        );
    }

    #[test]
    fn truncated_archive_is_an_error_not_a_panic() {
        let tar = tar_of(&[("a", &"ExitNode x\n".repeat(200))]);
        assert!(parse_archive(&tar[..700]).is_err());
        let xz = [XZ_MAGIC, b"garbage"].concat();
        assert!(parse_archive(&xz[..]).is_err());
    }
}
