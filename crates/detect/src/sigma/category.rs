//! Mapping a Sigma rule to a report category.
//!
//! Tags are read first, because they are the rule author's own classification; the title
//! is read only when no tag names a category, and by whole words (so "Source" is not
//! "rce", nor "Resource" "rce"). The description is not read: it names what an attacker
//! might do next as often as what the rule flags.
//!
//! 1. A `cve.*` tag of a vulnerability whose class is one of ours ([`CVE_CLASSES`]), e.g.
//!    `cve.2018-13379` → `fortios_sslvpn`, `cve.2021-44228` → `log4shell`.
//! 2. An ATT&CK technique tag that names what is flagged:
//!
//! | tag | category |
//! |---|---|
//! | `attack.t1505.003` (web shell) | `webshell` |
//! | `attack.t1595*` (active scanning) | `scanner` |
//! | `attack.t1059*` (command interpreter) | `rce` |
//! | `attack.t1083` (file and directory discovery: `.git/`, source and backup files) | `credential_probe` |
//!
//! `attack.t1190` (exploit public-facing application) is on nearly every webserver rule and
//! says nothing about the kind of attack, so it alone is no category.
//!
//! 3. Whole words (or runs of words) of the title:
//!
//! | words | category |
//! |---|---|
//! | "sql injection", "sqli" | `sqli` |
//! | "log4j", "log4shell", "jndi", "jndiexploit" (the Log4Shell exploit kit) | `log4shell` |
//! | "xss", "cross site scripting" | `xss` |
//! | "traversal", "local file inclusion", "lfi" | `path_traversal` |
//! | "webshell", "web shell" | `webshell` |
//! | "fortios", "fortigate" with "ssl", "vpn" or "sslvpn" | `fortios_sslvpn` |
//! | "wp config", "wordpress" with "config" | `wordpress_config` |
//! | "scanner", "scanning", "scan", "fuzzing", "recon" | `scanner` |
//! | "credential(s)", "password", "passwd", "information disclosure" | `credential_probe` |
//! | "rce", "remote code", "code execution", "command execution", "command injection", "template injection" | `rce` |
//!
//! 4. Anything else is `other` ("Exploitation Attempt" of a CVE we do not classify says
//!    no more than `attack.t1190`).

use kansoku_event::Category;

/// Vulnerabilities whose class is one of ours, by `cve.` tag (Sigma writes `cve.2021-44228`).
/// Only where the class is what a request for it shows: a traversal that ends in code
/// execution (CVE-2021-41773) is `path_traversal`, since the traversal is what the log
/// line carries.
pub const CVE_CLASSES: &[(&str, Category)] = &[
    // MODx Revolution directory traversal.
    ("2010-5278", Category::PathTraversal),
    // FortiOS SSL-VPN path traversal reading the session file (credentials).
    ("2018-13379", Category::FortiosSslvpn),
    // Pulse Secure arbitrary file read through traversal.
    ("2019-11510", Category::PathTraversal),
    // Citrix ADC: traversal to template files that run Perl, i.e. code execution.
    ("2019-19781", Category::Rce),
    // Cisco ASA/FTD read-only path traversal.
    ("2020-3452", Category::PathTraversal),
    // Confluence OGNL injection.
    ("2021-26084", Category::Rce),
    // Apache httpd 2.4.49/50 path traversal.
    ("2021-41773", Category::PathTraversal),
    ("2021-42013", Category::PathTraversal),
    // Grafana plugin path traversal.
    ("2021-43798", Category::PathTraversal),
    ("2021-44228", Category::Log4shell),
    // Confluence OGNL injection.
    ("2022-26134", Category::Rce),
    // F5 BIG-IP TMUI: `..;/` traversal past the login, then code execution.
    ("2020-5902", Category::PathTraversal),
    // CentOS Web Panel and Cacti: unauthenticated command injection.
    ("2022-44877", Category::Rce),
    ("2022-46169", Category::Rce),
];

/// The report category of a Sigma rule (see the module docs for the order).
pub fn for_rule(title: &str, tags: &[String]) -> Category {
    from_tags(tags).unwrap_or_else(|| from_title(title))
}

