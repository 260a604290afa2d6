//! The draft state machine of seed 000, in one place. Every status change of a draft goes
//! through [`DraftStatus::apply`]; the store writes the result with a compare-and-set on the
//! old status, so an illegal or concurrent change is an error, never a silent write.
//!
//! ```text
//! [*] --> needs_human_attention : policy != PASS        (DraftStatus::initial)
//! [*] --> pending               : policy == PASS
//! pending --> publishing        : approve
//! pending --> skipped           : skip
//! pending --> expired           : token TTL elapsed
//! needs_human_attention --> pending  : edit + recheck (policy == PASS)
//! needs_human_attention --> skipped  : skip
//! needs_human_attention --> expired  : token TTL elapsed
//! publishing --> posted         : publish success
//! publishing --> dry_run_posted : publish success (dry run)
//! publishing --> error          : publish failure
//! error --> publishing          : resume (the v3 API's /resume; finishes a partly published thread)
//! ```
//!
//! `posted`, `dry_run_posted`, `skipped` and `expired` are final.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a draft is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftStatus {
    /// Passed policy; waiting for a reviewer.
    Pending,
    /// Policy warned or failed; a reviewer must edit or skip it.
    NeedsHumanAttention,
    /// Approved; the publisher is posting it.
    Publishing,
    /// Published on X.
    Posted,
    /// "Published" in dry-run mode: the exact payloads were recorded, nothing was sent.
    DryRunPosted,
    /// Publishing failed; `/resume` retries it.
    Error,
    /// A reviewer decided not to post it.
    Skipped,
    /// Nobody acted before its action tokens' TTL elapsed.
    Expired,
}

/// What happens to a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftEvent {
    /// A reviewer approved it (policy re-run on the final text passed).
    Approve,
    /// A reviewer skipped it.
    Skip,
    /// A reviewer edited it and the policy re-check passed.
    RecheckPassed,
    /// Every tweet was published.
    PublishSucceeded,
    /// Every tweet was "published" in dry-run mode.
    DryRunSucceeded,
    /// Publishing failed.
    PublishFailed,
    /// Publishing is resumed after a failure.
    Resume,
    /// The review window (action token TTL) elapsed.
    Expire,
}

/// A change the state machine does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a draft that is {from} cannot {event}")]
pub struct IllegalTransition {
    /// The status the draft is in.
    pub from: DraftStatus,
    /// What was attempted.
    pub event: DraftEvent,
}

impl DraftStatus {
    /// Every status, for exhaustive tests and listings.
    pub const ALL: [DraftStatus; 8] = [
        DraftStatus::Pending,
        DraftStatus::NeedsHumanAttention,
        DraftStatus::Publishing,
        DraftStatus::Posted,
        DraftStatus::DryRunPosted,
        DraftStatus::Error,
        DraftStatus::Skipped,
        DraftStatus::Expired,
    ];

    /// The status a new draft starts in, from the policy verdict.
    pub fn initial(policy_passed: bool) -> DraftStatus {
        if policy_passed {
            DraftStatus::Pending
        } else {
            DraftStatus::NeedsHumanAttention
        }
    }

    /// The status after `event`, or why it is not allowed.
    pub fn apply(self, event: DraftEvent) -> Result<DraftStatus, IllegalTransition> {
        use DraftEvent as E;
        use DraftStatus as S;
        let next = match (self, event) {
            (S::Pending, E::Approve) => S::Publishing,
            (S::Pending | S::NeedsHumanAttention, E::Skip) => S::Skipped,
            (S::Pending | S::NeedsHumanAttention, E::Expire) => S::Expired,
            (S::NeedsHumanAttention, E::RecheckPassed) => S::Pending,
            (S::Publishing, E::PublishSucceeded) => S::Posted,
            (S::Publishing, E::DryRunSucceeded) => S::DryRunPosted,
            (S::Publishing, E::PublishFailed) => S::Error,
            (S::Error, E::Resume) => S::Publishing,
            (from, event) => return Err(IllegalTransition { from, event }),
        };
        Ok(next)
    }

    /// Whether nothing can happen to the draft any more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            DraftStatus::Posted
                | DraftStatus::DryRunPosted
                | DraftStatus::Skipped
                | DraftStatus::Expired
        )
    }

    /// Whether a reviewer may still change the text.
    pub fn is_editable(self) -> bool {
        matches!(
            self,
            DraftStatus::Pending | DraftStatus::NeedsHumanAttention
        )
    }

    /// The name stored in the database and used by the API.
    pub fn as_str(self) -> &'static str {
        match self {
            DraftStatus::Pending => "pending",
            DraftStatus::NeedsHumanAttention => "needs_human_attention",
            DraftStatus::Publishing => "publishing",
            DraftStatus::Posted => "posted",
            DraftStatus::DryRunPosted => "dry_run_posted",
            DraftStatus::Error => "error",
            DraftStatus::Skipped => "skipped",
            DraftStatus::Expired => "expired",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<DraftStatus> {
        DraftStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl fmt::Display for DraftStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for DraftEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DraftEvent::Approve => "be approved",
            DraftEvent::Skip => "be skipped",
            DraftEvent::RecheckPassed => "return to pending after a passing re-check",
            DraftEvent::PublishSucceeded => "be marked posted",
            DraftEvent::DryRunSucceeded => "be marked dry-run posted",
            DraftEvent::PublishFailed => "be marked failed",
            DraftEvent::Resume => "resume publishing",
            DraftEvent::Expire => "expire",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DraftEvent as E;
    use DraftStatus as S;

    const EVENTS: [DraftEvent; 8] = [
        E::Approve,
        E::Skip,
        E::RecheckPassed,
        E::PublishSucceeded,
        E::DryRunSucceeded,
        E::PublishFailed,
        E::Resume,
        E::Expire,
    ];

    /// Every legal edge of seed 000 (plus error --resume--> publishing).
    const LEGAL: [(DraftStatus, DraftEvent, DraftStatus); 10] = [
        (S::Pending, E::Approve, S::Publishing),
        (S::Pending, E::Skip, S::Skipped),
        (S::Pending, E::Expire, S::Expired),
        (S::NeedsHumanAttention, E::RecheckPassed, S::Pending),
        (S::NeedsHumanAttention, E::Skip, S::Skipped),
        (S::NeedsHumanAttention, E::Expire, S::Expired),
        (S::Publishing, E::PublishSucceeded, S::Posted),
        (S::Publishing, E::DryRunSucceeded, S::DryRunPosted),
        (S::Publishing, E::PublishFailed, S::Error),
        (S::Error, E::Resume, S::Publishing),
    ];

    #[test]
    fn every_pair_is_legal_exactly_when_listed() {
        for from in S::ALL {
            for event in EVENTS {
                let expected = LEGAL
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == event)
                    .map(|(_, _, to)| *to);
                match (from.apply(event), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from} + {event:?}"),
                    (Err(err), None) => {
                        assert_eq!(err, IllegalTransition { from, event });
                        assert!(err.to_string().contains(from.as_str()));
                    }
                    (got, want) => panic!("{from} + {event:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn final_states_accept_nothing() {
        for from in S::ALL.into_iter().filter(|s| s.is_final()) {
            assert!(EVENTS.iter().all(|e| from.apply(*e).is_err()), "{from}");
        }
    }

    #[test]
    fn initial_state_follows_the_verdict() {
        assert_eq!(S::initial(true), S::Pending);
        assert_eq!(S::initial(false), S::NeedsHumanAttention);
    }

    #[test]
    fn names_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert_eq!(S::parse("approved"), None);
    }
}
