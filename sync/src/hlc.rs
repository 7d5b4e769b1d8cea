//! Hybrid logical clock stamps, written `"<physical ms>:<logical>:<node>"`.
//!
//! Stamps order by physical time, then the logical counter, then the node id, so two different
//! devices never produce equal stamps and every replica picks the same winner.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hlc {
    pub physical_ms: u64,
    pub logical: u32,
    pub node: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HlcParseError {
    #[error("an HLC stamp has the form <physical ms>:<logical>:<node>")]
    Shape,
    #[error("the physical part of an HLC stamp is not a whole number of milliseconds")]
    Physical,
    #[error("the logical part of an HLC stamp is not a whole number")]
    Logical,
    #[error("the node part of an HLC stamp must be 1 to 64 characters without ':'")]
    Node,
}

impl Hlc {
    pub fn new(physical_ms: u64, logical: u32, node: impl Into<String>) -> Self {
        Self {
            physical_ms,
            logical,
            node: node.into(),
        }
    }

    /// The stamp for a local event at wall time `now_ms`, after `self` (the last stamp seen).
    pub fn tick(&self, now_ms: u64, node: &str) -> Hlc {
        if now_ms > self.physical_ms {
            Hlc::new(now_ms, 0, node)
        } else {
            Hlc::new(self.physical_ms, self.logical.saturating_add(1), node)
        }
    }

    /// The stamp after receiving `remote` at wall time `now_ms`.
    pub fn receive(&self, remote: &Hlc, now_ms: u64, node: &str) -> Hlc {
        let physical = now_ms.max(self.physical_ms).max(remote.physical_ms);
        let logical = if physical == self.physical_ms && physical == remote.physical_ms {
            self.logical.max(remote.logical).saturating_add(1)
        } else if physical == self.physical_ms {
            self.logical.saturating_add(1)
        } else if physical == remote.physical_ms {
            remote.logical.saturating_add(1)
        } else {
            0
        };
        Hlc::new(physical, logical, node)
    }
}

impl Ord for Hlc {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.physical_ms, self.logical, &self.node).cmp(&(
            other.physical_ms,
            other.logical,
            &other.node,
        ))
    }
}

impl PartialOrd for Hlc {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.physical_ms, self.logical, self.node)
    }
}

impl FromStr for Hlc {
    type Err = HlcParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.splitn(3, ':');
        let (Some(p), Some(l), Some(n)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(HlcParseError::Shape);
        };
        let physical_ms = p.parse().map_err(|_| HlcParseError::Physical)?;
        let logical = l.parse().map_err(|_| HlcParseError::Logical)?;
        if n.is_empty() || n.len() > 64 || n.contains(':') {
            return Err(HlcParseError::Node);
        }
        Ok(Hlc::new(physical_ms, logical, n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn stamps_order_by_time_then_counter_then_node() {
        let a = Hlc::new(10, 0, "a");
        assert!(a < Hlc::new(10, 1, "a"));
        assert!(Hlc::new(10, 9, "z") < Hlc::new(11, 0, "a"));
        assert!(a < Hlc::new(10, 0, "b"));
    }

    #[test]
    fn a_tick_with_a_clock_behind_still_moves_forward() {
        let last = Hlc::new(1_000, 3, "a");
        let next = last.tick(900, "a");
        assert!(next > last);
        assert_eq!(next, Hlc::new(1_000, 4, "a"));
    }

    #[test]
    fn malformed_stamps_are_refused() {
        assert_eq!("12:0".parse::<Hlc>(), Err(HlcParseError::Shape));
        assert_eq!("x:0:a".parse::<Hlc>(), Err(HlcParseError::Physical));
        assert_eq!("1:-1:a".parse::<Hlc>(), Err(HlcParseError::Logical));
        assert_eq!("1:0:".parse::<Hlc>(), Err(HlcParseError::Node));
    }

    proptest! {
        #[test]
        fn display_and_parse_round_trip(p in any::<u64>(), l in any::<u32>(), n in "[a-zA-Z0-9_-]{1,64}") {
            let h = Hlc::new(p, l, n);
            prop_assert_eq!(h.to_string().parse::<Hlc>(), Ok(h));
        }

        #[test]
        fn receive_is_after_both_inputs(
            a in (0u64..1_000, 0u32..5), b in (0u64..1_000, 0u32..5), now in 0u64..1_000
        ) {
            let local = Hlc::new(a.0, a.1, "local");
            let remote = Hlc::new(b.0, b.1, "remote");
            let next = local.receive(&remote, now, "local");
            prop_assert!((next.physical_ms, next.logical) > (local.physical_ms, local.logical));
            prop_assert!((next.physical_ms, next.logical) > (remote.physical_ms, remote.logical));
        }
    }
}
