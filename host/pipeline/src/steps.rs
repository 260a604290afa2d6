//! The steps of a run, in order. The persona's profile is fetched as a step of its own so that
//! the persona component's version and digest are recorded like every other component's.

use serde::Serialize;
use std::fmt;

/// One step of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Gather materials (git, changelogs, GitHub, feeds).
    Collect,
    /// Score and pick materials.
    Curate,
    /// Read the persona's profile.
    Persona,
    /// Derive the style guide from the persona and recent approved posts.
    Style,
    /// Single post or thread, and its beats.
    Plan,
    /// Write the tweets.
    Write,
    /// Review the draft.
    Critique,
    /// Check policy; the draft is created here.
    Check,
    /// Compose the reviewer's notification.
    Compose,
}

impl Step {
    /// Every step, in pipeline order; a step's index is its position here.
    pub const ALL: [Step; 9] = [
        Step::Collect,
        Step::Curate,
        Step::Persona,
        Step::Style,
        Step::Plan,
        Step::Write,
        Step::Critique,
        Step::Check,
        Step::Compose,
    ];

    /// Position in the pipeline.
    pub fn index(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// The step at `index`, if there is one.
    pub fn at(index: i64) -> Option<Step> {
        usize::try_from(index)
            .ok()
            .and_then(|i| Step::ALL.get(i).copied())
    }

    /// The stage name stored in agent_logs (the WIT world of its component).
    pub fn stage(self) -> &'static str {
        match self {
            Step::Collect => "collector",
            Step::Curate => "curator",
            Step::Persona => "persona",
            Step::Style => "style",
            Step::Plan => "thread-planner",
            Step::Write => "writer",
            Step::Critique => "critic",
            Step::Check => "policy",
            Step::Compose => "notifier",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.stage())
    }
}
