//! Sigma rule files: imported (webserver rules) and compiled alone.
#![no_main]

use kansoku_detect::RuleSet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = RuleSet::from_sigma_text("fuzz.yml", text);
    }
});
