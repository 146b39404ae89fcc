//! Tor exit lists of every format (exit-addresses, CollecTor tar archives, bulk lists,
//! Onionoo JSON), detected from their first bytes as `kansoku tor import` does.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kansoku_enrich::tor::import(std::io::Cursor::new(data), Some(1_700_006_400_000_000));
});
