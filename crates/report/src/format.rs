//! Numbers, dates and values formatted for a locale and a time zone.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use crate::locale::{Locale, fill};
use crate::model::{Meta, Text, Value};

/// Formats values for one report: its locale and its time zone. Output is plain
/// (unescaped) text; renderers escape it.
#[derive(Debug, Clone, Copy)]
pub struct Fmt {
    /// Text of the report's language.
    pub loc: &'static Locale,
    /// Time zone every instant is shown in.
    pub tz: Tz,
}

fn ident(s: &str) -> String {
    s.to_owned()
}

impl Fmt {
    /// The formatter for a report's meta data.
    pub fn for_meta(meta: &Meta) -> Fmt {
        Fmt {
            loc: Locale::get(meta.lang),
            tz: meta.tz(),
        }
    }

    /// `1234567` → `1,234,567` (separator from the locale).
    pub fn int(&self, n: u64) -> String {
        group_thousands(&n.to_string(), self.loc.text("format.thousands"))
    }

    /// A number with up to `decimals` decimals, trailing zeros dropped, grouped.
    pub fn number(&self, x: f64, decimals: usize) -> String {
        if !x.is_finite() {
            return self.loc.text("format.missing").to_owned();
        }
        let s = format!("{:.*}", decimals, x.abs());
        let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
        let frac = frac.trim_end_matches('0');
        let mut out = String::new();
        if x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
            out.push('-');
        }
        out.push_str(&group_thousands(int, self.loc.text("format.thousands")));
        if !frac.is_empty() {
            out.push_str(self.loc.text("format.decimal"));
            out.push_str(frac);
        }
        out
    }

    /// A count with its unit (`1,234件` / `1,234`).
    pub fn count(&self, n: u64) -> String {
        fill(self.loc.text("format.count"), &[("n", &self.int(n))], ident)
    }

    /// A percentage given in percent units, one decimal (`12.5%`).
    pub fn percent(&self, pct: f64) -> String {
        fill(
            self.loc.text("format.percent"),
            &[("n", &self.number(pct, 1))],
            ident,
        )
    }

    /// A signed change in percent (`+12.5%`, `−3%`).
    pub fn change(&self, pct: f64) -> String {
        let sign = if pct > 0.0 { "+" } else { "" };
        format!("{sign}{}", self.percent(pct))
    }

    /// The local time of a UTC instant in microseconds.
    pub fn local(&self, micros: i64) -> DateTime<Tz> {
        let utc = DateTime::<Utc>::from_timestamp_micros(micros).unwrap_or_default();
        self.tz.from_utc_datetime(&utc.naive_utc())
    }

    fn pattern<D: Datelike>(&self, key: &str, d: &D, hm: Option<(u32, u32)>) -> String {
        let wd = d.weekday().num_days_from_monday() as usize;
        let m0 = d.month0() as usize;
        let month_name = self.loc.list_item("format.months", m0);
        let abbr: String = month_name.chars().take(3).collect();
        let (h, mi) = hm.unwrap_or((0, 0));
        let (year, month, day) = (
            d.year().to_string(),
            d.month().to_string(),
            d.day().to_string(),
        );
        let (hour, hh, mm) = (h.to_string(), format!("{h:02}"), format!("{mi:02}"));
        fill(
            self.loc.text(key),
            &[
                ("year", &year),
                ("month", &month),
                ("day", &day),
                ("weekday", self.loc.list_item("format.weekdays", wd)),
                ("month_name", month_name),
                ("month_abbr", &abbr),
                ("hour", &hour),
                ("hh", &hh),
                ("mm", &mm),
            ],
            ident,
        )
    }

    /// Date and hour: `2026年11月3日(火) 14時` / `Tue 3 Nov 2026 14:00`.
    pub fn datetime(&self, micros: i64) -> String {
        let t = self.local(micros);
        let key = if t.minute() == 0 {
            "format.datetime"
        } else {
            "format.datetime_minute"
        };
        self.pattern(key, &t, Some((t.hour(), t.minute())))
    }

    /// Hour only, for the end of a range on the same day: `16時` / `16:00`.
    pub fn hour(&self, micros: i64) -> String {
        let t = self.local(micros);
        self.pattern("format.hour", &t, Some((t.hour(), t.minute())))
    }

    /// Both ends of a range of instants; the end shows only its hour when it falls on
    /// the same local day as the start.
    pub fn range_parts(&self, from: i64, to: i64) -> (String, String) {
        let same_day = self.local(from).date_naive() == self.local(to).date_naive();
        let end = if same_day {
            self.hour(to)
        } else {
            self.datetime(to)
        };
        (self.datetime(from), end)
    }

    /// A range of instants: `2026年11月3日(火) 14時〜16時`.
    pub fn time_range(&self, from: i64, to: i64) -> String {
        let (a, b) = self.range_parts(from, to);
        fill(
            self.loc.text("format.range"),
            &[("from", &a), ("to", &b)],
            ident,
        )
    }

    /// A calendar date: `2026年11月3日(火)` / `Tue 3 Nov 2026`.
    pub fn date(&self, d: NaiveDate) -> String {
        self.pattern("format.date", &d, None)
    }

    /// A date range: `2026年11月1日(日)〜2026年11月30日(月)`.
    pub fn date_range(&self, from: NaiveDate, to: NaiveDate) -> String {
        fill(
            self.loc.text("format.range"),
            &[("from", &self.date(from)), ("to", &self.date(to))],
            ident,
        )
    }

    /// Short day label for chart axes: `11/3` / `3 Nov`.
    pub fn axis_day(&self, d: NaiveDate) -> String {
        self.pattern("format.axis_day", &d, None)
    }

    /// A month given as `YYYY-MM`: `2026年11月` / `November 2026`; other input is shown
    /// as is.
    pub fn month(&self, ym: &str) -> String {
        match NaiveDate::parse_from_str(&format!("{ym}-01"), "%Y-%m-%d") {
            Ok(d) => self.pattern("format.month", &d, None),
            Err(_) => ym.to_owned(),
        }
    }

    /// A list joined with the locale's separator.
    pub fn list(&self, items: &[String]) -> String {
        items.join(self.loc.text("format.list_separator"))
    }

    /// Resolves report text to plain (unescaped) text.
    pub fn text(&self, t: &Text) -> String {
        match t {
            Text::Label { key } => self.loc.text(key).to_owned(),
            Text::Plain { text } => text.clone(),
            Text::Template { key, args } => {
                let vals: Vec<(&str, String)> = args
                    .iter()
                    .map(|(k, v)| (k.as_str(), self.value(v)))
                    .collect();
                let refs: Vec<(&str, &str)> = vals.iter().map(|(k, v)| (*k, v.as_str())).collect();
                fill(self.loc.text(key), &refs, ident)
            }
        }
    }

    /// Any typed value as plain text.
    pub fn value(&self, v: &Value) -> String {
        match v {
            Value::Text(s) | Value::Code(s) => s.clone(),
            Value::Label(k) => self.loc.text(k).to_owned(),
            Value::Count(n) => self.int(*n),
            Value::Number(x) => self.number(*x, 2),
            Value::Percent(p) => self.percent(*p),
            Value::Time(t) => self.datetime(*t),
            Value::Date(d) => self.date(*d),
            Value::Missing => self.loc.text("format.missing").to_owned(),
        }
    }
}

