//! What a RELP sender sends again. `omrelp` keeps every frame it has no answer for and,
//! when a session breaks (kansoku crashed, was killed, or the network dropped), opens a
//! new session and sends those frames first, in their order. kansoku answers a frame only
//! after spooling it, so the frames spooled in the instant before the break come back:
//! the new session starts with a run of messages that are, in order, the last ones an
//! earlier session spooled. That run is recognised and answered without being spooled
//! again, which makes RELP delivery exactly once.
//!
//! Each spooled RELP message is remembered by a digest of its time and text (the first
//! 128 bits of SHA-256), per session, the last [`WINDOW`] of each of the last
//! [`SESSIONS`] sessions. The spool records carry the session and the message's number in
//! it, so the memory is rebuilt after a crash: what the flusher committed with the lake
//! (`tails.json`) plus the records the spool still holds.
//!
//! The rule: the first message of a new session that equals one remembered starts a run
//! (at its earliest place in the most recent session holding it); each next message
//! equal to the next remembered one continues it; the first that differs ends it for
//! the rest of the session. A message identical in time and text to one of the last
//! unanswered ones of a broken session, sent first on the next session, is therefore
//! taken for a resend: with second-precision timestamps, a sender repeating the very
//! same line across a reconnection loses one copy of it.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// Messages remembered per session: eight times `omrelp`'s default window (128
/// unanswered frames), so a larger configured window is recognised too.
pub const WINDOW: usize = 1024;

/// Sessions remembered per source (the most recent ones).
pub const SESSIONS: usize = 16;

/// The digest of a spooled message: its time of receipt (as spooled) and its text.
pub fn digest(received: i64, message: &[u8]) -> u128 {
    let mut h = Sha256::new();
    h.update(received.to_le_bytes());
    h.update(message);
    let d = h.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&d[..16]);
    u128::from_le_bytes(first)
}

/// The last messages spooled by the recent sessions of one RELP source.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    /// Session number → its last messages.
    sessions: BTreeMap<u64, Tail>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Tail {
    /// Number of the last message noted (they count from 1 in each session).
    last: u64,
    /// Digests of the last messages, oldest first.
    digests: VecDeque<u128>,
}

/// Where a session stands against what earlier sessions spooled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Replay {
    /// No message seen yet.
    #[default]
    Start,
    /// Inside a run of resent messages: the next one expected is `next` of `session`.
    Following {
        /// The earlier session being resent.
        session: u64,
        /// Index of the next expected digest in its tail.
        next: usize,
    },
    /// Past any resend: everything is new.
    New,
}

impl Sent {
    /// Notes message number `seq` of `session` as spooled; numbers already noted are
    /// ignored (the same record seen from the committed memory and from the spool).
    pub fn note(&mut self, session: u64, seq: u64, digest: u128) {
        let tail = self.sessions.entry(session).or_default();
        if seq <= tail.last {
            return;
        }
        tail.last = seq;
        tail.digests.push_back(digest);
        if tail.digests.len() > WINDOW {
            tail.digests.pop_front();
        }
        while self.sessions.len() > SESSIONS {
            self.sessions.pop_first();
        }
    }

    /// Whether the next message of session `own`, with `digest`, is one an earlier
    /// session already spooled (see the module's rule); moves `state` on.
    pub fn resent(&self, own: u64, state: &mut Replay, digest: u128) -> bool {
        match *state {
            Replay::New => false,
            Replay::Start => {
                let found = self
                    .sessions
                    .iter()
                    .rev()
                    .filter(|(id, _)| **id != own)
                    .find_map(|(id, t)| Some((*id, t.digests.iter().position(|d| *d == digest)?)));
                *state = match found {
                    Some((session, at)) => Replay::Following {
                        session,
                        next: at + 1,
                    },
                    None => Replay::New,
                };
                found.is_some()
            }
            Replay::Following { session, next } => {
                let hit = self
                    .sessions
                    .get(&session)
                    .and_then(|t| t.digests.get(next))
                    == Some(&digest);
                *state = if hit {
                    Replay::Following {
                        session,
                        next: next + 1,
                    }
                } else {
                    Replay::New
                };
                hit
            }
        }
    }

    /// The largest session number remembered (0 when none).
    pub fn last_session(&self) -> u64 {
        self.sessions.keys().next_back().copied().unwrap_or(0)
    }

    /// Number of sessions remembered.
    pub fn sessions(&self) -> usize {
        self.sessions.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: u8) -> u128 {
        digest(0, &[n])
    }

    fn sent(session: u64, messages: &[u8]) -> Sent {
        let mut s = Sent::default();
        for (i, m) in messages.iter().enumerate() {
            s.note(session, i as u64 + 1, d(*m));
        }
        s
    }

    /// Which of `incoming` (in a new session) are taken for resends.
    fn replay(s: &Sent, incoming: &[u8]) -> Vec<bool> {
        let mut state = Replay::Start;
        incoming
            .iter()
            .map(|m| s.resent(99, &mut state, d(*m)))
            .collect()
    }

    #[test]
    fn the_resent_run_is_dropped_and_what_follows_is_kept() {
        let s = sent(1, &[1, 2, 3, 4, 5]);
        assert_eq!(replay(&s, &[4, 5, 6, 7]), [true, true, false, false]);
        assert_eq!(replay(&s, &[6, 7]), [false, false]);
        // A run ends at the first difference, even if a later message is remembered.
        assert_eq!(replay(&s, &[4, 6, 5]), [true, false, false]);
        // The run starts only with the session's first message.
        assert_eq!(replay(&s, &[9, 4, 5]), [false, false, false]);
    }

    #[test]
    fn repeated_lines_follow_the_longest_run() {
        let s = sent(1, &[7, 8, 7, 8]);
        assert_eq!(
            replay(&s, &[7, 8, 7, 8, 9]),
            [true, true, true, true, false]
        );
        assert_eq!(replay(&s, &[7, 8, 9]), [true, true, false]);
    }

    #[test]
    fn the_most_recent_session_is_followed_and_memory_is_bounded() {
        let mut s = sent(1, &[1, 2, 3]);
        s.note(2, 1, d(2));
        s.note(2, 2, d(5));
        assert_eq!(replay(&s, &[2, 5, 3]), [true, true, false]);
        // Noting the same number twice (committed memory, then the spool) changes nothing.
        let before = s.clone();
        s.note(2, 2, d(5));
        assert_eq!(s, before);
        for id in 10..10 + SESSIONS as u64 {
            s.note(id, 1, d(0));
        }
        assert_eq!(s.sessions(), SESSIONS);
        assert_eq!(replay(&s, &[1]), [false], "session 1 is forgotten");
        let mut long = Sent::default();
        for i in 0..(WINDOW as u64 + 10) {
            long.note(1, i + 1, digest(0, &i.to_le_bytes()));
        }
        let mut state = Replay::Start;
        assert!(!long.resent(2, &mut state, digest(0, &5u64.to_le_bytes())));
    }

    #[test]
    fn a_session_is_not_its_own_resend() {
        let s = sent(1, &[1, 2]);
        let mut state = Replay::Start;
        assert!(!s.resent(1, &mut state, d(1)));
    }

    #[test]
    fn the_memory_round_trips_through_json() {
        let s = sent(3, &[1, 2, 3]);
        let text = serde_json::to_string(&s).expect("serialize");
        let back: Sent = serde_json::from_str(&text).expect("deserialize");
        assert_eq!(back, s);
    }
}
