//! Upgrade review: what a new version of a component asks for beyond the version it replaces.
//!
//! Each capability compares its own grant (`capability::*::review`), so the meaning of "wider"
//! lives next to the policy that enforces the grant; this module adds the limits and the world,
//! and decides: a version that widens anything waits for an administrator's confirmation, while
//! one that only narrows (or changes nothing the sandbox enforces) activates at once.

use crate::events::ComponentId;
use crate::manifest::{Limits, ManifestEntry};
use serde::Serialize;
use std::time::SystemTime;

/// Whether a change gives the component more or less than before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// More: a new origin, a higher limit, a new grant. Needs confirmation.
    Widened,
    /// Less: activates at once.
    Narrowed,
}

/// One difference between two manifest entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What changed, e.g. `grants.http.allow https://api.example.com` or `limits.memory_bytes`.
    pub what: String,
    /// The old value (`None`: it was not there).
    pub old: Option<String>,
    /// The new value (`None`: it is gone).
    pub new: Option<String>,
    /// More or less than before.
    pub direction: Direction,
}

impl Change {
    /// A change of `what` from `old` to `new`.
    pub fn new(
        what: impl Into<String>,
        old: Option<String>,
        new: Option<String>,
        direction: Direction,
    ) -> Change {
        Change {
            what: what.into(),
            old,
            new,
            direction,
        }
    }
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = match self.direction {
            Direction::Widened => '+',
            Direction::Narrowed => '-',
        };
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
        write!(
            f,
            "{sign} {}: {} -> {}",
            self.what,
            show(&self.old),
            show(&self.new)
        )
    }
}

/// Compares a number where more is wider; `None` means "no bound" (the widest).
pub(crate) fn bound<T: PartialOrd + ToString>(
    what: &str,
    old: Option<T>,
    new: Option<T>,
    out: &mut Vec<Change>,
) {
    let direction = match (&old, &new) {
        (Some(o), Some(n)) if n > o => Direction::Widened,
        (Some(o), Some(n)) if n < o => Direction::Narrowed,
        (Some(_), None) => Direction::Widened,
        (None, Some(_)) => Direction::Narrowed,
        _ => return,
    };
    let show = |v: Option<T>| Some(v.map_or_else(|| "unbounded".to_owned(), |v| v.to_string()));
    out.push(Change::new(what, show(old), show(new), direction));
}

/// Compares two lists where every added item widens and every removed one narrows.
pub(crate) fn items(what: &str, old: &[String], new: &[String], out: &mut Vec<Change>) {
    for added in new.iter().filter(|n| !old.contains(n)) {
        out.push(Change::new(
            what,
            None,
            Some(added.clone()),
            Direction::Widened,
        ));
    }
    for removed in old.iter().filter(|o| !new.contains(o)) {
        out.push(Change::new(
            what,
            Some(removed.clone()),
            None,
            Direction::Narrowed,
        ));
    }
}

/// Compares a grant that may be absent: an absent grant counts as `nothing` (no origins, no
/// keys, zero budgets), so a new grant lists each thing it allows, one change each.
pub(crate) fn grant<G>(
    old: Option<&G>,
    new: Option<&G>,
    nothing: G,
    out: &mut Vec<Change>,
    compare: impl FnOnce(&G, &G, &mut Vec<Change>),
) {
    if old.is_none() && new.is_none() {
        return;
    }
    compare(old.unwrap_or(&nothing), new.unwrap_or(&nothing), out);
}

/// Every grant and limit difference between the serving entry `old` and the candidate `new`.
pub fn diff(old: &ManifestEntry, new: &ManifestEntry) -> Vec<Change> {
    let mut out = Vec::new();
    if old.stage != new.stage {
        // Another world is another set of imports and inputs: never an automatic upgrade.
        out.push(Change::new(
            "world",
            Some(old.stage.world().into()),
            Some(new.stage.world().into()),
            Direction::Widened,
        ));
    }
    let (o, n) = (&old.grants, &new.grants);
    crate::capability::http::review(o.http.as_ref(), n.http.as_ref(), &mut out);
    crate::capability::llm::review(o.llm.as_ref(), n.llm.as_ref(), &mut out);
    crate::capability::repo::review(o.repo.as_ref(), n.repo.as_ref(), &mut out);
    crate::capability::config::review(o.config.as_ref(), n.config.as_ref(), &mut out);
    limits(&old.limits, &new.limits, &mut out);
    out
}

fn limits(old: &Limits, new: &Limits, out: &mut Vec<Change>) {
    bound(
        "limits.memory_bytes",
        Some(old.memory_bytes),
        Some(new.memory_bytes),
        out,
    );
    bound(
        "limits.wall_clock_ms",
        Some(old.wall_clock_ms),
        Some(new.wall_clock_ms),
        out,
    );
    bound("limits.fuel", old.fuel, new.fuel, out);
    bound(
        "limits.max_output_bytes",
        Some(old.max_output_bytes),
        Some(new.max_output_bytes),
        out,
    );
}

/// Whether any change asks for more than before.
pub fn widens(changes: &[Change]) -> bool {
    changes.iter().any(|c| c.direction == Direction::Widened)
}