fn from_tags(tags: &[String]) -> Option<Category> {
    let tags: Vec<String> = tags.iter().map(|t| t.to_ascii_lowercase()).collect();
    let cve = tags.iter().find_map(|t| {
        let id = t.strip_prefix("cve.")?;
        CVE_CLASSES
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, cat)| *cat)
    });
    if cve.is_some() {
        return cve;
    }
    let technique = |t: &str, prefix: &str| {
        t.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    };
    if tags.iter().any(|t| t == "attack.t1505.003") {
        Some(Category::Webshell)
    } else if tags.iter().any(|t| technique(t, "attack.t1595")) {
        Some(Category::Scanner)
    } else if tags.iter().any(|t| technique(t, "attack.t1059")) {
        Some(Category::Rce)
    } else if tags.iter().any(|t| technique(t, "attack.t1083")) {
        Some(Category::CredentialProbe)
    } else {
        None
    }
}

/// The title's words, lower case, split at everything that is not a letter or digit
/// ("Cross-Site" → `cross`, `site`; "wp-config.php" → `wp`, `config`, `php`).
fn words(title: &str) -> Vec<String> {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn from_title(title: &str) -> Category {
    let words = words(title);
    // Whether one of `phrases` (space-separated words) occurs as consecutive whole words.
    let has = |phrases: &[&str]| {
        phrases.iter().any(|p| {
            let p: Vec<&str> = p.split(' ').collect();
            words
                .windows(p.len())
                .any(|w| w.iter().zip(&p).all(|(a, b)| a == b))
        })
    };
    if has(&["sql injection", "sqli"]) {
        Category::Sqli
    } else if has(&["log4j", "log4shell", "jndi", "jndiexploit"]) {
        Category::Log4shell
    } else if has(&["xss", "cross site scripting"]) {
        Category::Xss
    } else if has(&["traversal", "local file inclusion", "lfi"]) {
        Category::PathTraversal
    } else if has(&["webshell", "web shell"]) {
        Category::Webshell
    } else if has(&["fortios", "fortigate"]) && has(&["ssl", "vpn", "sslvpn"]) {
        Category::FortiosSslvpn
    } else if has(&["wp config"]) || has(&["wordpress"]) && has(&["config"]) {
        Category::WordpressConfig
    } else if has(&["scanner", "scanning", "scan", "fuzzing", "recon"]) {
        Category::Scanner
    } else if has(&[
        "credential",
        "credentials",
        "password",
        "passwd",
        "information disclosure",
    ]) {
        Category::CredentialProbe
    } else if has(&[
        "rce",
        "remote code",
        "code execution",
        "command execution",
        "command injection",
        "template injection",
    ]) {
        Category::Rce
    } else {
        Category::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    /// (title, tags, expected): each row a way the old mapper went wrong or a rule of
    /// the order above.
    #[test]
    fn tags_first_then_whole_words_of_the_title() {
        let table: &[(&str, &[&str], Category)] = &[
            // "Source" and "Resource" contain "rce": not a word of the title.
            (
                "Source Code Enumeration Detection by Keyword",
                &["attack.discovery", "attack.t1083"],
                Category::CredentialProbe,
            ),
            ("Resource Enumeration", &[], Category::Other),
            // The CVE tag decides; t1190 and "Exploitation" would have made it rce.
            (
                "Fortinet CVE-2018-13379 Exploitation",
                &["attack.initial-access", "attack.t1190", "cve.2018-13379"],
                Category::FortiosSslvpn,
            ),
            // t1190 alone is no category.
            (
                "CVE-2020-0688 Exploitation Attempt",
                &["attack.t1190", "cve.2020-0688"],
                Category::Other,
            ),
            (
                "Pulse Connect Secure RCE Attack CVE-2021-22893",
                &["attack.t1190", "cve.2021-22893"],
                Category::Rce,
            ),
            // The web-shell technique tag wins over the title's "RCE".
            (
                "Rejetto HTTP File Server RCE",
                &["attack.t1190", "attack.t1505.003", "cve.2014-6287"],
                Category::Webshell,
            ),
            (
                "Cross Site Scripting Strings",
                &["attack.t1189"],
                Category::Xss,
            ),
            (
                "SQL Injection Strings In URI",
                &["attack.t1190"],
                Category::Sqli,
            ),
            (
                "Successful IIS Shortname Fuzzing Scan",
                &["attack.t1190"],
                Category::Scanner,
            ),
            ("Active Scanning", &["attack.t1595.002"], Category::Scanner),
            // A tag prefix is a technique, not a string prefix: t10590 is not t1059.
            ("Something", &["attack.t10590"], Category::Other),
            (
                "Server Side Template Injection Strings",
                &["attack.t1221"],
                Category::Rce,
            ),
            ("Grab wp-config.php", &[], Category::WordpressConfig),
        ];
        for (title, t, want) in table {
            assert_eq!(for_rule(title, &tags(t)), *want, "{title} {t:?}");
        }
    }
}
