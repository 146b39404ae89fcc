//! Firewall logs: Linux netfilter `LOG` lines as kern.log holds them, for the inbound
//! traffic of one tenant's internet-facing firewall.
//!
//! Every service receives a flat level of scanning noise, except Telnet (23/tcp, IoT
//! botnets) and WS-Discovery (3702/udp, DDoS reflection), which rise steadily over the
//! period: report section 3 must flag those two and nothing else.

use std::io;
use std::path::Path;

use crate::addr::{self, AttackerPool};
use crate::clock::{self, DAY_MS, Month};
use crate::rng::DemoRng;
use crate::sink::LogWriter;
use crate::{DemoFile, DemoSpec, Output, PlantedEvent};

/// The tenant whose firewall this is.
const TENANT: &str = "corp-example";

/// A destination service and its daily packet counts at scale 1, at the start and at the
/// end of the period (equal for flat services).
#[derive(Debug, Clone, Copy)]
struct Service {
    port: u16,
    udp: bool,
    first_day: f64,
    last_day: f64,
    accepted: bool,
}

const fn svc(port: u16, udp: bool, per_day: f64) -> Service {
    Service {
        port,
        udp,
        first_day: per_day,
        last_day: per_day,
        accepted: false,
    }
}

const SERVICES: [Service; 17] = [
    svc(22, false, 260.0),
    Service {
        accepted: true,
        ..svc(80, false, 120.0)
    },
    Service {
        accepted: true,
        ..svc(443, false, 90.0)
    },
    svc(445, false, 150.0),
    svc(3389, false, 120.0),
    Service {
        last_day: 260.0,
        ..svc(23, false, 40.0)
    },
    svc(1433, false, 70.0),
    svc(3306, false, 45.0),
    svc(5900, false, 30.0),
    svc(6379, false, 25.0),
    svc(5060, true, 70.0),
    svc(1900, true, 45.0),
    Service {
        last_day: 110.0,
        ..svc(3702, true, 8.0)
    },
    svc(53, true, 30.0),
    svc(123, true, 20.0),
    svc(161, true, 25.0),
    // Port 0 stands for scans of random high ports.
    svc(0, false, 60.0),
];

/// Writes one kern.log per month and registers the two rising services as planted.
pub(crate) fn write(
    out_dir: &Path,
    spec: &DemoSpec,
    months: &[Month],
    out: &mut Output,
) -> io::Result<()> {
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        return Ok(());
    };
    let days = ((last.end_ms - first.start_ms) / DAY_MS) as usize;
    let mut rng = DemoRng::stream(spec.seed, "firewall/daily");
    let daily: Vec<Vec<u32>> = SERVICES
        .iter()
        .map(|s| daily_counts(&mut rng, s, days, spec.scale))
        .collect();
    let pool = AttackerPool::new(&mut DemoRng::stream(spec.seed, "firewall/sources"));
    for month in months {
        let mut rng = DemoRng::stream(spec.seed, &format!("firewall/{}", month.label));
        let mut packets: Vec<(i64, String)> = Vec::new();
        for day_ms in month.days() {
            let day = ((day_ms - first.start_ms) / DAY_MS) as usize;
            for (s, counts) in SERVICES.iter().zip(&daily) {
                for _ in 0..counts.get(day).copied().unwrap_or(0) {
                    let ts = day_ms + rng.between(0, DAY_MS as u64 - 1) as i64;
                    let text = packet_line(&mut rng, s, ts, first.start_ms, &pool);
                    packets.push((ts, text));
                }
            }
        }
        packets.sort_by_key(|(ts, _)| *ts);
        let gzip = month.index == 0 && months.len() > 1;
        let rel = format!(
            "firewall/{TENANT}/kern-{}.log{}",
            month.label,
            if gzip { ".gz" } else { "" }
        );
        let mut w = LogWriter::create(out_dir, &rel, gzip)?;
        for (_, text) in &packets {
            w.line(text)?;
        }
        let lines = w.finish()?;
        // BSD syslog times have no year; readers take it from the file's modification
        // time, which for a real kern.log is when its last line was written.
        let end =
            std::time::UNIX_EPOCH + std::time::Duration::from_millis(month.end_ms.max(0) as u64);
        std::fs::File::options()
            .write(true)
            .open(out_dir.join(&rel))?
            .set_modified(end)?;
        out.files.push(DemoFile {
            path: rel.into(),
            format: "netfilter".into(),
            tenant: TENANT.into(),
            lines,
            gzip,
        });
    }
    for (s, counts) in SERVICES.iter().zip(&daily) {
        if s.last_day > s.first_day {
            let (kind, name) = match s.port {
                23 => ("telnet_rise", "telnet 23/tcp"),
                _ => ("ws_discovery_rise", "ws-discovery 3702/udp"),
            };
            out.planted.push(PlantedEvent {
                kind: kind.into(),
                tenant: TENANT.into(),
                start: clock::to_jst(first.start_ms),
                end: clock::to_jst(last.end_ms),
                description: format!(
                    "Inbound {name} rises steadily from about {:.0} to {:.0} packets a day \
                     / {name} への外部からの通信が1日あたり約{:.0}件から{:.0}件へ増加",
                    s.first_day * spec.scale,
                    s.last_day * spec.scale,
                    s.first_day * spec.scale,
                    s.last_day * spec.scale
                ),
                categories: vec![name.into()],
                src_ips: Vec::new(),
                events: counts.iter().map(|c| u64::from(*c)).sum(),
            });
        }
    }
    Ok(())
}

