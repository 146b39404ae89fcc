//! `kansoku.toml`, as `kansoku --config` reads it (settings, tenant map, mappings).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        // Compiling the context would read the rule and GeoIP files the text names; the
        // parse (serde, deny_unknown_fields, validation) is what hostile text reaches.
        let _ = kansoku_config::Config::parse(text);
    }
});
