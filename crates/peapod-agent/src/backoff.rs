//! The kubelet's restart back-off per container: 10 s doubling to 300 s, measured from the last
//! exit, and forgotten once a container ran cleanly for 10 minutes.

use std::time::Duration;

pub const INITIAL: Duration = Duration::from_secs(10);
pub const MAX: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backoff {
    /// The delay that applies after the latest restart; None = no entry.
    delay: Option<Duration>,
    /// When (unix secs) the entry was last advanced.
    last_update: i64,
}

impl Backoff {
    /// Whether a restart of a container that finished at `finished_at` must still wait at `now`;
    /// returns the remaining wait and the current delay.
    pub fn remaining(&self, finished_at: i64, now: i64) -> Option<(Duration, Duration)> {
        let delay = self.delay?;
        if self.expired(finished_at) {
            return None;
        }
        let since = Duration::from_secs(now.saturating_sub(finished_at).max(0) as u64);
        (since < delay).then(|| (delay - since, delay))
    }

    fn expired(&self, finished_at: i64) -> bool {
        finished_at - self.last_update > 2 * MAX.as_secs() as i64
    }

    /// Records a restart at `now`: the next one waits 10 s, then 20 s, ... up to 300 s.
    pub fn advance(&mut self, finished_at: i64, now: i64) {
        if self.expired(finished_at) {
            self.delay = None;
        }
        self.delay = Some(match self.delay {
            None => INITIAL,
            Some(d) => (d * 2).min(MAX),
        });
        self.last_update = now;
    }
}

/// Go's duration formatting for back-off messages: `10s`, `1m20s`, `5m0s`.
pub fn go_duration(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, m, s) => format!("{h}h{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_to_the_cap() {
        let mut b = Backoff::default();
        // First failure: restart at once, then 10 s, 20 s, 40 s, ...
        assert_eq!(b.remaining(100, 100), None);
        b.advance(100, 100);
        assert_eq!(
            b.remaining(100, 105),
            Some((Duration::from_secs(5), INITIAL))
        );
        assert_eq!(b.remaining(100, 110), None);
        let mut delays = Vec::new();
        for i in 0..8 {
            b.advance(200 + i, 200 + i);
            delays.push(b.delay.unwrap().as_secs());
        }
        assert_eq!(delays, [20, 40, 80, 160, 300, 300, 300, 300]);
    }

    #[test]
    fn resets_after_ten_minutes_of_running() {
        let mut b = Backoff::default();
        b.advance(0, 0);
        b.advance(10, 10);
        // The container then ran for 11 minutes before failing again.
        assert_eq!(b.remaining(700, 700), None);
        b.advance(700, 700);
        assert_eq!(b.delay, Some(INITIAL));
    }

    #[test]
    fn formats_like_go() {
        assert_eq!(go_duration(Duration::from_secs(10)), "10s");
        assert_eq!(go_duration(Duration::from_secs(80)), "1m20s");
        assert_eq!(go_duration(Duration::from_secs(300)), "5m0s");
    }
}
