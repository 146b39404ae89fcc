//! What ModSecurity reports about a transaction, shared by its JSON and native audit
//! logs: rule ids, messages, the highest severity and the action.
//!
//! The action follows one rule in every ModSecurity format:
//! - `block` when the WAF says it intercepted the request (native `Action: Intercepted`,
//!   v2 JSON `audit_data.action.intercepted`, a message "Access denied ..." or one that
//!   says "intercepted"), or, for v3 JSON (which does not record the intervention
//!   itself), when rules matched and the response status is 403, unless the engine ran
//!   `DetectionOnly`;
//! - `log` when rules matched but nothing was intercepted;
//! - absent when no rule matched.

use kansoku_event::HttpRequest;

/// Syslog severity names, most severe first; ModSecurity numbers them 0–7 the same way.
const SEVERITIES: [&str; 8] = [
    "EMERGENCY",
    "ALERT",
    "CRITICAL",
    "ERROR",
    "WARNING",
    "NOTICE",
    "INFO",
    "DEBUG",
];

/// The severity's rank (0 is most severe) from a name or a number.
fn rank(s: &str) -> Option<usize> {
    let s = s.trim();
    if let Ok(n) = s.parse::<usize>() {
        return (n < SEVERITIES.len()).then_some(n);
    }
    SEVERITIES.iter().position(|n| n.eq_ignore_ascii_case(s))
}

/// Findings collected while reading one transaction.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    ids: Vec<String>,
    messages: Vec<String>,
    severity: Option<usize>,
    /// The WAF says it intercepted the request.
    pub intercepted: bool,
}

impl Findings {
    /// Adds one matched rule.
    pub fn add(&mut self, id: Option<String>, msg: Option<String>, severity: Option<&str>) {
        if let Some(r) = severity.and_then(rank) {
            self.severity = Some(self.severity.map_or(r, |s| s.min(r)));
        }
        if let Some(m) = &msg
            && says_intercepted(m)
        {
            self.intercepted = true;
        }
        if id.is_none() && msg.is_none() {
            return;
        }
        if let Some(id) = id
            && !self.ids.contains(&id)
        {
            self.ids.push(id);
        }
        if let Some(m) = msg {
            self.messages.push(m);
        }
    }

    /// Adds a message in ModSecurity's native text form:
    /// `Warning. Matched ... [id "942100"] [msg "..."] [severity "CRITICAL"]`.
    pub fn add_native(&mut self, text: &str) {
        if says_intercepted(text) {
            self.intercepted = true;
        }
        let msg = tag(text, "msg").or_else(|| {
            let head = text.split(" [").next().unwrap_or(text).trim();
            (!head.is_empty()).then(|| head.to_string())
        });
        self.add(tag(text, "id"), msg, tag(text, "severity").as_deref());
    }

    /// Whether any rule matched.
    pub fn matched(&self) -> bool {
        !self.ids.is_empty() || !self.messages.is_empty()
    }

    /// Writes the findings into the record; `blocked` is the format's own verdict.
    pub fn apply(self, rec: &mut HttpRequest, blocked: bool) {
        rec.waf_action = if blocked || self.intercepted {
            Some("block".into())
        } else if self.matched() {
            Some("log".into())
        } else {
            None
        };
        rec.waf_severity = self.severity.map(|r| SEVERITIES[r].to_string());
        rec.waf_rule_ids = self.ids;
        rec.waf_messages = self.messages;
    }
}

fn says_intercepted(text: &str) -> bool {
    text.starts_with("Access denied")
        || text.contains("ModSecurity: Access denied")
        || text.to_ascii_lowercase().contains("intercepted")
}

/// The value of `[name "value"]` in a native message.
pub(crate) fn tag(text: &str, name: &str) -> Option<String> {
    let open = format!("[{name} \"");
    let start = text.find(&open)? + open.len();
    let len = text[start..].find("\"]")?;
    Some(text[start..start + len].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_messages() {
        let mut f = Findings::default();
        f.add_native(r#"Warning. detected SQLi using libinjection. [file "/crs/REQUEST-942.conf"] [line "65"] [id "942100"] [msg "SQL Injection Attack Detected via libinjection"] [severity "CRITICAL"]"#);
        f.add_native(r#"Warning. Pattern match [id "920350"] [msg "Host header is a numeric IP address"] [severity "WARNING"]"#);
        let mut r = HttpRequest::default();
        f.apply(&mut r, false);
        assert_eq!(r.waf_rule_ids, ["942100", "920350"]);
        assert_eq!(
            r.waf_messages[0],
            "SQL Injection Attack Detected via libinjection"
        );
        assert_eq!(r.waf_severity.as_deref(), Some("CRITICAL"));
        assert_eq!(r.waf_action.as_deref(), Some("log"));
    }

    #[test]
    fn access_denied_blocks_and_numeric_severity_ranks() {
        let mut f = Findings::default();
        f.add(Some("1".into()), Some("x".into()), Some("4"));
        f.add_native(r#"Access denied with code 403 (phase 2). [id "949110"] [msg "Inbound Anomaly Score Exceeded"]"#);
        f.add(None, None, Some("2"));
        let mut r = HttpRequest::default();
        f.apply(&mut r, false);
        assert_eq!(r.waf_action.as_deref(), Some("block"));
        assert_eq!(r.waf_severity.as_deref(), Some("CRITICAL"));
    }

    #[test]
    fn nothing_matched_means_no_action() {
        let mut r = HttpRequest::default();
        Findings::default().apply(&mut r, false);
        assert_eq!(r.waf_action, None);
        assert!(r.waf_rule_ids.is_empty());
    }
}
