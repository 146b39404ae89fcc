//! The input formats kansoku reads, their names on the command line, and detection of a
//! source's format from its first lines.
//!
//! To add a format: write its module (parser struct, `Parser` impl, tests), add a
//! variant here, and give it a name in [`Format::from_name`] and [`Format::name`], a
//! parser in [`Format::parser`] and a place in [`detect_format`]'s candidates.

use kansoku_event::{NetFlow, table};

use crate::aws_waf::AwsWafParser;
use crate::ecs_ndjson::EcsNdjsonParser;
use crate::firewall::{
    FieldMapping, FilterlogParser, FortigateParser, MappingParser, NetfilterParser, PaloAltoParser,
    TimeContext,
};
use crate::log_format::{COMBINED, COMMON, LogFormatParser, VHOST_COMBINED};
use crate::modsec_json::ModsecJsonParser;
use crate::modsec_native::{ModsecNativeParser, section_header};
use crate::{ParseError, Parser};

/// An input format: web and WAF logs (the `http` table) or firewall logs (the `net` table).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// nginx/Apache `combined`.
    Combined,
    /// nginx/Apache `common`.
    Common,
    /// An nginx `log_format` string (`$remote_addr - $remote_user [$time_local] ...`).
    Nginx(String),
    /// An Apache `LogFormat` string (`%h %l %u %t \"%r\" ...`).
    Apache(String),
    /// ModSecurity v3 JSON audit log.
    ModsecJson,
    /// ModSecurity v2 native (serial, A–Z sections) audit log.
    ModsecNative,
    /// AWS WAF JSON logs.
    AwsWaf,
    /// NDJSON with ECS field names.
    EcsNdjson,
    /// Linux netfilter `LOG` lines (iptables, nftables, UFW).
    Netfilter,
    /// pfSense / OPNsense `filterlog`.
    Filterlog,
    /// FortiGate traffic logs.
    Fortigate,
    /// Palo Alto PAN-OS TRAFFIC CSV.
    PaloAlto,
    /// A CSV/JSON field mapping from `kansoku.toml`.
    Mapped(Box<FieldMapping>),
}

/// Names accepted by [`Format::from_name`], for help texts.
pub const FORMAT_NAMES: &[&str] = &[
    "combined",
    "common",
    "vhost_combined",
    "modsec-json",
    "modsec-native",
    "aws-waf",
    "ecs-ndjson",
    "netfilter",
    "filterlog",
    "fortigate",
    "paloalto",
];

impl Format {
    /// A fresh parser for this format.
    pub fn parser(&self) -> Result<Box<dyn Parser>, ParseError> {
        Ok(match self {
            Format::Combined => Box::new(LogFormatParser::apache(COMBINED)?),
            Format::Common => Box::new(LogFormatParser::apache(COMMON)?),
            Format::Nginx(s) => Box::new(LogFormatParser::nginx(s)?),
            Format::Apache(s) => Box::new(LogFormatParser::apache(s)?),
            Format::ModsecJson => Box::new(ModsecJsonParser),
            Format::ModsecNative => Box::new(ModsecNativeParser::default()),
            Format::AwsWaf => Box::new(AwsWafParser),
            Format::EcsNdjson => Box::new(EcsNdjsonParser),
            f => {
                return Err(ParseError::LogFormat(format!(
                    "{} is a firewall format (the net table), not a web one",
                    f.name()
                )));
            }
        })
    }

    /// A fresh parser for a firewall format, reading local times with `clock`.
    pub fn net_parser(&self, clock: TimeContext) -> Result<Box<dyn Parser<NetFlow>>, ParseError> {
        Ok(match self {
            Format::Netfilter => Box::new(NetfilterParser::new(clock)),
            Format::Filterlog => Box::new(FilterlogParser::new(clock)),
            Format::Fortigate => Box::new(FortigateParser::new(clock)),
            Format::PaloAlto => Box::new(PaloAltoParser::new(clock)),
            Format::Mapped(m) => Box::new(MappingParser::new((**m).clone(), clock)?),
            f => {
                return Err(ParseError::LogFormat(format!(
                    "{} is a web format (the http table), not a firewall one",
                    f.name()
                )));
            }
        })
    }

    /// Whether records of this format go to the `net` table (firewall logs).
    pub fn is_firewall(&self) -> bool {
        matches!(
            self,
            Format::Netfilter
                | Format::Filterlog
                | Format::Fortigate
                | Format::PaloAlto
                | Format::Mapped(_)
        )
    }

