//! Runs Debian's CRS (paranoia level 1) on each line of a payload file placed in a query
//! parameter, as `kansoku eval` does, and prints the lines that reach the threshold with
//! the rules that fired: `cargo run -p kansoku-crs --example crs-payloads -- FILE`.

use std::io::BufRead;

use kansoku_crs::{Crs, LoadOptions, Request, Scratch};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: crs-payloads FILE");
        std::process::exit(2);
    };
    let crs = Crs::load(
        std::path::Path::new(kansoku_crs::DEBIAN_CRS),
        &LoadOptions::default(),
    )
    .expect("loads");
    let mut scratch = Scratch::default();
    let file = std::fs::File::open(path).expect("file");
    let (mut n, mut flagged) = (0, 0);
    for line in std::io::BufReader::new(file).lines().map_while(Result::ok) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        n += 1;
        let uri = format!("/search?lang=en&q={line}");
        let req = Request {
            method: b"GET",
            uri: uri.as_bytes(),
            protocol: b"HTTP/1.1",
            headers: vec![(b"Host", b"example.com"), (b"User-Agent", b"Mozilla/5.0")],
            remote_addr: b"198.51.100.7",
            ..Default::default()
        };
        let v = crs.evaluate(&req, &mut scratch);
        if v.attack {
            flagged += 1;
            let ids: Vec<String> = v
                .matches
                .iter()
                .map(|m| format!("{}:{}", m.id, String::from_utf8_lossy(&m.value)))
                .collect();
            println!("{line}\n    {}", ids.join(" | "));
        }
    }
    eprintln!("{flagged} of {n} reached the threshold");
}
