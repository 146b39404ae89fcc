//! Leak-feed parsing on any bytes and any JSON: no panic, every entry either
//! read or set aside; and generated ransomwatch entries read back.

use kansoku_leaks::feed::parse_feed;
use proptest::prelude::*;

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "\\PC{0,12}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("2022-07-01 08:32:06.456924")),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("post_title".to_string()),
                    Just("group_name".to_string()),
                    Just("discovered".to_string()),
                    Just("victim".to_string()),
                    Just("country".to_string()),
                    Just("published".to_string()),
                    "[a-z_]{1,8}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_feed("fuzz.json", &bytes);
    }

    #[test]
    fn any_json_is_read_or_set_aside(v in json_value()) {
        let bytes = serde_json::to_vec(&v).expect("json");
        if let Ok(f) = parse_feed("prop.json", &bytes) {
            prop_assert_eq!(f.posts.len() + f.malformed.len(), f.entries);
        }
    }

    #[test]
    fn ransomwatch_entries_read_back(titles in proptest::collection::vec("[A-Za-z][A-Za-z0-9 .,-]{0,30}", 1..12)) {
        let entries: Vec<serde_json::Value> = titles
            .iter()
            .map(|t| serde_json::json!({"post_title": t, "group_name": "lockbit3", "discovered": "2022-07-01 08:32:06.456924"}))
            .collect();
        let bytes = serde_json::to_vec(&entries).expect("json");
        let f = parse_feed("rw.json", &bytes).expect("a ransomwatch feed");
        prop_assert_eq!(f.entries, titles.len());
        prop_assert_eq!(f.posts.len(), titles.len(), "{:?}", f.malformed);
        let read: Vec<&str> = f.posts.iter().map(|p| p.title.as_str()).collect();
        // Titles are read trimmed (feeds pad them).
        let want: Vec<&str> = titles.iter().map(|t| t.trim()).collect();
        prop_assert_eq!(read, want);
    }
}
