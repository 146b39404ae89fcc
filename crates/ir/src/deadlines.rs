//! `kansoku deadlines`: reporting duties under Japan's Act on the Protection of Personal
//! Information (個人情報の保護に関する法律, APPI) from the moment the organisation learned
//! of the incident, plus contractual duties to partners.
//!
//! **When a report is due** (APPI art. 26(1); Enforcement Rules (施行規則) art. 7): a
//! leak, loss or damage (漏えい等) of personal data, actual or suspected, that involves
//! (1) sensitive personal data (要配慮個人情報), (2) data whose misuse may cause
//! financial loss, (3) an act with an unauthorised purpose (不正の目的, e.g. an attack),
//! or (4) more than 1,000 people. Data protected by strong encryption is exempt; the kit
//! cannot know that, so it is left to the reader.
//!
//! **The deadlines** (Rules art. 8):
//! * preliminary report (速報): "当該事態を知った後、速やかに" — promptly after learning;
//!   the PPC guidelines read this as about 3–5 days. The kit shows the 3rd and 5th day.
//! * final report (確報): "当該事態を知った日から30日以内（…前条第三号に定める事態である場合に
//!   あっては、60日以内）" — within 30 days of the day of learning, 60 days when the case
//!   is an unauthorised-purpose case (item 3).
//! * notice to the individuals (art. 26(2); Rules art. 10): "当該事態の状況に応じて速やかに"
//!   — promptly as the situation allows; no day count, so no date.
//!
//! **Day counting.** The rule counts days "from the day of learning". The kit's default,
//! [`DayCount::LearningDayIsDay1`], makes the day of learning (in the chosen time zone)
//! day 1, so the 30-day report is due at the end of the day 29 days later; weekends and
//! holidays count and do not move the deadline. The other reading, the Civil Code's
//! rule that the first day is not counted (民法 art. 140, [`DayCount::NextDayIsDay1`]),
//! gives one day more. The default is the stricter of the two, so a team following it
//! is never late under either; check the current PPC guidelines before relying on the
//! extra day. A deadline is the end of its local day (the instant the next day starts).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::case::CaseMeta;

/// How days are counted from the day of learning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DayCount {
    /// The day of learning is day 1 (stricter; the default).
    #[default]
    LearningDayIsDay1,
    /// The day after learning is day 1 (Civil Code art. 140).
    NextDayIsDay1,
}

/// One duty with its due time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duty {
    /// Stable id: `ppc-preliminary`, `ppc-final`, `individuals`, `partner:<name>`.
    pub id: String,
    /// What is to be done, in English.
    pub what_en: String,
    /// The same in Japanese.
    pub what_ja: String,
    /// The rule it comes from.
    pub basis: String,
    /// The last local day, when the rule has a day count.
    pub due_day: Option<NaiveDate>,
    /// The instant the duty is late (end of `due_day`, or the exact hour for partners).
    pub due: Option<DateTime<FixedOffset>>,
    /// An earlier target within the allowed time (the 3rd day of the preliminary report).
    pub target_day: Option<NaiveDate>,
}

/// The duties of a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deadlines {
    /// When the organisation learned of the incident, in the chosen zone.
    pub learned: DateTime<FixedOffset>,
    /// The zone dates are given in.
    pub timezone: String,
    /// How days were counted.
    pub day_count: DayCount,
    /// Whether an APPI report to the PPC is due, and why (the items that hold).
    pub reportable: bool,
    /// The Rules art. 7 items that hold, in English.
    pub reasons: Vec<String>,
    /// Whether the final report has 60 days (item 3 holds).
    pub sixty_days: bool,
    /// Duties, APPI first, then partners by due time.
    pub duties: Vec<Duty>,
}

/// The `n`-th day counted from the day `learned` falls on in `tz`.
pub fn nth_day(learned: DateTime<FixedOffset>, tz: Tz, n: u32, count: DayCount) -> NaiveDate {
    let day = learned.with_timezone(&tz).date_naive();
    let offset = match count {
        DayCount::LearningDayIsDay1 => i64::from(n) - 1,
        DayCount::NextDayIsDay1 => i64::from(n),
    };
    day + Duration::days(offset)
}

