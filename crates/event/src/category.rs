//! Report categories of web attacks. Labels live in the report's locale files; this is
//! only the stable id that rules, the lake and the report share.

use serde::{Deserialize, Serialize};

/// A report category (DESIGN.md, "Detection").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Category {
    /// SQL injection.
    Sqli,
    /// Log4j JNDI lookup (CVE-2021-44228).
    Log4shell,
    /// Vulnerability scanners, by agent or behaviour.
    Scanner,
    /// Access to IIS administration pages.
    AdminIis,
    /// Access to Oracle admin consoles and monitoring services.
    AdminOracle,
    /// Attempts to steal account information (.env, .git, backups, passwd).
    CredentialProbe,
    /// FortiOS SSL-VPN credential theft (CVE-2018-13379).
    FortiosSslvpn,
    /// WordPress configuration and backup file fetching.
    WordpressConfig,
    /// Cross-site scripting.
    Xss,
    /// Path traversal.
    PathTraversal,
    /// Remote code / command execution.
    Rce,
    /// Web shell access.
    Webshell,
    /// Anything else a rule flags.
    Other,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 13] = [
        Category::Sqli,
        Category::Log4shell,
        Category::Scanner,
        Category::AdminIis,
        Category::AdminOracle,
        Category::CredentialProbe,
        Category::FortiosSslvpn,
        Category::WordpressConfig,
        Category::Xss,
        Category::PathTraversal,
        Category::Rce,
        Category::Webshell,
        Category::Other,
    ];

    /// The stable id stored in the lake (`sqli`, `admin_iis`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Sqli => "sqli",
            Category::Log4shell => "log4shell",
            Category::Scanner => "scanner",
            Category::AdminIis => "admin_iis",
            Category::AdminOracle => "admin_oracle",
            Category::CredentialProbe => "credential_probe",
            Category::FortiosSslvpn => "fortios_sslvpn",
            Category::WordpressConfig => "wordpress_config",
            Category::Xss => "xss",
            Category::PathTraversal => "path_traversal",
            Category::Rce => "rce",
            Category::Webshell => "webshell",
            Category::Other => "other",
        }
    }

    /// Parses a stable id; `None` for an unknown one.
    pub fn from_id(id: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == id)
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::from_id(c.as_str()), Some(c));
        }
        assert_eq!(Category::from_id("nope"), None);
    }
}
