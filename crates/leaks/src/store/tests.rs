use std::path::{Path, PathBuf};

use super::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn offline() -> ImportOptions {
    ImportOptions {
        public_suffix_list: None,
        ..ImportOptions::default()
    }
}

fn import_files(store: &LeakStore, names: &[&str]) -> (Vec<Added>, Rebuild) {
    let lock = store.lock().expect("lock");
    let added = names
        .iter()
        .map(|n| {
            let bytes = fs::read(fixture(n)).expect("fixture");
            store.add_feed(&lock, n, &bytes).expect("add")
        })
        .collect();
    let rebuilt = store.rebuild(&lock, &offline()).expect("rebuild");
    (added, rebuilt)
}

fn table_files(lake: &Lake) -> Vec<String> {
    let mut names: Vec<String> = lake
        .files(table::LEAK)
        .expect("files")
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    names.sort();
    names
}

const FEEDS: [&str; 2] = ["ransomwatch_excerpt.json", "ransomware_live_excerpt.json"];

#[test]
fn importing_again_adds_nothing_and_order_of_imports_does_not_matter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path().join("one")).expect("lake");
    let store = LeakStore::new(&lake);
    let (added, first) = import_files(&store, &FEEDS[..1]);
    assert!(matches!(added[0], Added::New(_)));
    let (_, second) = import_files(&store, &FEEDS[1..]);
    // ransomware.live's older feed is a ransomwatch fork: the overlap merges.
    assert!(second.result.summary.duplicates_across_feeds > 0);
    assert!(second.result.posts.len() > first.result.posts.len());
    let files = table_files(&lake);

    let (added, again) = import_files(&store, &FEEDS);
    assert!(added.iter().all(|a| matches!(a, Added::Already(_))));
    assert_eq!(again.days_written, 0);
    assert_eq!(again.days_removed, 0);
    assert_eq!(table_files(&lake), files, "nothing rewritten");

    // Both feeds in one import give the same table, file for file.
    let together = Lake::open(dir.path().join("two")).expect("lake");
    let (_, both) = import_files(&LeakStore::new(&together), &FEEDS);
    assert_eq!(both.result.posts, second.result.posts);
    let strip = |v: Vec<String>, root: &Path| -> Vec<String> {
        let root = root.display().to_string();
        v.into_iter().map(|s| s.replace(&root, "")).collect()
    };
    assert_eq!(
        strip(table_files(&together), together.root()),
        strip(files, lake.root())
    );
}

#[test]
fn a_refreshed_feed_file_repeats_its_old_entries_without_creating_reposts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path()).expect("lake");
    let store = LeakStore::new(&lake);
    let full: serde_json::Value =
        serde_json::from_slice(&fs::read(fixture(FEEDS[0])).expect("read")).expect("json");
    let all = full.as_array().expect("array").clone();
    let old = serde_json::to_vec(&all[..10]).expect("json");
    let lock = store.lock().expect("lock");
    store.add_feed(&lock, "posts.json", &old).expect("add");
    let before = store.rebuild(&lock, &offline()).expect("rebuild");
    let new = serde_json::to_vec(&all).expect("json");
    store.add_feed(&lock, "posts.json", &new).expect("add");
    let after = store.rebuild(&lock, &offline()).expect("rebuild");
    assert_eq!(after.repeated_entries, 10);
    assert!(after.result.summary.is_consistent());

    let alone = Lake::open(dir.path().join("alone")).expect("lake");
    let alone_store = LeakStore::new(&alone);
    let l2 = alone_store.lock().expect("lock");
    alone_store.add_feed(&l2, "posts.json", &new).expect("add");
    let reference = alone_store.rebuild(&l2, &offline()).expect("rebuild");
    assert_eq!(after.result.posts, reference.result.posts);
    assert!(before.result.posts.len() < after.result.posts.len());
}

#[test]
fn a_file_that_is_not_a_feed_is_refused_and_archives_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path()).expect("lake");
    let store = LeakStore::new(&lake);
    let lock = store.lock().expect("lock");
    let bytes = fs::read(fixture("not_json.json")).expect("read");
    assert!(store.add_feed(&lock, "not_json.json", &bytes).is_err());
    assert!(store.feeds().expect("feeds").is_empty());
}
