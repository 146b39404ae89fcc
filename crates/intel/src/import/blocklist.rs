//! Plain blocklists: one address or CIDR block per line (Spamhaus DROP, FireHOL netsets,
//! hand-kept lists). Text after `#` or `;` is a comment; a line's first field (up to
//! whitespace or a comma) is the entry.

use std::path::Path;

use kansoku_event::intel::IntelIndicator;

use crate::IntelError;
use crate::import::{ImportOptions, Parsed, canonical};

/// Reads a blocklist. Its name is required; validity starts at `--valid-from`, else at
/// the file's modification time (when the list was fetched).
pub fn read(path: &Path, opts: &ImportOptions) -> Result<Parsed, IntelError> {
    let Some(name) = opts.name.clone().filter(|n| !n.trim().is_empty()) else {
        return Err(IntelError::Usage(format!(
            "{}: a blocklist needs a name (--name)",
            path.display()
        )));
    };
    let bytes = std::fs::read(path).map_err(|e| IntelError::io(path, e))?;
    let valid_from = match opts.valid_from {
        Some(t) => t,
        None => std::fs::metadata(path)
            .and_then(|m| m.modified())
            .map_err(|e| IntelError::io(path, e))
            .map(|t| chrono::DateTime::<chrono::Utc>::from(t).timestamp_micros())?,
    };
    let text = String::from_utf8_lossy(&bytes);
    let mut out = Parsed::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.split(['#', ';']).next().unwrap_or("").trim();
        let Some(entry) = line
            .split([' ', '\t', ','])
            .next()
            .filter(|e| !e.is_empty())
        else {
            continue;
        };
        match canonical(entry) {
            Some(value) => out.indicators.push(IntelIndicator {
                list: name.clone(),
                value,
                valid_from,
                valid_until: None,
                ref_id: None,
                source: path.display().to_string(),
            }),
            None => out.malformed.push(format!(
                "{}:{}: {entry:?} is not an address or CIDR block",
                path.display(),
                n + 1
            )),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_fields_and_bad_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("drop.txt");
        std::fs::write(
            &p,
            "; Spamhaus DROP excerpt\n198.51.100.0/24 ; SBL1\n203.0.113.9\n\n# note\n2001:db8::/32\tv6\nnot-an-ip\n192.0.2.1,extra\n",
        )
        .expect("write");
        let opts = ImportOptions {
            name: Some("drop".into()),
            valid_from: Some(5),
            expires: None,
        };
        let got = read(&p, &opts).expect("reads");
        let values: Vec<&str> = got.indicators.iter().map(|i| i.value.as_str()).collect();
        assert_eq!(
            values,
            [
                "198.51.100.0/24",
                "203.0.113.9",
                "2001:db8::/32",
                "192.0.2.1"
            ]
        );
        assert!(
            got.indicators
                .iter()
                .all(|i| i.valid_from == 5 && i.list == "drop")
        );
        assert_eq!(got.malformed.len(), 1);
        assert!(
            got.malformed[0].ends_with(":7: \"not-an-ip\" is not an address or CIDR block"),
            "{:?}",
            got.malformed
        );
        let unnamed = read(&p, &ImportOptions::default());
        assert!(matches!(unnamed, Err(IntelError::Usage(_))));
    }
}
