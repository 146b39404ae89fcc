//! The Tor exit-list parsers on any bytes: no panic; and the list written from
//! generated addresses reads back to exactly those addresses.

use std::io::Cursor;
use std::net::{IpAddr, Ipv4Addr};

use kansoku_enrich::tor::{import, parse_bulk_list, parse_exit_addresses, parse_onionoo};
use proptest::prelude::*;

const DAY: i64 = 1_665_792_000_000_000; // 2022-10-15 00:00 UTC

fn listy() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"ExitNode FE39F07EBE7870DCE124AB30DF3ABD0700A43F75\n".to_vec()),
        Just(b"Published 2024-03-11 13:07:19\n".to_vec()),
        Just(b"ExitAddress 185.241.208.232 2024-03-12 08:10:51\n".to_vec()),
        Just(b"{\"relays\":[{\"exit_addresses\":[\"1.2.3.4\"],\"last_seen\":\"".to_vec()),
        Just(b"2001:db8::1\n".to_vec()),
        Just(b"102.130.113.9\n".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..24),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|p| p.concat())
}

proptest! {
    #[test]
    fn no_exit_list_input_panics(bytes in listy()) {
        let _ = import(Cursor::new(&bytes), Some(DAY));
        let _ = parse_exit_addresses(Cursor::new(&bytes));
        let _ = parse_bulk_list(Cursor::new(&bytes), DAY);
        let _ = parse_onionoo(Cursor::new(&bytes));
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = import(Cursor::new(&bytes), Some(DAY));
    }

    #[test]
    fn a_bulk_list_reads_back_its_addresses(addrs in proptest::collection::vec(any::<u32>(), 1..40)) {
        let text: String = addrs.iter().map(|a| format!("{}\n", Ipv4Addr::from(*a))).collect();
        let got = parse_bulk_list(Cursor::new(text.as_bytes()), DAY).expect("a valid list");
        let want: Vec<IpAddr> = addrs.iter().map(|a| IpAddr::V4(Ipv4Addr::from(*a))).collect();
        let read: Vec<IpAddr> = got.observations.iter().map(|o| o.ip).collect();
        prop_assert_eq!(read, want);
        prop_assert_eq!(got.malformed, 0);
    }

    #[test]
    fn exit_addresses_read_back(addrs in proptest::collection::vec(any::<u32>(), 1..20)) {
        let mut text = String::new();
        for (i, a) in addrs.iter().enumerate() {
            text.push_str(&format!(
                "ExitNode {:040X}\nPublished 2024-03-11 13:07:19\nLastStatus 2024-03-12 08:00:00\nExitAddress {} 2024-03-12 08:10:51\n",
                i,
                Ipv4Addr::from(*a)
            ));
        }
        let got = parse_exit_addresses(Cursor::new(text.as_bytes())).expect("valid");
        prop_assert_eq!(got.relays, addrs.len());
        let read: Vec<IpAddr> = got.observations.iter().map(|o| o.ip).collect();
        let want: Vec<IpAddr> = addrs.iter().map(|a| IpAddr::V4(Ipv4Addr::from(*a))).collect();
        prop_assert_eq!(read, want);
    }
}
