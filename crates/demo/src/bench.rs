//! A large combined-format log for throughput benchmarks: the demo shop's ordinary
//! traffic with about 1% attacks mixed in and 1.5% in short single-source scans,
//! plus ground-truth labels in the layout
//! `../shared/bench/peers.sh` reads (`LINENO<TAB>CATEGORY<TAB>IP`).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::addr::AttackerPool;
use crate::request::{Server, combined_line};
use crate::rng::DemoRng;
use crate::sites::SHOP;
use crate::{attacks, clock, web};

/// Share of attack lines scattered one by one.
const ATTACK_SHARE: f64 = 0.01;
/// Share of lines in short scans besides them: internet background noise, each scan from
/// one address, `SCAN_REQUESTS` requests a few seconds apart (a 1M-line quarter holds
/// about 370, as real traffic holds hundreds, so the report must pick the episodes that
/// matter among many small bursts).
const SCAN_SHARE: f64 = 0.015;
const SCAN_REQUESTS: (u64, u64) = (20, 60);

/// What [`bench_log`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchLog {
    /// Lines written.
    pub lines: u64,
    /// Attack lines among them.
    pub attacks: u64,
    /// Bytes written.
    pub bytes: u64,
    /// The labels file (`<log without .log>.labels.tsv`).
    pub labels: PathBuf,
}

/// Writes `lines` combined-format lines to `path` (time-ordered, three months of the
/// shop's traffic), about 1% of them scattered attacks, 1.5% in short scans, and
/// their labels beside it.
pub fn bench_log(path: &Path, lines: u64, seed: u64) -> io::Result<BenchLog> {
    let mut rng = DemoRng::stream(seed, "bench");
    let pool = AttackerPool::new(&mut rng);
    let start = NaiveDate::from_ymd_opt(2026, 8, 1).unwrap_or_default();
    let months = clock::months(start, 3);
    // Size the traffic from one month at scale 1, then generate what the target needs.
    let probe_len = months
        .first()
        .map_or(1, |m| web::ordinary(&mut rng.clone(), &SHOP, m, 1.0).len())
        .max(1);
    let scale = lines as f64 / (probe_len as f64 * months.len() as f64) * 1.02 / (1.0 + SCAN_SHARE);
    let labels = path.with_extension("labels.tsv");
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut lab = BufWriter::new(File::create(&labels)?);
    let (mut written, mut attacks_n, mut bytes) = (0u64, 0u64, 0u64);
    for month in &months {
        let mut reqs = web::ordinary(&mut rng, &SHOP, month, scale);
        let mix = attacks::month_mix(month.index);
        let weights: Vec<f64> = mix.iter().map(|(_, w)| *w).collect();
        let n_attacks = (reqs.len() as f64 * ATTACK_SHARE) as usize;
        for _ in 0..n_attacks {
            let cat = mix[rng.weighted(&weights)].0;
            let ts = reqs[rng.between(0, reqs.len().max(1) as u64 - 1) as usize].ts_ms;
            let probe = attacks::probe(&mut rng, cat);
            let src = pool.draw(&mut rng);
            reqs.push(web::attack_request(&mut rng, &SHOP, probe, cat, src, ts));
        }
        let (first, last) = (
            reqs.iter().map(|r| r.ts_ms).min().unwrap_or(0),
            reqs.iter().map(|r| r.ts_ms).max().unwrap_or(0),
        );
        let mean_scan = (SCAN_REQUESTS.0 + SCAN_REQUESTS.1) as f64 / 2.0;
        let scans = (reqs.len() as f64 * SCAN_SHARE / mean_scan).round() as usize;
        for _ in 0..scans {
            let cat = mix[rng.weighted(&weights)].0;
            let src = pool.draw(&mut rng);
            let mut ts = first + rng.between(0, (last - first).max(0) as u64) as i64;
            for _ in 0..rng.between(SCAN_REQUESTS.0, SCAN_REQUESTS.1) {
                let probe = attacks::probe(&mut rng, cat);
                reqs.push(web::attack_request(&mut rng, &SHOP, probe, cat, src, ts));
                ts += rng.between(1_000, 5_000) as i64;
            }
        }
        reqs.sort_by_key(|r| r.ts_ms);
        for r in &reqs {
            if written == lines {
                break;
            }
            let line = combined_line(r, Server::Nginx);
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
            written += 1;
            bytes += line.len() as u64 + 1;
            if let Some(cat) = r.attack {
                attacks_n += 1;
                writeln!(lab, "{written}\t{cat}\t{}", r.src)?;
            }
        }
    }
    out.flush()?;
    lab.flush()?;
    Ok(BenchLog {
        lines: written,
        attacks: attacks_n,
        bytes,
        labels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_requested_number_of_lines_with_labels() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("bench.log");
        let b = bench_log(&log, 5_000, 7).expect("bench log");
        assert_eq!(b.lines, 5_000);
        let text = std::fs::read_to_string(&log).expect("read");
        assert_eq!(text.lines().count(), 5_000);
        // About 1% scattered and 1.5% in scans (at this size, one scan a month).
        assert!(b.attacks > 50 && b.attacks < 250, "{}", b.attacks);
        let labels = std::fs::read_to_string(&b.labels).expect("labels");
        let first: Vec<&str> = labels
            .lines()
            .next()
            .expect("a label")
            .split('\t')
            .collect();
        let lineno: usize = first[0].parse().expect("number");
        assert!(
            text.lines()
                .nth(lineno - 1)
                .expect("line")
                .starts_with(first[2])
        );
    }
}
