//! Finding CRS's files: Debian's `owasp-crs.load` or a release folder, and the `*`/`?`
//! patterns of `Include`.

use std::path::{Path, PathBuf};

use super::LoadError;

/// Finds the files of a CRS installation: Debian's `owasp-crs.load` when present,
/// otherwise a release folder (`crs-setup.conf` or `crs-setup.conf.example`,
/// `rules/*.conf`).
pub fn crs_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let load = dir.join("owasp-crs.load");
    if load.is_file() {
        return Ok(vec![load]);
    }
    let rules = dir.join("rules");
    if !rules.is_dir() {
        return Err(LoadError::NotCrs(dir.to_path_buf()));
    }
    let mut files = Vec::new();
    for setup in ["crs-setup.conf", "crs-setup.conf.example"] {
        if dir.join(setup).is_file() {
            files.push(dir.join(setup));
            break;
        }
    }
    let mut confs = glob(&rules, "*.conf")?;
    confs.sort();
    files.extend(confs);
    Ok(files)
}

pub(super) fn glob(dir: &Path, pattern: &str) -> Result<Vec<PathBuf>, LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|source| LoadError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| wildcard(pattern.as_bytes(), n.as_bytes()))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// `*` and `?` wildcard match (iterative, linear in practice for the short names here).
fn wildcard(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard(b"*.conf", b"REQUEST-901.conf"));
        assert!(!wildcard(b"*.conf", b"REQUEST-901.conf.example"));
        assert!(wildcard(b"REQ*-9??.conf", b"REQUEST-901.conf"));
    }
}
