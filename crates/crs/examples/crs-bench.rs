//! Times the engine on a combined-format access log, one thread, paranoia level 1:
//! `cargo run --release -p kansoku-crs --example crs-bench -- LOG [PL]`. Prints requests
//! per second and how many requests reached the threshold. (The production path parses
//! with kansoku-parse; this example splits lines crudely, for the engine's time alone.)

use std::io::BufRead;
use std::time::Instant;

use kansoku_crs::{Crs, LoadOptions, Request, Scratch};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: crs-bench LOG [PL]");
        std::process::exit(2);
    };
    let pl = args.get(1).and_then(|p| p.parse().ok()).unwrap_or(1);
    let opts = LoadOptions {
        paranoia_level: pl,
        ..LoadOptions::default()
    };
    let t = Instant::now();
    let crs = Crs::load(std::path::Path::new(kansoku_crs::DEBIAN_CRS), &opts).expect("loads");
    eprintln!("loaded in {:?}", t.elapsed());
    let re = regex::bytes::Regex::new(
        r#"^(\S+) \S+ \S+ \[[^\]]*\] "(\S+) (\S+) ([^"]*)" (\d+) \S+(?: "([^"]*)" "([^"]*)")?"#,
    )
    .expect("regex");
    let file = std::fs::File::open(path).expect("log");
    let lines: Vec<Vec<u8>> = std::io::BufReader::new(file)
        .split(b'\n')
        .map_while(Result::ok)
        .collect();
    let mut scratch = Scratch::default();
    let (mut n, mut attacks) = (0usize, 0usize);
    let t = Instant::now();
    for line in &lines {
        let Some(c) = re.captures(line) else { continue };
        let get = |i| c.get(i).map_or(&b""[..], |m| m.as_bytes());
        let mut headers: Vec<(&[u8], &[u8])> = vec![(b"Host", b"example.com")];
        if c.get(7).is_some() {
            headers.push((b"User-Agent", get(7)));
            headers.push((b"Referer", get(6)));
        }
        let req = Request {
            method: get(2),
            uri: get(3),
            protocol: get(4),
            headers,
            body: None,
            remote_addr: get(1),
            status: std::str::from_utf8(get(5))
                .ok()
                .and_then(|s| s.parse().ok()),
        };
        let v = crs.evaluate(&req, &mut scratch);
        n += 1;
        if v.attack {
            attacks += 1;
            if std::env::var_os("SHOW").is_some() {
                let ids: Vec<u32> = v.matches.iter().map(|m| m.id).collect();
                println!("{ids:?} {}", String::from_utf8_lossy(line));
            }
        }
    }
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "{n} requests in {secs:.2} s: {:.0} req/s; {attacks} reached the threshold",
        n as f64 / secs
    );
}