fn group_thousands(digits: &str, sep: &str) -> String {
    let n = digits.len();
    let mut out = String::with_capacity(n + n / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Lang;

    fn fmt(lang: Lang, tz: Tz) -> Fmt {
        Fmt {
            loc: Locale::get(lang),
            tz,
        }
    }

    // 2026-11-03T05:00:00Z = 14:00 in Tokyo, a Tuesday.
    const T: i64 = 1_793_682_000_000_000;

    #[test]
    fn dates_and_weekdays_per_locale_in_the_report_zone() {
        let ja = fmt(Lang::Ja, chrono_tz::Asia::Tokyo);
        assert_eq!(ja.datetime(T), "2026年11月3日(火) 14時");
        let en = fmt(Lang::En, chrono_tz::Asia::Tokyo);
        assert_eq!(en.datetime(T), "Tue 3 Nov 2026 14:00");
        let utc = fmt(Lang::En, chrono_tz::UTC);
        assert_eq!(utc.datetime(T), "Tue 3 Nov 2026 05:00");
        assert_eq!(
            ja.time_range(T, T + 3_600_000_000 * 2),
            "2026年11月3日(火) 14時〜16時"
        );
        assert_eq!(en.month("2026-11"), "November 2026");
        assert_eq!(ja.month("2026-11"), "2026年11月");
        assert_eq!(ja.month("bad"), "bad");
    }

    #[test]
    fn numbers_group_thousands() {
        let ja = fmt(Lang::Ja, chrono_tz::UTC);
        assert_eq!(ja.int(1_234_567), "1,234,567");
        assert_eq!(ja.int(999), "999");
        assert_eq!(ja.count(12_345), "12,345件");
        assert_eq!(ja.number(1234.5, 1), "1,234.5");
        assert_eq!(ja.number(-0.04, 1), "0");
        assert_eq!(ja.percent(12.26), "12.3%");
        assert_eq!(ja.change(-3.0), "-3%");
        assert_eq!(fmt(Lang::En, chrono_tz::UTC).count(12_345), "12,345");
    }
}
