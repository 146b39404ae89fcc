//! Helpers shared by the tests: generate a small dataset, read its files, and a tiny
//! independent reader of combined-format lines.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;
use kansoku_demo::{DemoManifest, DemoSpec, generate};

/// The small scale the tests use.
pub const SMALL: f64 = 0.05;

/// Generates the default period at `scale` into a fresh temporary folder.
pub fn small_dataset(seed: u64, scale: f64) -> (tempfile::TempDir, DemoManifest) {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = DemoSpec {
        seed,
        scale,
        ..DemoSpec::default()
    };
    let manifest = generate(dir.path(), &spec).expect("generate");
    (dir, manifest)
}

/// Every line of a dataset file, gunzipped when its name ends in `.gz`.
pub fn lines(dir: &Path, rel: &Path) -> Vec<String> {
    let bytes = std::fs::read(dir.join(rel)).expect("read dataset file");
    let text = if rel.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .expect("valid gzip");
        s
    } else {
        String::from_utf8(bytes).expect("UTF-8")
    };
    text.lines().map(str::to_string).collect()
}

/// Every file under `dir`, relative path → bytes.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .expect("under dir")
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).expect("read file"));
            }
        }
    }
    out
}

/// The fields of a combined-format line.
#[derive(Debug)]
pub struct Combined {
    pub ip: String,
    pub time: String,
    pub target: String,
    pub status: u16,
    pub user_agent: String,
}

/// Reads `IP - - [time] "METHOD TARGET PROTO" STATUS BYTES "REFERER" "UA"`, honouring
/// backslash escapes inside quotes; `None` when any part is missing or malformed.
pub fn combined(line: &str) -> Option<Combined> {
    let (ip, rest) = line.split_once(" - - [")?;
    let (time, rest) = rest.split_once("] ")?;
    let mut fields = Vec::new();
    let mut rest = rest;
    while !rest.is_empty() {
        rest = rest.trim_start_matches(' ');
        if let Some(r) = rest.strip_prefix('"') {
            let mut end = None;
            let mut escaped = false;
            for (i, c) in r.char_indices() {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let end = end?;
            fields.push(r[..end].to_string());
            rest = &r[end + 1..];
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            fields.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    if fields.len() != 5 || time.len() != 26 {
        return None;
    }
    let mut request = fields[0].split(' ');
    request.next()?;
    let target = request.next()?.to_string();
    let proto = request.next()?;
    if request.next().is_some() || !proto.starts_with("HTTP/") || !target.starts_with('/') {
        return None;
    }
    let status = fields[1].parse().ok()?;
    if fields[2] != "-" {
        fields[2].parse::<u64>().ok()?;
    }
    ip.parse::<std::net::Ipv4Addr>().ok()?;
    Some(Combined {
        ip: ip.to_string(),
        time: time.to_string(),
        target,
        status,
        user_agent: fields[4].clone(),
    })
}
