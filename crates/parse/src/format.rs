//! The input formats kansoku reads, and detection of a source's format from its first lines.
//! (Placeholder: the format modules are being written.)

use crate::{ParseError, Parser};

/// An input format of web and WAF logs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// nginx/Apache `combined`.
    Combined,
    /// nginx/Apache `common`.
    Common,
    /// An nginx `log_format` string (`$remote_addr - $remote_user [$time_local] ...`).
    Nginx(String),
    /// An Apache `LogFormat` string (`%h %l %u %t \"%r\" ...`).
    Apache(String),
    /// ModSecurity v3 JSON audit log.
    ModsecJson,
    /// ModSecurity v2 native (serial, A–Z sections) audit log.
    ModsecNative,
    /// AWS WAF JSON logs.
    AwsWaf,
    /// NDJSON with ECS field names.
    EcsNdjson,
}

impl Format {
    /// A fresh parser for this format.
    pub fn parser(&self) -> Result<Box<dyn Parser>, ParseError> {
        Err(ParseError::LogFormat(format!("{self:?} not built yet")))
    }
}

/// Guesses the format from the first lines of a source.
pub fn detect_format(_lines: &[&[u8]]) -> Option<Format> {
    None
}