    /// The lake table this format's records go to.
    pub fn table(&self) -> &'static str {
        if self.is_firewall() {
            table::NET
        } else {
            table::HTTP
        }
    }

    /// The format named on the command line (`--format`): one of [`FORMAT_NAMES`], or
    /// `nginx:STR` / `apache:STR` as [`Format::name`] writes them.
    pub fn from_name(name: &str) -> Result<Format, ParseError> {
        let n = name.trim();
        if let Some(s) = n.strip_prefix("nginx:") {
            return Ok(Format::Nginx(s.to_string()));
        }
        if let Some(s) = n.strip_prefix("apache:") {
            return Ok(Format::Apache(s.to_string()));
        }
        Ok(match n.to_ascii_lowercase().replace('_', "-").as_str() {
            "combined" => Format::Combined,
            "common" | "clf" => Format::Common,
            "vhost-combined" => Format::Apache(VHOST_COMBINED.to_string()),
            "modsec-json" => Format::ModsecJson,
            "modsec-native" => Format::ModsecNative,
            "aws-waf" => Format::AwsWaf,
            "ecs-ndjson" | "ecs" => Format::EcsNdjson,
            "netfilter" | "iptables" | "nftables" | "ufw" => Format::Netfilter,
            "filterlog" | "pfsense" | "opnsense" => Format::Filterlog,
            "fortigate" | "fortios" => Format::Fortigate,
            "paloalto" | "pan-os" | "panos" => Format::PaloAlto,
            _ => {
                return Err(ParseError::LogFormat(format!(
                    "unknown format {name:?}; known: {}",
                    FORMAT_NAMES.join(", ")
                )));
            }
        })
    }

    /// The format of a `--log-format` string: nginx when it has `$variables`, Apache
    /// when it has `%` directives. The string is checked here, so a bad one fails before
    /// any input is read. Apache's nicknames `combined`, `common` and `vhost_combined`
    /// are accepted too.
    pub fn from_log_format(s: &str) -> Result<Format, ParseError> {
        let has_nginx_var = s
            .as_bytes()
            .windows(2)
            .any(|w| w[0] == b'$' && (w[1].is_ascii_alphabetic() || w[1] == b'_' || w[1] == b'{'));
        let has_apache_directive = s
            .as_bytes()
            .windows(2)
            .any(|w| w[0] == b'%' && (w[1].is_ascii_alphabetic() || b"{<>!".contains(&w[1])));
        let format = if has_nginx_var {
            Format::Nginx(s.to_string())
        } else if has_apache_directive {
            Format::Apache(s.to_string())
        } else {
            return match Format::from_name(s) {
                Ok(f @ (Format::Combined | Format::Common | Format::Apache(_))) => Ok(f),
                _ => Err(ParseError::LogFormat(format!(
                    "{s:?} has neither nginx $variables nor Apache %directives"
                ))),
            };
        };
        format.parser()?;
        Ok(format)
    }

    /// The format's name, as [`Format::from_name`] reads it back.
    pub fn name(&self) -> String {
        match self {
            Format::Combined => "combined".into(),
            Format::Common => "common".into(),
            Format::Nginx(s) => format!("nginx:{s}"),
            Format::Apache(s) if s == VHOST_COMBINED => "vhost_combined".into(),
            Format::Apache(s) => format!("apache:{s}"),
            Format::ModsecJson => "modsec-json".into(),
            Format::ModsecNative => "modsec-native".into(),
            Format::AwsWaf => "aws-waf".into(),
            Format::EcsNdjson => "ecs-ndjson".into(),
            Format::Netfilter => "netfilter".into(),
            Format::Filterlog => "filterlog".into(),
            Format::Fortigate => "fortigate".into(),
            Format::PaloAlto => "paloalto".into(),
            Format::Mapped(m) => m.name.clone(),
        }
    }

    /// Whether each line is a record of its own, so that a source may be cut into chunks
    /// parsed in parallel by independent parsers. False for multi-line formats.
    pub fn line_oriented(&self) -> bool {
        !matches!(self, Format::ModsecNative)
    }
}

/// Lines [`detect_format`] looks at.
const DETECT_LINES: usize = 20;

/// Guesses the format from the first lines of a source.
///
/// Looks at up to the first 20 non-empty lines and returns the format that parses most
/// of them; on a tie the more specific format wins (`vhost_combined` before `combined`
/// before `common`). A ModSecurity native section header (`--1a2b3c4d-A--`) decides at
/// once. `None` when no format reads any line.
pub fn detect_format(lines: &[&[u8]]) -> Option<Format> {
    let lines: Vec<&[u8]> = lines
        .iter()
        .copied()
        .filter(|l| !l.trim_ascii().is_empty())
        .take(DETECT_LINES)
        .collect();
    if lines
        .iter()
        .any(|l| matches!(section_header(l.trim_ascii()), Some((_, b'A'))))
    {
        return Some(Format::ModsecNative);
    }
    let candidates = [
        Format::ModsecJson,
        Format::AwsWaf,
        Format::EcsNdjson,
        Format::Apache(VHOST_COMBINED.to_string()),
        Format::Combined,
        Format::Common,
    ];
    let mut best: Option<(usize, Format)> = None;
    let mut consider = |ok: usize, format: Format| {
        if ok > 0 && best.as_ref().is_none_or(|(n, _)| ok > *n) {
            best = Some((ok, format));
        }
    };
    for format in candidates {
        let Ok(mut parser) = format.parser() else {
            continue;
        };
        let mut out = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            parser.feed(line, i as u64 + 1, &mut out);
        }
        consider(out.iter().filter(|p| p.record.is_ok()).count(), format);
    }
    // Firewall formats last: a tie goes to the web format, whose shapes are stricter.
    for format in [
        Format::Netfilter,
        Format::Filterlog,
        Format::Fortigate,
        Format::PaloAlto,
    ] {
        let Ok(mut parser) = format.net_parser(TimeContext::default()) else {
            continue;
        };
        let mut out = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            parser.feed(line, i as u64 + 1, &mut out);
        }
        consider(out.iter().filter(|p| p.record.is_ok()).count(), format);
    }
    best.map(|(_, f)| f)
}

#[cfg(test)]
mod tests;
