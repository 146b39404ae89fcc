//! Which exit-list format a file is, from its first bytes, and the one entry point that
//! reads any of them.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::net::IpAddr;
use std::path::Path;

use kansoku_event::Micros;

use super::archive::read_up_to;
use super::{
    TorError, TorImport, date_in_name, parse_archive, parse_bulk_list, parse_exit_addresses,
    parse_onionoo,
};

/// The exit-list formats kansoku reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TorFormat {
    /// TorDNSEL `exit-addresses` (with or without the CollecTor header).
    ExitAddresses,
    /// CollecTor archive: tar, optionally xz-compressed.
    Archive,
    /// One address per line.
    BulkList,
    /// Onionoo `details` JSON.
    Onionoo,
}

/// How many leading bytes [`detect_format`] wants (a tar header is 512 bytes).
const HEAD: usize = 8192;

/// Tells the format from the first bytes of a file (a few KiB are plenty).
pub fn detect_format(head: &[u8]) -> Option<TorFormat> {
    if head.starts_with(&[0xFD, b'7', b'z', b'X', b'Z', 0x00])
        || head.get(257..262) == Some(b"ustar")
    {
        return Some(TorFormat::Archive);
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = String::from_utf8_lossy(text);
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.clone().next()?;
    if first.starts_with('{') {
        return Some(TorFormat::Onionoo);
    }
    if first.starts_with("@type tordnsel") || first.starts_with("ExitNode ") {
        return Some(TorFormat::ExitAddresses);
    }
    // A bulk list may open with comments; its first real line must be an address.
    let first_data = lines.find(|l| !l.starts_with('#'))?;
    let addr = first_data
        .strip_prefix('[')
        .and_then(|l| l.strip_suffix(']'))
        .unwrap_or(first_data);
    addr.parse::<IpAddr>()
        .is_ok()
        .then_some(TorFormat::BulkList)
}

/// Reads an exit list of any known format. `bulk_day` is the day a bulk list was taken
/// (midnight UTC); it is required for bulk lists and ignored otherwise.
pub fn import<R: Read>(
    mut reader: R,
    bulk_day: Option<Micros>,
) -> Result<(TorFormat, TorImport), TorError> {
    let mut head = vec![0u8; HEAD];
    let got = read_up_to(&mut reader, &mut head)?;
    head.truncate(got);
    let format = detect_format(&head).ok_or(TorError::UnknownFormat)?;
    let whole = BufReader::with_capacity(64 * 1024, io::Cursor::new(head).chain(reader));
    let import = match format {
        TorFormat::ExitAddresses => parse_exit_addresses(whole)?,
        TorFormat::Archive => parse_archive(whole)?,
        TorFormat::BulkList => parse_bulk_list(whole, bulk_day.ok_or(TorError::NoDate)?)?,
        TorFormat::Onionoo => parse_onionoo(whole)?,
    };
    Ok((format, import))
}

/// Reads an exit-list file; a bulk list's day is `bulk_day`, else the first
/// `YYYY-MM-DD` in the file name.
pub fn import_path(
    path: &Path,
    bulk_day: Option<Micros>,
) -> Result<(TorFormat, TorImport), TorError> {
    let day = bulk_day.or_else(|| {
        path.file_name()
            .and_then(|n| n.to_str())
            .and_then(date_in_name)
    });
    import(File::open(path)?, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_content() {
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        let cases: [(&[u8], Option<TorFormat>); 9] = [
            (
                b"@type tordnsel 1.0\nDownloaded x\n",
                Some(TorFormat::ExitAddresses),
            ),
            (
                b"ExitNode ABC\nPublished x\n",
                Some(TorFormat::ExitAddresses),
            ),
            (b"\n  {\"relays\": []}", Some(TorFormat::Onionoo)),
            (b"# list\n192.0.2.1\n", Some(TorFormat::BulkList)),
            (b"2001:db8::1\r\n", Some(TorFormat::BulkList)),
            (
                &[0xFD, b'7', b'z', b'X', b'Z', 0x00, 1],
                Some(TorFormat::Archive),
            ),
            (&tar, Some(TorFormat::Archive)),
            (b"hello world\n", None),
            (b"", None),
        ];
        for (head, want) in cases {
            assert_eq!(
                detect_format(head),
                want,
                "{:?}",
                String::from_utf8_lossy(head)
            );
        }
    }

    #[test]
    fn bulk_list_needs_a_day() {
        assert!(matches!(
            import(&b"192.0.2.1\n"[..], None),
            Err(TorError::NoDate)
        ));
        let (format, got) = import(&b"192.0.2.1\n"[..], Some(0)).expect("bulk");
        assert_eq!((format, got.observations.len()), (TorFormat::BulkList, 1));
        assert!(matches!(
            import(&b"nonsense"[..], Some(0)),
            Err(TorError::UnknownFormat)
        ));
    }
}
