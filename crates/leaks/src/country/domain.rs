//! Finding a victim's domain in a post: an explicit domain or URL field, or a title
//! that names one (`example-kogyo.co.jp`, `www.sample.de`, `Greetings to havi.com`).

/// Labels that end company names ("Co.Ltd", "Inc.com"), so a token whose registrable
/// label is one of them is punctuation, not a domain.
const NOT_A_NAME: &[&str] = &[
    "co", "inc", "ltd", "llc", "corp", "gmbh", "pty", "plc", "sa",
];

/// The host named by a domain or URL field (`https://www.a.com/x` → `www.a.com`).
pub fn host_of(field: &str) -> Option<String> {
    as_host(field.trim())
}

/// The first token of free text that looks like a host name.
pub fn find_host(text: &str) -> Option<String> {
    text.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                ',' | ';' | '(' | ')' | '[' | ']' | '{' | '}' | '<' | '>' | '"' | '\'' | '|'
            )
    })
    .find_map(as_host)
}

fn as_host(token: &str) -> Option<String> {
    let token = token
        .strip_prefix("https://")
        .or_else(|| token.strip_prefix("http://"))
        .unwrap_or(token);
    let token = token.split(['/', '?', '#']).next()?;
    let token = token.rsplit('@').next()?;
    let token = token.split(':').next()?;
    let host = token
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || host.len() > 253 {
        return None;
    }
    let valid_label = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if !labels.iter().all(valid_label) {
        return None;
    }
    let tld = labels[labels.len() - 1];
    if tld.len() < 2 || !tld.chars().all(|c| c.is_ascii_alphabetic()) || tld == "onion" {
        return None;
    }
    if NOT_A_NAME.contains(&labels[labels.len() - 2]) && labels.len() == 2 {
        return None;
    }
    Some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_host_table() {
        let cases = [
            ("example-kogyo.co.jp", Some("example-kogyo.co.jp")),
            ("www.sample.de", Some("www.sample.de")),
            ("Greetings to havi.com and tmsw.com", Some("havi.com")),
            ("Shorr.com leakage", Some("shorr.com")),
            ("https://WWW.Example.FR/leak?id=1", Some("www.example.fr")),
            ("Contact: admin@victim.it.", Some("victim.it")),
            ("Sample Kogyo Co.Ltd", None),
            ("Acme S.p.A.", None),
            ("Walmart was encrypted", None),
            ("abcdefghijklmnop.onion", None),
            ("version 1.2.3", None),
            ("株式会社サンプル", None),
        ];
        for (text, want) in cases {
            assert_eq!(find_host(text).as_deref(), want, "{text}");
        }
    }

    #[test]
    fn host_of_reads_urls_and_bare_domains() {
        assert_eq!(
            host_of("https://www.moore-global.com").as_deref(),
            Some("www.moore-global.com")
        );
        assert_eq!(host_of("sample.co.jp").as_deref(), Some("sample.co.jp"));
        assert_eq!(host_of("n/a"), None);
    }
}
