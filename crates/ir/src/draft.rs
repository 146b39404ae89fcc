//! The draft incident report to the PPC, in Japanese and English Markdown, with the nine
//! items of Enforcement Rules art. 8(1) as headings and what the case already knows
//! filled in. Everything else is a placeholder to replace (`【記入】` / `[fill in]`).

use std::fmt::Write as _;

use crate::case::CaseMeta;
use crate::deadlines::Deadlines;

/// Report language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftLang {
    /// Japanese.
    Ja,
    /// English.
    En,
}

/// The nine items of Rules art. 8(1), (ja, en).
pub const ITEMS: [(&str, &str); 9] = [
    ("概要", "Overview"),
    (
        "漏えい等が発生し、又は発生したおそれがある個人データの項目",
        "Items of personal data leaked or possibly leaked",
    ),
    (
        "漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数",
        "Number of people concerned",
    ),
    ("原因", "Cause"),
    (
        "二次被害又はそのおそれの有無及びその内容",
        "Secondary damage, actual or possible, and what it is",
    ),
    ("本人への対応の実施状況", "Response to the individuals"),
    ("公表の実施状況", "Publication"),
    ("再発防止のための措置", "Measures to prevent recurrence"),
    ("その他参考となる事項", "Other relevant matters"),
];

/// Markdown of the draft. Text from the case is written as is inside the Markdown
/// document the team edits; it is never rendered as HTML by the kit.
pub fn render(case: &CaseMeta, deadlines: &Deadlines, lang: DraftLang) -> String {
    let ja = lang == DraftLang::Ja;
    let fill = if ja { "【記入】" } else { "[fill in]" };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# {} — {}\n",
        if ja {
            "漏えい等報告（下書き）"
        } else {
            "Personal data breach report (draft)"
        },
        case.name
    );
    let learned = deadlines.learned.format("%Y-%m-%d %H:%M %:z");
    let _ = writeln!(
        s,
        "{} {learned} ({})\n",
        if ja {
            "事態を知った日時:"
        } else {
            "Learned of the incident:"
        },
        deadlines.timezone
    );
    let _ = writeln!(s, "{}", if ja { "## 期限" } else { "## Deadlines" });
    for d in &deadlines.duties {
        // Day-counted duties end with their local day; partner duties at an hour.
        let due = match (d.id.starts_with("ppc"), d.due_day, d.due) {
            (true, Some(day), _) if ja => format!("{day}（当日中）"),
            (true, Some(day), _) => format!("{day} (until the end of the day)"),
            (_, _, Some(t)) => t.format("%Y-%m-%d %H:%M %:z").to_string(),
            _ if ja => "速やかに".to_string(),
            _ => "promptly".to_string(),
        };
        let _ = writeln!(s, "- {}: {due}", if ja { &d.what_ja } else { &d.what_en });
    }
    if !deadlines.reportable {
        let _ = writeln!(
            s,
            "- {}",
            if ja {
                "現時点の事実では報告対象事態に当たりません。事実が変われば再確認してください。"
            } else {
                "On the facts recorded so far no PPC report is due; check again when facts change."
            }
        );
    }
    s.push('\n');
    let f = &case.facts;
    for (i, (item_ja, item_en)) in ITEMS.iter().enumerate() {
        let _ = writeln!(s, "## {}. {}\n", i + 1, if ja { item_ja } else { item_en });
        let known = match i {
            0 if !case.summary.is_empty() => Some(case.summary.clone()),
            2 => f.people.map(|n| {
                if ja {
                    format!("{n}人（見込みを含む）")
                } else {
                    format!("{n} (including possible)")
                }
            }),
            3 if f.unauthorised_purpose => Some(if ja {
                "不正の目的をもって行われたおそれがある行為（不正アクセス等）".into()
            } else {
                "An act possibly with an unauthorised purpose (e.g. unauthorised access)".into()
            }),
            4 if f.financial_loss_risk => Some(if ja {
                "財産的被害が生じるおそれがある".into()
            } else {
                "Misuse may cause financial loss".into()
            }),
            1 if f.sensitive_data => Some(if ja {
                "要配慮個人情報を含む".into()
            } else {
                "Includes sensitive personal data".into()
            }),
            _ => None,
        };
        let _ = writeln!(
            s,
            "{}\n",
            known.map_or_else(|| fill.to_string(), |k| format!("{k} {fill}"))
        );
    }
    s
}