/// The instant local day `day` ends in `tz` (the first instant of the next day).
pub fn end_of_day(day: NaiveDate, tz: Tz) -> DateTime<FixedOffset> {
    let next = (day + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    // A day can start inside a daylight-saving gap: take the first instant that exists.
    (0..180)
        .find_map(|m| {
            tz.from_local_datetime(&(next + Duration::minutes(m)))
                .earliest()
        })
        .map_or_else(
            || Utc.from_utc_datetime(&next).fixed_offset(),
            |t| t.fixed_offset(),
        )
}

/// Computes the duties of `case` with days in `tz`.
pub fn compute(case: &CaseMeta, tz: Tz, count: DayCount) -> Deadlines {
    let f = &case.facts;
    let mut reasons = Vec::new();
    if f.personal_data {
        if f.sensitive_data {
            reasons.push("sensitive personal data (Rules art. 7(1))".to_string());
        }
        if f.financial_loss_risk {
            reasons.push("risk of financial loss from misuse (art. 7(2))".to_string());
        }
        if f.unauthorised_purpose {
            reasons.push(
                "possibly caused by an act with an unauthorised purpose (art. 7(3))".to_string(),
            );
        }
        if f.people.is_some_and(|n| n > 1000) {
            reasons.push(format!(
                "more than 1,000 people ({}) (art. 7(4))",
                f.people.unwrap_or(0)
            ));
        }
    }
    let reportable = !reasons.is_empty();
    let sixty_days = reportable && f.unauthorised_purpose;
    let learned = case.learned.with_timezone(&tz).fixed_offset();
    let mut duties = Vec::new();
    if reportable {
        let day5 = nth_day(case.learned, tz, 5, count);
        duties.push(Duty {
            id: "ppc-preliminary".into(),
            what_en: "Preliminary report (速報) to the Personal Information Protection Commission: promptly; guideline: about 3–5 days".into(),
            what_ja: "個人情報保護委員会への速報（速やかに。ガイドライン上は概ね3〜5日以内）".into(),
            basis: "APPI art. 26(1); Enforcement Rules art. 8(1) 「知った後、速やかに」".into(),
            due_day: Some(day5),
            due: Some(end_of_day(day5, tz)),
            target_day: Some(nth_day(case.learned, tz, 3, count)),
        });
        let days = if sixty_days { 60 } else { 30 };
        let last = nth_day(case.learned, tz, days, count);
        duties.push(Duty {
            id: "ppc-final".into(),
            what_en: format!(
                "Final report (確報) to the PPC: within {days} days of the day of learning"
            ),
            what_ja: format!("個人情報保護委員会への確報（知った日から{days}日以内）"),
            basis: if sixty_days {
                "Enforcement Rules art. 8(2): 60 days for an art. 7(3) case (unauthorised purpose)"
                    .into()
            } else {
                "Enforcement Rules art. 8(2): 30 days".into()
            },
            due_day: Some(last),
            due: Some(end_of_day(last, tz)),
            target_day: None,
        });
        duties.push(Duty {
            id: "individuals".into(),
            what_en: "Notice to the individuals concerned: promptly as the situation allows (no fixed day count); publication may replace it only where notice is difficult".into(),
            what_ja: "本人への通知（当該事態の状況に応じて速やかに。通知が困難な場合は公表等の代替措置）".into(),
            basis: "APPI art. 26(2); Enforcement Rules art. 10".into(),
            due_day: None,
            due: None,
            target_day: None,
        });
    }
    let mut partners: Vec<Duty> = case
        .partners
        .iter()
        .map(|p| {
            let due =
                (case.learned + Duration::hours(i64::from(p.within_hours))).with_timezone(&tz);
            Duty {
                id: format!("partner:{}", p.partner),
                what_en: format!(
                    "Tell {} within {} hours of learning. {}",
                    p.partner, p.within_hours, p.what
                )
                .trim()
                .to_string(),
                what_ja: format!(
                    "{}への連絡（知ってから{}時間以内）{}",
                    p.partner, p.within_hours, p.what
                )
                .trim()
                .to_string(),
                basis: "contract (case.toml [[partners]])".into(),
                due_day: Some(due.date_naive()),
                due: Some(due.fixed_offset()),
                target_day: None,
            }
        })
        .collect();
    partners.sort_by_key(|d| d.due);
    duties.extend(partners);
    Deadlines {
        learned,
        timezone: tz.name().into(),
        day_count: count,
        reportable,
        reasons,
        sixty_days,
        duties,
    }
}
