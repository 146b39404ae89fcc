//! The UTC times exit lists write (`2024-03-12 08:10:51`), without a date library:
//! parsing them is most of an import's work.

use kansoku_event::Micros;

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |n, &b| n * 10 + i64::from(b - b'0')))
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses `YYYY-MM-DD` to midnight UTC, in microseconds since the epoch.
pub fn parse_date(s: &str) -> Option<Micros> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d) * MICROS_PER_DAY)
}

/// Parses `YYYY-MM-DD HH:MM:SS` (UTC, as TorDNSEL and Onionoo write it).
pub fn parse_datetime(s: &str) -> Option<Micros> {
    let b = s.as_bytes();
    if b.len() != 19 || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let day = parse_date(s.get(..10)?)?;
    let (h, mi, se) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(day + ((h * 60 + mi) * 60 + se) * 1_000_000)
}

/// The first `YYYY-MM-DD` in a file name (`torbulkexitlist_2024-03-12.txt`), as
/// midnight UTC: the day a bulk list was taken when the caller does not say.
pub fn date_in_name(name: &str) -> Option<Micros> {
    let b = name.as_bytes();
    (0..b.len().saturating_sub(9)).find_map(|i| {
        let before_ok = i == 0 || !b[i - 1].is_ascii_digit();
        let after_ok = b.get(i + 10).is_none_or(|c| !c.is_ascii_digit());
        (before_ok && after_ok)
            .then(|| name.get(i..i + 10).and_then(parse_date))
            .flatten()
    })
}

pub(crate) const DAY: Micros = MICROS_PER_DAY;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        // 2024-03-12 08:10:51 UTC is 1710231051 (date -u -d ... +%s).
        assert_eq!(
            parse_datetime("2024-03-12 08:10:51"),
            Some(1_710_231_051_000_000)
        );
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-02-29"), Some(951_782_400_000_000));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-3-12",
            "2024-03-12T08:10:51",
            "2024-03-12 24:00:00",
            "２０２４-03-12",
            "",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn date_from_file_names() {
        let d = parse_date("2022-10-15");
        assert_eq!(date_in_name("tor-exit-ips_2022-10-15.lst"), d);
        assert_eq!(date_in_name("/x/2022-10-15"), d);
        assert_eq!(date_in_name("list-12022-10-15.txt"), None);
        assert_eq!(date_in_name("exits.txt"), None);
    }
}
