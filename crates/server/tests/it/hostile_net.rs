//! Senders who aim at the server itself (issue 30): a flood of idle connections must not
//! lock real senders out, on the flooded source or on another one, and must not hold up
//! shutdown.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use crate::common::*;

/// The test process holds the flood's sockets and the server's: more than the usual soft
/// limit of 1,024 descriptors.
fn raise_descriptor_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if let Some(max) = limit.maximum {
        limit.current = Some(max.min(65_536));
        let _ = setrlimit(Resource::Nofile, limit);
    }
}

/// Sends one syslog line on a new connection and waits until the server closes it.
fn send(addr: &str, path: &str) {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return;
    };
    let line = format!(
        "<13>Oct  1 01:00:00 web1 nginx: {}\n",
        combined("198.51.100.7", path)
    );
    let _ = s.write_all(line.as_bytes());
    let _ = s.shutdown(Shutdown::Write);
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = s.read(&mut [0u8; 16]);
}

#[test]
fn a_flood_of_idle_connections_does_not_lock_out_real_senders() {
    raise_descriptor_limit();
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let extra = "[[source]]\nname = \"flooded\"\nkind = \"syslog-tcp\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\nmax_connections = 64\nidle_timeout_secs = 1\n[[source]]\nname = \"other\"\nkind = \"syslog-tcp\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\n";
    let server = start(&config_text(&data, extra));
    let flooded = server.addr("flooded").to_string();
    let board = server.addr("dashboard").to_string();
    // A thousand connections that never send a byte.
    let idle: Vec<TcpStream> = (0..1000)
        .filter_map(|_| TcpStream::connect(&flooded).ok())
        .collect();
    assert!(idle.len() >= 900, "only {} connections opened", idle.len());
    let stored = |path: &str| {
        column(
            &data,
            &format!("SELECT count(*) FROM http WHERE path = '{path}'"),
        )
        .first()
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0)
    };
    // Another source is untouched by the flood.
    send(server.addr("other"), "/other");
    wait_for(30, "the other source's line", || stored("/other") == 1);
    // On the flooded source, a real sender gets in: the excess was closed at once, and
    // the slots the flood held are freed by the idle timeout.
    wait_for(30, "a real sender's line through the flood", || {
        send(&flooded, "/real");
        stored("/real") >= 1
    });
    let count = |what: &str| {
        metric(
            &board,
            &format!("kansoku_connections_{what}_total{{source=\"flooded\""),
        )
    };
    // Every flood socket is either closed at once (no slot) or, holding a slot, closed
    // after the idle timeout; how many of each depends on the machine's speed.
    wait_for(30, "every flood connection closed by the server", || {
        count("refused") + count("idle_closed") >= idle.len() as u64
    });
    let (refused, idle_closed) = (count("refused"), count("idle_closed"));
    assert!(refused >= 1, "no connection was closed at once");
    assert!(idle_closed >= 1, "no idle connection was closed");
    // Shutdown does not wait for the flood's sockets, still open on this side.
    let summary = server.stop();
    assert!(summary.stored >= 2);
    drop(idle);
    println!(
        "hostile_net: 1000 idle connections, {refused} closed at once, {idle_closed} closed idle; real senders stored"
    );
}
