//! Tor exit lists: one TorDNSEL `exit-addresses` snapshot a day, in CollecTor's layout
//! (`@type tordnsel 1.0` header, file named after the download time), covering the
//! demo's exit relays so attacks from them can be attributed at any time of the period.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use crate::addr;
use crate::clock::{self, DAY_MS, HOUR_MS, Month};
use crate::rng::DemoRng;
use crate::sink::write_file;
use crate::{DemoFile, DemoSpec, Output};

/// Writes one snapshot per day of the period.
pub(crate) fn write(
    out_dir: &Path,
    spec: &DemoSpec,
    months: &[Month],
    out: &mut Output,
) -> io::Result<()> {
    let mut rng = DemoRng::stream(spec.seed, "tor");
    let fingerprints: Vec<String> = (0..addr::TOR_EXITS)
        .map(|_| rng.hex(40).to_uppercase())
        .collect();
    for month in months {
        for day_ms in month.days() {
            // CollecTor fetches just after midnight UTC.
            let downloaded = day_ms - day_ms.rem_euclid(DAY_MS) + DAY_MS + 2 * 60_000;
            let name = clock::utc_secs(downloaded).replace([' ', ':'], "-");
            let rel = format!("tor/exit-lists/{name}");
            let text = snapshot(&mut rng, &fingerprints, downloaded);
            write_file(out_dir, &rel, text.as_bytes())?;
            out.files.push(DemoFile {
                path: rel.into(),
                format: "tor-exit-addresses".into(),
                tenant: "default".into(),
                lines: text.lines().count() as u64,
                gzip: false,
            });
        }
    }
    Ok(())
}

fn snapshot(rng: &mut DemoRng, fingerprints: &[String], downloaded: i64) -> String {
    let mut text = format!(
        "@type tordnsel 1.0\nDownloaded {}\n",
        clock::utc_secs(downloaded)
    );
    for (i, fp) in fingerprints.iter().enumerate() {
        // Relays beyond the stable ones are up on some days only.
        if i >= usize::from(addr::TOR_STABLE_EXITS) && rng.chance(0.4) {
            continue;
        }
        let last_status = downloaded - rng.between(1, 3) as i64 * HOUR_MS;
        let published = last_status - rng.between(1, 18) as i64 * HOUR_MS;
        let seen = last_status + rng.between(60_000, 50 * 60_000) as i64;
        let _ = write!(
            text,
            "ExitNode {fp}\nPublished {}\nLastStatus {}\nExitAddress {} {}\n",
            clock::utc_secs(published),
            clock::utc_secs(last_status),
            addr::tor_exit(i as u8),
            clock::utc_secs(seen),
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_lists_every_stable_exit_in_tordnsel_blocks() {
        let mut rng = DemoRng::stream(1, "t");
        let fps: Vec<String> = (0..addr::TOR_EXITS)
            .map(|_| rng.hex(40).to_uppercase())
            .collect();
        let text = snapshot(&mut rng, &fps, 1_785_542_520_000);
        assert!(text.starts_with("@type tordnsel 1.0\nDownloaded 2026-08-01 00:02:00\nExitNode "));
        for i in 0..addr::TOR_STABLE_EXITS {
            assert!(text.contains(&format!("ExitAddress {} 2026-", addr::tor_exit(i))));
        }
        let blocks = text.matches("ExitNode ").count();
        assert_eq!(blocks, text.matches("ExitAddress ").count());
        assert!(blocks < usize::from(addr::TOR_EXITS));
    }
}
