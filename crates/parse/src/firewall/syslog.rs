//! The syslog envelope firewalls log through, and local times without a zone or a year.
//!
//! A firewall line usually arrives as `<PRI>` (optional) + a timestamp + host + tag +
//! message. Three timestamp forms are read: BSD `Oct  7 02:00:01` (no year, no zone),
//! RFC 3339 (`2026-10-07T02:00:01.123456+09:00`, rsyslog's high-precision form) and RFC
//! 5424 (`1 2026-10-06T17:00:01Z host app procid msgid [sd] msg`).

use chrono::{Datelike, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use kansoku_event::Micros;

use crate::ParseError;

/// How to read times that carry no zone or no year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeContext {
    /// Zone of local times without an offset (syslog, PAN-OS, FortiGate without `tz=`).
    pub zone: Tz,
    /// The newest time the source can hold (its modification time, or now for stdin).
    /// A BSD syslog time has no year: it takes the latest year that does not put it
    /// more than two days after this.
    pub reference: Micros,
}

impl Default for TimeContext {
    fn default() -> Self {
        TimeContext {
            zone: Tz::UTC,
            reference: chrono::Utc::now().timestamp_micros(),
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Two days: clocks of a firewall and of the machine holding its logs disagree a little.
const SLACK: Micros = 2 * 86_400_000_000;

impl TimeContext {
    /// A wall-clock time in [`zone`](Self::zone) as UTC microseconds. In a DST overlap the
    /// earlier instant is taken; a time skipped by DST is read one hour later.
    pub fn local(&self, t: NaiveDateTime) -> Option<Micros> {
        match self.zone.from_local_datetime(&t) {
            LocalResult::Single(u) | LocalResult::Ambiguous(u, _) => Some(u.timestamp_micros()),
            LocalResult::None => self
                .zone
                .from_local_datetime(&(t + chrono::Duration::hours(1)))
                .earliest()
                .map(|u| u.timestamp_micros()),
        }
    }

    /// `Mmm dd hh:mm:ss` without a year: the latest year that keeps it before
    /// [`reference`](Self::reference) (plus slack).
    fn without_year(&self, month: u32, day: u32, h: u32, m: u32, s: u32) -> Option<Micros> {
        let ref_year = chrono::DateTime::from_timestamp_micros(self.reference)?
            .with_timezone(&self.zone)
            .year();
        for year in [ref_year + 1, ref_year, ref_year - 1] {
            // 29 February exists only in some years; try the next candidate.
            let Some(t) =
                NaiveDate::from_ymd_opt(year, month, day).and_then(|d| d.and_hms_opt(h, m, s))
            else {
                continue;
            };
            if let Some(ts) = self.local(t)
                && ts <= self.reference.saturating_add(SLACK)
            {
                return Some(ts);
            }
        }
        None
    }
}

/// A line split into its syslog envelope and the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// The time of the line, UTC microseconds.
    pub ts: Micros,
    /// The sending host.
    pub host: Option<&'a str>,
    /// The program tag without its pid (`kernel`, `filterlog`).
    pub tag: Option<&'a str>,
    /// The message after the tag.
    pub msg: &'a str,
}

fn bad(line: &str) -> ParseError {
    let end = line.char_indices().nth(40).map_or(line.len(), |(i, _)| i);
    ParseError::Timestamp(line[..end].to_string())
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Splits off the first space-separated word.
fn word(s: &str) -> (&str, &str) {
    let s = s.trim_start_matches(' ');
    match s.find(' ') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    }
}

/// `hh:mm:ss` (fraction ignored) as its three parts.
fn hms(s: &str) -> Option<(u32, u32, u32)> {
    let s = s.split('.').next()?;
    let mut it = s.split(':');
    let (h, m, sec) = (num(it.next()?)?, num(it.next()?)?, num(it.next()?)?);
    (it.next().is_none() && h < 24 && m < 60 && sec <= 60).then_some((h, m, sec.min(59)))
}

/// Whether the line opens with a syslog timestamp (after an optional `<PRI>`).
pub fn has_envelope(line: &str) -> bool {
    let body = strip_pri(line);
    let first = body.get(..3).unwrap_or_default();
    MONTHS.contains(&first)
        || (body.get(..4).is_some_and(|y| num(y).is_some())
            && body.as_bytes().get(4) == Some(&b'-'))
        || body.starts_with("1 ")
}

fn strip_pri(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix('<')
        && let Some(end) = rest.find('>')
        && end <= 3
        && num(&rest[..end]).is_some()
    {
        return &rest[end + 1..];
    }
    line
}

/// Reads the envelope of a syslog line.
pub fn envelope<'a>(line: &'a str, clock: &TimeContext) -> Result<Envelope<'a>, ParseError> {
    let body = strip_pri(line.trim_start());
    let (ts, rest, rfc5424) = if let Some(rest) = body.strip_prefix("1 ") {
        let (stamp, rest) = word(rest);
        (crate::time::rfc3339(stamp)?, rest, true)
    } else if MONTHS.contains(&body.get(..3).unwrap_or_default()) {
        let month = MONTHS
            .iter()
            .position(|m| Some(*m) == body.get(..3))
            .ok_or_else(|| bad(line))? as u32
            + 1;
        let (day, rest) = word(&body[3..]);
        let (time, mut rest) = word(rest);
        let day = num(day)
            .filter(|d| (1..=31).contains(d))
            .ok_or_else(|| bad(line))?;
        // Some devices write the year after the day (`Mar 12 2024 08:10:51`).
        let (year, time) = match num(time).filter(|y| *y > 1900) {
            Some(y) => {
                let (t, r) = word(rest);
                rest = r;
                (Some(y as i32), t)
            }
            None => (None, time),
        };
        let (h, m, s) = hms(time).ok_or_else(|| bad(line))?;
        let ts = match year {
            Some(y) => NaiveDate::from_ymd_opt(y, month, day)
                .and_then(|d| d.and_hms_opt(h, m, s))
                .and_then(|t| clock.local(t)),
            None => clock.without_year(month, day, h, m, s),
        };
        (ts.ok_or_else(|| bad(line))?, rest, false)
    } else {
        let (stamp, rest) = word(body);
        if !stamp.contains('T') || stamp.len() < 19 {
            return Err(bad(line));
        }
        (
            rfc3339_local(stamp, clock).ok_or_else(|| bad(line))?,
            rest,
            false,
        )
    };
    let (host, rest) = word(rest);
    if rfc5424 {
        let (app, rest) = word(rest);
        let (_procid, rest) = word(rest);
        let (_msgid, rest) = word(rest);
        let msg = skip_structured_data(rest);
        return Ok(Envelope {
            ts,
            host: Some(host).filter(|h| *h != "-"),
            tag: Some(app).filter(|a| *a != "-"),
            msg: msg.strip_prefix('\u{feff}').unwrap_or(msg),
        });
    }
    let (tag, msg) = split_tag(rest);
    Ok(Envelope {
        ts,
        host: Some(host).filter(|h| !h.is_empty()),
        tag,
        msg,
    })
}

