//! Escaping of untrusted text for HTML/SVG and Markdown.
//!
//! Every string that came from a log or a feed (paths, user agents, hosts, tenants,
//! leak-post titles) passes through here before it reaches any output.

/// Escapes text for HTML and SVG, in element content and in quoted attribute values.
/// Control characters (other than tab and newline) become U+FFFD, as they are not
/// allowed in XML and some of them confuse terminals that print the file.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Reduces an id to `[A-Za-z0-9_-]` (others become `-`), for ids and `data-` attributes
/// that scripts and tests select on: no quoting subtleties, nothing to inject.
pub fn ident(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Escapes text for a Markdown paragraph or table cell: Markdown punctuation is
/// backslash-escaped, `<`, `>` and `&` become entities (so no renderer sees a tag), and
/// line breaks become spaces (a newline would end a table row).
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '|' | '[' | ']' | '`' | '*' | '_' | '#' | '!' | '(' | ')' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Renders untrusted text as a Markdown code span (for paths and addresses): the fence
/// is longer than any backtick run inside, `|` is escaped (GFM table cells split on it
/// even inside code), and line breaks become spaces. Code spans show `<` literally, so
/// nothing inside can become a tag.
pub fn md_code(s: &str) -> String {
    let body: String = s
        .chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect::<String>()
        .replace('|', "\\|");
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if body.starts_with('`') || body.ends_with('`') || body.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_quotes_and_controls() {
        assert_eq!(
            html("<img src=x onerror='a(\"1\")'>&\u{0}"),
            "&lt;img src=x onerror=&#39;a(&quot;1&quot;)&#39;&gt;&amp;\u{fffd}"
        );
    }

    #[test]
    fn md_escapes_table_breakers_and_links() {
        assert_eq!(
            md("a|b\n[x](javascript:y) <s>"),
            "a\\|b \\[x\\]\\(javascript:y\\) &lt;s&gt;"
        );
        assert_eq!(md("*_`"), "\\*\\_\\`");
    }

    #[test]
    fn md_code_picks_a_longer_fence_and_escapes_pipes() {
        assert_eq!(md_code("/a|b"), "`/a\\|b`");
        assert_eq!(md_code("x``y"), "```x``y```");
        assert_eq!(md_code("`x"), "`` `x ``");
    }
}
