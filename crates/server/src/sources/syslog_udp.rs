//! Syslog over UDP: one message per datagram (several when a sender joins them with
//! newlines). UDP has no acknowledgement, so while the spool is full datagrams are read
//! and dropped, and counted, rather than left to overflow the kernel's buffer unseen. A
//! datagram from outside the source's allow-list is dropped unread and counted.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;

use tokio::net::UdpSocket;

use super::{SourceEnv, now_micros, stopped};
use crate::ServeError;
use crate::config::SourceConfig;

/// A bound UDP source.
pub struct SyslogUdp {
    socket: UdpSocket,
}

/// Datagrams gathered into one spool append at most.
const GATHER: usize = 512;

impl SyslogUdp {
    /// Binds the socket.
    pub async fn bind(cfg: &SourceConfig) -> Result<(SyslogUdp, SocketAddr), ServeError> {
        let addr = cfg.addr()?;
        let socket = UdpSocket::bind(addr)
            .await
            .map_err(|e| ServeError::Bind(cfg.name.clone(), addr.to_string(), e))?;
        let local = socket
            .local_addr()
            .map_err(|e| ServeError::Bind(cfg.name.clone(), addr.to_string(), e))?;
        Ok((SyslogUdp { socket }, local))
    }

    /// Receives until shutdown.
    pub async fn run(self, env: SourceEnv) {
        let mut buf = vec![0u8; 65536];
        let stop = stopped(env.shutdown.clone());
        tokio::pin!(stop);
        loop {
            let n = tokio::select! {
                r = self.socket.recv_from(&mut buf) => match r {
                    Ok((n, peer)) if env.admits(peer) => n,
                    // Outside the allow-list (counted), or a receive error.
                    _ => continue,
                },
                () = &mut stop => break,
            };
            let mut out = Vec::new();
            let mut taken = self.datagram(&env, &buf[..n], &mut out);
            for _ in 0..GATHER {
                match self.socket.try_recv_from(&mut buf) {
                    Ok((n, peer)) if env.admits(peer) => {
                        taken += self.datagram(&env, &buf[..n], &mut out);
                    }
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            if taken == 0 {
                continue;
            }
            let c = env.counters();
            if env.spool_full() {
                c.dropped.fetch_add(taken, Ordering::Relaxed);
                continue;
            }
            match env.append(out).await {
                Ok(()) => c.accepted.fetch_add(taken, Ordering::Relaxed),
                Err(_) => c.dropped.fetch_add(taken, Ordering::Relaxed),
            };
        }
    }

    fn datagram(&self, env: &SourceEnv, data: &[u8], out: &mut Vec<u8>) -> u64 {
        let now = now_micros();
        data.split(|&b| b == b'\n')
            .filter(|m| !m.is_empty())
            .map(|m| u64::from(env.take(out, m, true, now)))
            .sum()
    }
}