/// A new version held back until an administrator confirms what it widens.
#[derive(Debug, Clone, Serialize)]
pub struct PendingUpgrade {
    /// The version that keeps serving.
    pub from: ComponentId,
    /// The version waiting.
    pub to: ComponentId,
    /// Everything that differs (widened and narrowed).
    pub changes: Vec<Change>,
    /// The candidate's manifest entry as signed (what a confirmation is bound to).
    pub signed_form: String,
    /// When it was first seen waiting.
    #[serde(with = "crate::review::unix_ms")]
    pub since: SystemTime,
}

/// What a confirmation is bound to: the exact bytes and the exact entry (grants and limits).
/// Changing either needs a new confirmation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Confirmation {
    /// The component.
    pub name: String,
    /// `sha256:<hex>` of the confirmed file.
    pub digest: String,
    /// `sha256:<hex>` of the confirmed entry's signed form.
    pub form_digest: String,
}

impl Confirmation {
    /// The confirmation of `name` at `digest` with the entry `signed_form`.
    pub fn of(name: &str, digest: &str, signed_form: &str) -> Confirmation {
        Confirmation {
            name: name.to_owned(),
            digest: digest.to_owned(),
            form_digest: dailyx_signing::sha256_digest(signed_form.as_bytes()),
        }
    }
}

pub(crate) mod unix_ms {
    use serde::Serializer;
    use std::time::{SystemTime, UNIX_EPOCH};

    pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        let ms = t
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        s.serialize_u64(ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Manifest;
    use std::path::Path;

    /// An entry with `grants_and_limits` written relative to the entry (`[grants.llm]`).
    fn entry(grants_and_limits: &str) -> ManifestEntry {
        let grants_and_limits = grants_and_limits
            .replace("[grants", "[component.grants")
            .replace("[limits", "[component.limits");
        let text = format!(
            "[[component]]\nname = \"w\"\nversion = \"0.1.0\"\nworld = \"writer\"\n{grants_and_limits}"
        );
        Manifest::parse(&text, Path::new("registry.toml"))
            .expect("valid manifest")
            .components["w"]
            .clone()
    }

    #[test]
    fn identical_entries_have_no_changes() {
        let e = entry("[grants.llm]\nmax_tokens_per_run = 100\n");
        assert!(diff(&e, &e).is_empty());
    }

    #[test]
    fn a_new_origin_widens_and_a_removed_one_narrows() {
        let old = entry(
            "[[grants.http.allow]]\norigin = \"https://api.github.com\"\n[[grants.http.allow]]\norigin = \"https://old.example\"\n",
        );
        let new = entry(
            "[[grants.http.allow]]\norigin = \"https://api.github.com\"\n[[grants.http.allow]]\norigin = \"https://evil.example\"\n",
        );
        let changes = diff(&old, &new);
        assert!(widens(&changes));
        let shown: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
        assert_eq!(
            shown,
            [
                "+ grants.http.allow https://evil.example: (none) -> GET /",
                "- grants.http.allow https://old.example: GET / -> (none)",
            ]
        );
    }

    #[test]
    fn more_methods_or_paths_on_one_origin_widen() {
        let old = entry("[[grants.http.allow]]\norigin = \"https://a.example\"\n");
        let new = entry(
            "[[grants.http.allow]]\norigin = \"https://a.example\"\nmethods = [\"GET\", \"POST\"]\n",
        );
        let changes = diff(&old, &new);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].direction, Direction::Widened);
        assert!(changes[0].to_string().contains("POST"), "{}", changes[0]);
    }

    #[test]
    fn lower_limits_and_a_removed_grant_only_narrow() {
        let old =
            entry("[grants.llm]\nmax_tokens_per_run = 100\n[limits]\nmemory_bytes = 2000000\n");
        let new = entry("[limits]\nmemory_bytes = 1000000\nfuel = 5000\n");
        let changes = diff(&old, &new);
        assert_eq!(changes.len(), 3, "{changes:?}");
        assert!(!widens(&changes), "{changes:?}");
    }

    #[test]
    fn a_new_grant_a_higher_budget_or_lifting_fuel_widen() {
        let cases = [
            ("", "[grants.config]\nkeys = [\"a\"]\n"),
            (
                "[grants.llm]\nmax_tokens_per_run = 100\n",
                "[grants.llm]\nmax_tokens_per_run = 101\n",
            ),
            ("[limits]\nfuel = 10\n", ""),
            (
                "[grants.repo]\nrepositories = [\"site\"]\n",
                "[grants.repo]\nrepositories = [\"*\"]\n",
            ),
        ];
        for (old, new) in cases {
            let changes = diff(&entry(old), &entry(new));
            assert!(widens(&changes), "{old} -> {new}: {changes:?}");
        }
    }

    #[test]
    fn a_confirmation_is_bound_to_the_entry_as_well_as_the_bytes() {
        let a = Confirmation::of("w", "sha256:00", "{\"grants\":{}}");
        let b = Confirmation::of("w", "sha256:00", "{\"grants\":{\"llm\":{}}}");
        assert_ne!(a, b);
        assert_eq!(a, Confirmation::of("w", "sha256:00", "{\"grants\":{}}"));
    }
}
