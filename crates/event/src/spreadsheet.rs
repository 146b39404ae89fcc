//! Text cells for CSV that partners open in a spreadsheet. A cell that starts with `=`,
//! `+`, `-`, `@`, a tab or a carriage return is read by Excel, LibreOffice and Google
//! Sheets as a formula ("CSV injection"); values from logs (a user agent, a path, a leak
//! victim's name) are written by attackers. OWASP's recommendation is applied: such a
//! cell gets a leading `'`, which the spreadsheet shows as text. Numbers (`-5`, `+3.2`)
//! and a lone `-` or `+` are left as they are: they are no formula.

use std::borrow::Cow;

/// `cell`, made inert for a spreadsheet.
pub fn safe_cell(cell: &str) -> Cow<'_, str> {
    let risky = cell
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if !risky || cell.len() == 1 || cell.parse::<f64>().is_ok() {
        return Cow::Borrowed(cell);
    }
    Cow::Owned(format!("'{cell}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        for bad in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(safe_cell(bad), format!("'{bad}"));
        }
        for fine in ["/index.php", "-5", "+3.25", "-", "", "Mozilla/5.0", "1e3"] {
            assert_eq!(safe_cell(fine), fine);
        }
    }
}
