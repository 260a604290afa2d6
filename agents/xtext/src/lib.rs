//! X's text rules, shared by the agents that write, review and check tweets:
//! the weighted length X counts a tweet by (twitter-text v3), finding the
//! URLs X shortens to t.co links, and fitting text under the limit.
//!
//! One implementation, so that what the writer composes, what the critic
//! judges and what the policy agent lets through are all counted the same
//! way. Plain `std`: it builds natively and for wasm32 alike.

mod fit;
mod urls;
mod weighted_length;

pub use fit::truncate_to;
pub use urls::{find_urls, host_of, is_url};
pub use weighted_length::{
    EMOJI_WEIGHT, MAX_TWEET_WEIGHT, URL_WEIGHT, code_point_weight, weighted_length,
};
