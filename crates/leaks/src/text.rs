//! Text helpers shared by normalisation and country detection: Japanese script, HTML
//! entities left in titles by trackers, whitespace.

use std::borrow::Cow;

/// Whether `c` is Hiragana or Katakana (including half-width and phonetic extensions).
pub fn is_kana(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{309F}'   // Hiragana
        | '\u{30A0}'..='\u{30FF}' // Katakana
        | '\u{31F0}'..='\u{31FF}' // Katakana phonetic extensions
        | '\u{FF66}'..='\u{FF9F}' // half-width Katakana
    )
}

/// Whether `c` is a CJK ideograph (Kanji). Chinese shares these, see [`has_japanese`].
pub fn is_kanji(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}'   // CJK unified ideographs
        | '\u{3400}'..='\u{4DBF}' // extension A
        | '\u{F900}'..='\u{FAFF}' // compatibility ideographs
        | '\u{20000}'..='\u{2A6DF}' // extension B
        | '\u{3005}'              // 々 iteration mark
    )
}

/// Whether `s` contains Hiragana or Katakana: script only Japanese uses.
pub fn has_kana(s: &str) -> bool {
    s.chars().any(is_kana)
}

/// Whether `s` contains Hiragana, Katakana or Kanji.
///
/// Kanji alone may be Chinese; callers that need certainty use [`has_kana`].
pub fn has_japanese(s: &str) -> bool {
    s.chars().any(|c| is_kana(c) || is_kanji(c))
}

/// Decodes the HTML entities trackers leave in scraped titles (`didn&rsquo;t`), and
/// maps typographic quotes and dashes to ASCII so the same title from two feeds
/// compares equal. Unknown entities are kept as written.
pub fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after
            .find(';')
            .filter(|&semi| semi <= 10)
            .and_then(|semi| entity(&after[..semi]).map(|c| (c, semi)));
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "rsquo" | "lsquo" => '\'',
        "rdquo" | "ldquo" => '"',
        "ndash" | "mdash" => '-',
        _ => return None,
    })
}

/// Folds typographic quotes, dashes and full-width brackets to their ASCII forms.
pub fn fold_punctuation(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201F}' => '"',
        '\u{2010}'..='\u{2015}' => '-',
        '\u{00A0}' | '\u{3000}' => ' ',
        // Full-width forms Japanese titles use around repost markers.
        '（' => '(',
        '）' => ')',
        '［' => '[',
        '］' => ']',
        '：' => ':',
        '－' => '-',
        c => c,
    }
}

/// Collapses runs of whitespace to one space and trims both ends.
pub fn squeeze_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_script_table() {
        let cases = [
            ("株式会社サンプル", true, true),
            ("ひらがな", true, true),
            ("ｻﾝﾌﾟﾙ", true, true),
            ("東京工業", false, true),
            ("Sample Kogyo Co., Ltd.", false, false),
            ("", false, false),
        ];
        for (text, kana, japanese) in cases {
            assert_eq!(has_kana(text), kana, "{text}");
            assert_eq!(has_japanese(text), japanese, "{text}");
        }
    }

    #[test]
    fn entities_table() {
        let cases = [
            (
                "Cincinnati bell didn&rsquo;t pay",
                "Cincinnati bell didn't pay",
            ),
            ("A &amp; B", "A & B"),
            ("&#26085;&#x672C;", "日本"),
            ("R&D & more", "R&D & more"),
            ("&bogus;", "&bogus;"),
            ("trailing &", "trailing &"),
        ];
        for (input, want) in cases {
            assert_eq!(decode_entities(input), want, "{input}");
        }
    }

    #[test]
    fn whitespace_is_squeezed() {
        assert_eq!(squeeze_whitespace("  a \t b\n\nc  "), "a b c");
    }
}
