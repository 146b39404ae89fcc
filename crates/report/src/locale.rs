//! Report text per language, from `locales/<lang>.toml` embedded at build time.

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::model::Lang;

const JA: &str = include_str!("../locales/ja.toml");
const EN: &str = include_str!("../locales/en.toml");

/// The text of one language: headings, labels, sentence templates and formats.
#[derive(Debug)]
pub struct Locale {
    lang: Lang,
    table: toml::Table,
}

impl Locale {
    /// The locale of `lang`, parsed once.
    ///
    /// The files are embedded, so they cannot be missing; a test checks that they parse
    /// and hold the same keys. Should one still fail to parse, every lookup shows its
    /// key instead of panicking.
    pub fn get(lang: Lang) -> &'static Locale {
        static CELLS: [OnceLock<Locale>; 2] = [OnceLock::new(), OnceLock::new()];
        let (cell, src) = match lang {
            Lang::Ja => (&CELLS[0], JA),
            Lang::En => (&CELLS[1], EN),
        };
        cell.get_or_init(|| Locale {
            lang,
            table: src.parse().unwrap_or_default(),
        })
    }

    /// The language of this locale.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The raw TOML source of `lang` (for tooling and tests).
    pub fn source(lang: Lang) -> &'static str {
        match lang {
            Lang::Ja => JA,
            Lang::En => EN,
        }
    }

    fn lookup(&self, key: &str) -> Option<&toml::Value> {
        let mut parts = key.split('.');
        let mut v = self.table.get(parts.next()?)?;
        for p in parts {
            v = v.as_table()?.get(p)?;
        }
        Some(v)
    }

    /// The string at dotted `key`, or the key itself when missing (visible, not fatal).
    pub fn text<'a>(&'a self, key: &'a str) -> &'a str {
        self.lookup(key).and_then(|v| v.as_str()).unwrap_or(key)
    }

    /// Whether `key` names a string.
    pub fn has(&self, key: &str) -> bool {
        self.lookup(key).is_some_and(|v| v.is_str())
    }

    /// Element `i` of the string array at `key`, or `""`.
    pub fn list_item(&self, key: &str, i: usize) -> &str {
        self.lookup(key)
            .and_then(|v| v.as_array())
            .and_then(|a| a.get(i))
            .and_then(|v| v.as_str())
            .unwrap_or("")
    }

    /// The label of a category id (`sqli` → SQLインジェクション); unknown ids show as
    /// themselves.
    pub fn category<'a>(&'a self, id: &'a str) -> Cow<'a, str> {
        let key = format!("category.{id}");
        match self.lookup(&key).and_then(|v| v.as_str()) {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Borrowed(id),
        }
    }

    /// Every dotted key of this locale (arrays count as one key), sorted.
    pub fn keys(&self) -> Vec<String> {
        fn walk(prefix: &str, t: &toml::Table, out: &mut Vec<String>) {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                match v.as_table() {
                    Some(sub) => walk(&key, sub, out),
                    None => out.push(key),
                }
            }
        }
        let mut out = Vec::new();
        walk("", &self.table, &mut out);
        out.sort();
        out
    }
}

/// Fills `{name}` placeholders of a trusted `template` with `args`, passing both the
/// template's own text and every argument through `escape` (so an argument can never
/// inject markup, and a placeholder inside an argument is not expanded). Unknown
/// placeholders stay visible as `{name}`.
pub fn fill(template: &str, args: &[(&str, &str)], escape: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&escape(&rest[..open]));
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(&escape(v)),
                    None => out.push_str(&escape(&rest[open..open + close + 2])),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&escape(&rest[open..]));
                rest = "";
            }
        }
    }
    out.push_str(&escape(rest));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_escapes_template_and_args_and_keeps_unknown_placeholders() {
        let esc = |s: &str| s.replace('<', "&lt;");
        let got = fill("a<{x} {y} {", &[("x", "<b>{y}")], esc);
        assert_eq!(got, "a&lt;&lt;b>{y} {y} {");
    }

    #[test]
    fn missing_keys_show_themselves() {
        let ja = Locale::get(Lang::Ja);
        assert_eq!(ja.text("report.title"), "定期観測レポート");
        assert_eq!(ja.text("no.such.key"), "no.such.key");
        assert_eq!(ja.category("sqli"), "SQLインジェクション");
        assert_eq!(ja.category("made_up"), "made_up");
        assert_eq!(ja.list_item("format.weekdays", 1), "火");
    }
}