/// A service's packets per day. A flat service's series is redrawn until it shows no
/// trend at all (Mann–Kendall |Z| < 1), so the only trends in the demo are the planted
/// ones whatever the seed; a rising one follows its line with Poisson noise.
fn daily_counts(rng: &mut DemoRng, s: &Service, days: usize, scale: f64) -> Vec<u32> {
    let draw = |rng: &mut DemoRng| -> Vec<u32> {
        (0..days)
            .map(|d| {
                let f = if days > 1 {
                    d as f64 / (days - 1) as f64
                } else {
                    0.0
                };
                let mean = (s.first_day + (s.last_day - s.first_day) * f) * scale;
                crate::traffic::poisson(rng, mean)
            })
            .collect()
    };
    let mut counts = draw(rng);
    if s.last_day == s.first_day {
        for _ in 0..200 {
            if mann_kendall_z(&counts).abs() < 1.0 {
                break;
            }
            counts = draw(rng);
        }
    }
    counts
}

/// The Mann–Kendall trend statistic Z (no tie correction; enough to reject drift).
fn mann_kendall_z(x: &[u32]) -> f64 {
    let n = x.len();
    if n < 3 {
        return 0.0;
    }
    let mut s: i64 = 0;
    for i in 0..n {
        for j in i + 1..n {
            s += (i64::from(x[j]) - i64::from(x[i])).signum();
        }
    }
    let n = n as f64;
    let var = n * (n - 1.0) * (2.0 * n + 5.0) / 18.0;
    match s {
        0 => 0.0,
        s if s > 0 => (s as f64 - 1.0) / var.sqrt(),
        s => (s as f64 + 1.0) / var.sqrt(),
    }
}

fn packet_line(
    rng: &mut DemoRng,
    s: &Service,
    ts: i64,
    boot_ref_ms: i64,
    pool: &AttackerPool,
) -> String {
    // Kernel uptime: the firewall booted about 14 days before the period began.
    let uptime_us = (ts - boot_ref_ms) * 1000 + 1_209_600_000_000 + rng.between(0, 999) as i64;
    let (src, prefix) = if s.accepted {
        (addr::visitor(rng.between(0, 19_999) as u32), "FW-ACCEPT-IN")
    } else {
        (pool.draw(rng), "FW-DROP-IN")
    };
    let dst = addr::server(rng.between(0, 9) as u8);
    let dport = if s.port == 0 {
        rng.between(1024, 65_535) as u16
    } else {
        s.port
    };
    let sport = rng.between(1024, 65_535);
    let ttl = rng.pick(&[46u64, 49, 52, 53, 110, 113, 116, 241]);
    let id = rng.between(0, 65_535);
    let mac = "00:16:3e:5a:1c:01:00:1b:21:3a:4f:02:08:00";
    let head = format!(
        "{} fw1 kernel: [{:>5}.{:06}] {prefix}: IN=eth0 OUT= MAC={mac} SRC={src} DST={dst}",
        clock::syslog_time(ts),
        uptime_us / 1_000_000,
        uptime_us % 1_000_000,
    );
    if s.udp {
        let payload = match s.port {
            3702 => 656,
            1900 => 94,
            5060 => 420,
            123 => 48,
            _ => 40,
        };
        format!(
            "{head} LEN={} TOS=0x00 PREC=0x00 TTL={ttl} ID={id} PROTO=UDP SPT={sport} DPT={dport} LEN={}",
            payload + 28,
            payload + 8
        )
    } else {
        let window = rng.pick(&[1024u64, 14_600, 29_200, 64_240, 65_535]);
        format!(
            "{head} LEN=60 TOS=0x00 PREC=0x00 TTL={ttl} ID={id} DF PROTO=TCP SPT={sport} DPT={dport} WINDOW={window} RES=0x00 SYN URGP=0"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_services_show_no_trend_and_rising_ones_do() {
        let mut rng = DemoRng::stream(9, "fw");
        for s in &SERVICES {
            let z = mann_kendall_z(&daily_counts(&mut rng, s, 92, 1.0));
            if s.last_day > s.first_day {
                assert!(z > 5.0, "port {} z={z}", s.port);
            } else {
                assert!(z.abs() < 1.0, "port {} z={z}", s.port);
            }
        }
    }

    #[test]
    fn writes_netfilter_log_lines() {
        let mut rng = DemoRng::stream(9, "fw");
        let pool = AttackerPool::new(&mut rng);
        let telnet = SERVICES.iter().find(|s| s.port == 23).expect("telnet");
        // 2026-10-06 17:00:01 UTC = 2026-10-07 02:00:01 JST.
        let line = packet_line(
            &mut rng,
            telnet,
            1_791_306_001_000,
            1_791_306_001_000,
            &pool,
        );
        assert!(
            line.starts_with("Oct  7 02:00:01 fw1 kernel: [1209600."),
            "{line}"
        );
        assert!(line.contains(" FW-DROP-IN: IN=eth0 OUT= MAC="), "{line}");
        assert!(
            line.contains(" PROTO=TCP SPT=") && line.contains(" DPT=23 WINDOW="),
            "{line}"
        );
        assert!(line.ends_with(" RES=0x00 SYN URGP=0"), "{line}");
    }
}
