//! Per-client request rate limit: one token bucket per peer IP address, in a bounded map.
//!
//! A bucket holds up to `burst` tokens and refills at `rate` tokens per second; each export
//! request takes one, and an empty bucket answers how long until the next token (429 +
//! Retry-After over HTTP, RESOURCE_EXHAUSTED + RetryInfo over gRPC).
//!
//! Memory is bounded by `max_clients` buckets. When the map is full, buckets that have refilled
//! completely are dropped first (forgetting them changes nothing: a new bucket starts full too);
//! only if every tracked client is still limited is the least recently seen one evicted, which can
//! at worst hand that client a fresh burst.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    max_clients: usize,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// `rate` requests per second per IP with bursts of `burst` (at least 1); `max_clients` buckets.
    pub fn new(rate: f64, burst: f64, max_clients: usize) -> Self {
        assert!(rate > 0.0 && rate.is_finite());
        RateLimiter { rate, burst: burst.max(1.0), max_clients: max_clients.max(1), buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token for `ip`, or says how long until one is available.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if !map.contains_key(&ip) && map.len() >= self.max_clients {
            self.evict(&mut map, now);
        }
        let b = map.entry(ip).or_insert(Bucket { tokens: self.burst, last: now });
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.rate).min(self.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / self.rate))
        }
    }

    fn evict(&self, map: &mut HashMap<IpAddr, Bucket>, now: Instant) {
        let (rate, burst) = (self.rate, self.burst);
        map.retain(|_, b| b.tokens + now.saturating_duration_since(b.last).as_secs_f64() * rate < burst);
        if map.len() >= self.max_clients {
            if let Some(oldest) = map.iter().min_by_key(|(_, b)| b.last).map(|(ip, _)| *ip) {
                map.remove(&oldest);
            }
        }
    }

    /// Clients currently tracked.
    pub fn tracked(&self) -> usize {
        self.buckets.lock().map(|m| m.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, n])
    }

    #[test]
    fn bucket_allows_burst_then_rate() {
        let rl = RateLimiter::new(10.0, 3.0, 100);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(rl.check(ip(1), t0).is_ok());
        }
        let wait = rl.check(ip(1), t0).unwrap_err();
        assert!(wait > Duration::from_millis(90) && wait <= Duration::from_millis(100), "{wait:?}");
        assert!(rl.check(ip(2), t0).is_ok(), "other clients are not affected");
        assert!(rl.check(ip(1), t0 + Duration::from_millis(100)).is_ok(), "refilled one token");
        assert!(rl.check(ip(1), t0 + Duration::from_millis(100)).is_err());
        // long idle: refills to the burst, not beyond
        let later = t0 + Duration::from_secs(60);
        for _ in 0..3 {
            assert!(rl.check(ip(1), later).is_ok());
        }
        assert!(rl.check(ip(1), later).is_err());
    }

    #[test]
    fn map_is_bounded_and_evicts_refilled_first() {
        let rl = RateLimiter::new(1.0, 2.0, 3);
        let t0 = Instant::now();
        // 1 and 2 are drained (limited), 3 is barely used
        for _ in 0..2 {
            rl.check(ip(1), t0).unwrap();
            rl.check(ip(2), t0).unwrap();
        }
        rl.check(ip(3), t0).unwrap();
        assert_eq!(rl.tracked(), 3);
        // 1.5 s later: 3 has refilled (full), 1 and 2 have not
        let t1 = t0 + Duration::from_millis(1500);
        rl.check(ip(4), t1).unwrap();
        assert_eq!(rl.tracked(), 3);
        assert!(rl.check(ip(1), t1).is_ok() && rl.check(ip(1), t1).is_err(), "limited client kept its state");
        // all limited now: the least recently seen is evicted, the map stays bounded
        for n in 5..50 {
            let _ = rl.check(ip(n), t1);
            assert!(rl.tracked() <= 3);
        }
    }
}
