//! Mapping a Sigma rule to a report category.
//!
//! Sigma tags say *how* (ATT&CK technique), rarely *what*: almost every webserver rule is
//! `attack.t1190` (exploit public-facing application). So the title and description are
//! read first, then the tags:
//!
//! | evidence | category |
//! |---|---|
//! | "sql injection", "sqli" | `sqli` |
//! | "log4j", "log4shell" | `log4shell` |
//! | "xss", "cross-site scripting", "cross site scripting" | `xss` |
//! | "traversal", "local file inclusion", "lfi" | `path_traversal` |
//! | "webshell", "web shell", tag `attack.t1505.003` | `webshell` |
//! | "scanner", "scanning", "discovery", tag `attack.t1595` | `scanner` |
//! | "fortios", "fortigate" with "ssl" / "vpn" | `fortios_sslvpn` |
//! | "wp-config", "wordpress" with "config" | `wordpress_config` |
//! | ".git", ".env", "credential", "password", "passwd" | `credential_probe` |
//! | "rce", "remote code", "command injection", "code execution", "exploit", tags `attack.t1059*` or `attack.t1190` | `rce` |
//! | anything else | `other` |
//!
//! `attack.t1190` maps to `rce` because nearly all such Sigma web rules detect exploitation
//! of a vulnerable product for code execution; a finer category wins when the title names one.

use kansoku_event::Category;

/// The report category of a Sigma rule (see the module docs for the table).
pub fn for_rule(title: &str, description: &str, tags: &[String]) -> Category {
    let t = format!("{} {}", title, description).to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    let tag = |prefix: &str| {
        tags.iter()
            .any(|g| g.to_ascii_lowercase().starts_with(prefix))
    };
    if has(&["sql injection", "sqli"]) {
        Category::Sqli
    } else if has(&["log4j", "log4shell"]) {
        Category::Log4shell
    } else if has(&["xss", "cross-site scripting", "cross site scripting"]) {
        Category::Xss
    } else if has(&["traversal", "local file inclusion", " lfi"]) {
        Category::PathTraversal
    } else if has(&["webshell", "web shell"]) || tag("attack.t1505.003") {
        Category::Webshell
    } else if has(&["fortios", "fortigate"]) && has(&["ssl", "vpn"]) {
        Category::FortiosSslvpn
    } else if has(&["wp-config"]) || has(&["wordpress"]) && has(&["config"]) {
        Category::WordpressConfig
    } else if has(&["scanner", "scanning", "discovery"]) || tag("attack.t1595") {
        Category::Scanner
    } else if has(&[".git", ".env", "credential", "password", "passwd"]) {
        Category::CredentialProbe
    } else if has(&[
        "rce",
        "remote code",
        "command injection",
        "code execution",
        "exploit",
    ]) || tag("attack.t1059")
        || tag("attack.t1190")
    {
        Category::Rce
    } else {
        Category::Other
    }
}
