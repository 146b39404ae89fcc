//! Name-based UUIDs (RFC 4122 version 5, SHA-1), so the same observation exported twice
//! gets the same STIX and MISP ids and a subscriber updates instead of duplicating.

use sha1::{Digest, Sha1};

/// The STIX 2.1 namespace for deterministic cyber-observable ids (STIX 2.1 §2.9).
pub const STIX_SCO_NAMESPACE: [u8; 16] = [
    0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7,
];

/// kansoku's namespace for every other id (a v5 UUID of "kansoku" in the URL namespace).
pub const KANSOKU_NAMESPACE: [u8; 16] = [
    0x6b, 0x61, 0x6e, 0x73, 0x6f, 0x6b, 0x75, 0x2d, 0x8e, 0x00, 0x4b, 0x3a, 0x9f, 0x10, 0x00, 0x01,
];

/// The version-5 UUID of `name` in `namespace`, in its lower-case hyphenated form.
pub fn v5(namespace: &[u8; 16], name: &str) -> String {
    let mut h = Sha1::new();
    h.update(namespace);
    h.update(name.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_stix_specification_example() {
        // Python: uuid.uuid5(uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7"), '{"value":"198.51.100.3"}')
        let id = v5(&STIX_SCO_NAMESPACE, r#"{"value":"198.51.100.3"}"#);
        assert_eq!(id, "28bb3599-77cd-5a82-a950-b5bc3caf07c4");
    }
}