/// An RFC 3339 time; without an offset it is local time in the context's zone.
fn rfc3339_local(stamp: &str, clock: &TimeContext) -> Option<Micros> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(stamp) {
        return Some(t.timestamp_micros());
    }
    let t = NaiveDateTime::parse_from_str(stamp, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    clock.local(t)
}

fn skip_structured_data(s: &str) -> &str {
    let s = s.trim_start_matches(' ');
    if let Some(rest) = s.strip_prefix("- ") {
        return rest;
    }
    if s == "-" {
        return "";
    }
    let mut rest = s;
    while rest.starts_with('[') {
        // A `]` inside a quoted parameter value does not end the element.
        let bytes = rest.as_bytes();
        let (mut i, mut quoted) = (1, false);
        while i < bytes.len() && (quoted || bytes[i] != b']') {
            match bytes[i] {
                b'\\' if quoted => i += 1,
                b'"' => quoted = !quoted,
                _ => {}
            }
            i += 1;
        }
        rest = rest.get(i + 1..).unwrap_or("");
    }
    rest.strip_prefix(' ').unwrap_or(rest)
}

/// `kernel: msg`, `filterlog[4567]: msg` → (tag, msg); a message without a tag is whole.
fn split_tag(rest: &str) -> (Option<&str>, &str) {
    let (first, after) = word(rest);
    if let Some(tag) = first.strip_suffix(':') {
        let name = tag.split('[').next().unwrap_or(tag);
        if !name.is_empty() && !name.contains('=') {
            return (Some(name), after);
        }
    }
    (None, rest.trim_start_matches(' '))
}

/// A date and time of day; `None` when it does not exist.
pub(crate) fn ymd_hms(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(y, mo, d)?.and_hms_opt(h, mi, s)
}

/// `2024/03/12 08:10:51` or `2024-03-12 08:10:51` (PAN-OS, FortiGate `date=` `time=`).
pub(crate) fn date_time(date: &str, time: &str) -> Option<NaiveDateTime> {
    let mut d = date.split(['/', '-']);
    let (y, mo, day) = (d.next()?, d.next()?, d.next()?);
    let (h, m, s) = hms(time)?;
    ymd_hms(num(y)? as i32, num(mo)?, num(day)?, h, m, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokyo(reference: &str) -> TimeContext {
        TimeContext {
            zone: chrono_tz::Asia::Tokyo,
            reference: crate::time::rfc3339(reference).expect("valid reference"),
        }
    }

    #[test]
    fn bsd_time_takes_zone_and_the_latest_year_before_the_reference() {
        let clock = tokyo("2026-11-01T00:00:00+09:00");
        let e =
            envelope("Oct  7 02:00:01 fw1 kernel: [12.5] X: IN=eth0", &clock).expect("valid line");
        assert_eq!(
            e.ts,
            crate::time::rfc3339("2026-10-06T17:00:01Z").expect("t")
        );
        assert_eq!((e.host, e.tag), (Some("fw1"), Some("kernel")));
        assert_eq!(e.msg, "[12.5] X: IN=eth0");
        // December lines read in January belong to the previous year.
        let clock = tokyo("2027-01-02T00:00:00+09:00");
        let e = envelope("<4>Dec 31 23:59:59 fw1 kernel: m", &clock).expect("valid");
        assert_eq!(
            e.ts,
            crate::time::rfc3339("2026-12-31T23:59:59+09:00").expect("t")
        );
    }

    #[test]
    fn rfc3339_and_rfc5424_envelopes() {
        let clock = tokyo("2026-11-01T00:00:00+09:00");
        let e = envelope(
            "2026-10-07T02:00:01.5+09:00 fw1 filterlog[123]: 5,,,",
            &clock,
        )
        .expect("rfc3339");
        assert_eq!((e.tag, e.msg), (Some("filterlog"), "5,,,"));
        let e = envelope(
            "<134>1 2026-10-06T17:00:01Z pf.lan filterlog 4567 - [meta x=\"]\"] 5,,,",
            &clock,
        )
        .expect("rfc5424");
        assert_eq!(
            (e.host, e.tag, e.msg),
            (Some("pf.lan"), Some("filterlog"), "5,,,")
        );
        for bad in [
            "",
            "Foo  7 02:00:01 h m",
            "Oct 99 02:00:01 h m",
            "Oct  7 2:0 h m",
        ] {
            assert!(envelope(bad, &clock).is_err(), "{bad:?}");
        }
    }
}
