//! The web and WAF part of the dataset: one file per tenant per month, each in its
//! tenant's log format, with the planted events merged into their month.

use std::io;
use std::path::Path;

use crate::addr::{self, AttackerPool};
use crate::campaign::{self, Planted};
use crate::clock::{self, Month};
use crate::request::{self, Request};
use crate::rng::DemoRng;
use crate::sink::{Label, LogWriter};
use crate::sites::{self, LogKind, Site};
use crate::{DemoFile, DemoSpec, Output, PlantedEvent};
use crate::{waf, web};

/// Writes every tenant's logs for every month.
pub(crate) fn write(
    out_dir: &Path,
    spec: &DemoSpec,
    months: &[Month],
    out: &mut Output,
) -> io::Result<()> {
    let pool = AttackerPool::new(&mut DemoRng::stream(spec.seed, "attackers"));
    let campaign = months.get(1).map(|m| {
        let p =
            campaign::sqli_log4shell(&mut DemoRng::stream(spec.seed, "campaign"), m, spec.scale);
        out.planted.push(planted_event(
            "sqli_log4shell_campaign",
            &sites::SHOP,
            &p,
            "Targeted campaign: a handful of addresses inject SQL and Log4Shell (JNDI) \
             lookups across many pages of the shop / 少数のIPアドレスからショップの多数のページへの\
             SQLインジェクションとLog4Shellの標的型攻撃",
        ));
        p
    });
    let nikto = months.get(2).map(|m| {
        let p = campaign::nikto(&mut DemoRng::stream(spec.seed, "nikto"), m, spec.scale);
        out.planted.push(planted_event(
            "nikto_scan",
            &sites::CORP,
            &p,
            "Nikto vulnerability scan, half with Nikto's user agent and half with a browser's \
             / Niktoによる脆弱性スキャン（半分はNiktoのUser-Agent、半分はブラウザのUser-Agent）",
        ));
        p
    });
    for site in &sites::SITES {
        for month in months {
            let stream = format!("{}/{}", site.tenant, month.label);
            let mut requests = web::ordinary(
                &mut DemoRng::stream(spec.seed, &format!("ordinary/{stream}")),
                site,
                month,
                spec.scale,
            );
            requests.extend(web::background_attacks(
                &mut DemoRng::stream(spec.seed, &format!("attacks/{stream}")),
                site,
                month,
                spec.scale,
                &pool,
            ));
            for planted in [(&campaign, sites::SHOP), (&nikto, sites::CORP)] {
                if let (Some(p), target) = planted
                    && target.tenant == site.tenant
                    && (month.start_ms..month.end_ms).contains(&p.start_ms)
                {
                    requests.extend(p.requests.iter().cloned());
                }
            }
            // Stable sort: requests of one page view keep their order.
            requests.sort_by_key(|r| r.ts_ms);
            let mut rng = DemoRng::stream(spec.seed, &format!("format/{stream}"));
            write_month(out_dir, site, month, months.len(), &requests, &mut rng, out)?;
        }
    }
    Ok(())
}

fn write_month(
    out_dir: &Path,
    site: &Site,
    month: &Month,
    month_count: usize,
    requests: &[Request],
    rng: &mut DemoRng,
    out: &mut Output,
) -> io::Result<()> {
    let gzip = site.gzipped(month.index, month_count);
    let name = match site.log {
        LogKind::Combined(_) => "access",
        LogKind::ModsecJson => "modsec_audit",
        LogKind::AwsWaf => "aws-waf",
    };
    let ext = match site.log {
        LogKind::Combined(_) => "log",
        _ => "json",
    };
    let rel = format!(
        "web/{}/{name}-{}.{ext}{}",
        site.tenant,
        month.label,
        if gzip { ".gz" } else { "" }
    );
    let mut w = LogWriter::create(out_dir, &rel, gzip)?;
    for req in requests {
        let text = match site.log {
            LogKind::Combined(server) => request::combined_line(req, server),
            // An audit log holds only what a rule flagged.
            LogKind::ModsecJson if req.attack.is_none() => continue,
            LogKind::ModsecJson => waf::modsec_line(rng, req, site.host),
            LogKind::AwsWaf => waf::aws_waf_line(rng, req, site.host),
        };
        let line = w.line(&text)?;
        if let Some(cat) = req.attack {
            out.labels.push(Label {
                file: rel.clone(),
                line,
                category: cat.as_str(),
                src_ip: req.src,
            });
        }
    }
    let lines = w.finish()?;
    out.files.push(DemoFile {
        path: rel.into(),
        format: site.log.format().to_string(),
        tenant: site.tenant.to_string(),
        lines,
        gzip,
    });
    Ok(())
}

fn planted_event(kind: &str, site: &Site, p: &Planted, description: &str) -> PlantedEvent {
    let mut categories: Vec<String> = p
        .requests
        .iter()
        .filter_map(|r| r.attack.map(|c| c.as_str().to_string()))
        .collect();
    categories.sort();
    categories.dedup();
    let mut src_ips: Vec<String> = p.requests.iter().map(|r| r.src.to_string()).collect();
    src_ips.sort();
    src_ips.dedup();
    debug_assert!(p.requests.iter().all(|r| !addr::is_tor_exit(r.src)));
    PlantedEvent {
        kind: kind.to_string(),
        tenant: site.tenant.to_string(),
        start: clock::to_jst(p.start_ms),
        end: clock::to_jst(p.end_ms),
        description: description.to_string(),
        categories,
        src_ips,
        events: p.requests.len() as u64,
    }
}
