//! What the finished steps of a run produced, rebuilt from their recorded outputs on resume
//! exactly as it was built live: [`RunState::absorb`] is the only way state changes.

use crate::steps::Step;
use dailyx_runtime::StageOutput;
use dailyx_runtime::types::{
    Critique, Draft, Material, Notification, Persona, PolicyReport, RunContext, Selection,
    StyleGuide, ThreadPlan,
};
use std::collections::HashSet;

/// The outputs so far.
#[derive(Debug, Clone)]
pub(crate) struct RunState {
    pub ctx: RunContext,
    /// Materials collected for the first time by this run.
    pub materials: Vec<Material>,
    pub selection: Option<Selection>,
    pub persona: Option<Persona>,
    pub style: Option<StyleGuide>,
    pub plan: Option<ThreadPlan>,
    /// The writer's draft.
    pub written: Option<Draft>,
    pub critique: Option<Critique>,
    /// The draft after the critic's revision: what policy checks and the reviewer sees.
    pub draft: Option<Draft>,
    pub report: Option<PolicyReport>,
    pub notification: Option<Notification>,
}

/// An output that does not fit the step it is recorded for.
#[derive(Debug)]
pub(crate) struct Mismatch;

impl RunState {
    pub(crate) fn new(ctx: RunContext) -> Self {
        RunState {
            ctx,
            materials: Vec::new(),
            selection: None,
            persona: None,
            style: None,
            plan: None,
            written: None,
            critique: None,
            draft: None,
            report: None,
            notification: None,
        }
    }

    /// Takes in the output of `step`. `seen` are material ids earlier runs collected: the
    /// collector's output is filtered by it, so nothing is collected twice.
    pub(crate) fn absorb(
        &mut self,
        step: Step,
        output: StageOutput,
        seen: &HashSet<String>,
    ) -> Result<(), Mismatch> {
        match (step, output) {
            (Step::Collect, StageOutput::Materials(all)) => {
                let mut ids = HashSet::new();
                self.materials = all
                    .into_iter()
                    .filter(|m| !seen.contains(&m.id) && ids.insert(m.id.clone()))
                    .collect();
            }
            (Step::Curate, StageOutput::Selection(s)) => self.selection = Some(s),
            (Step::Persona, StageOutput::Persona(p)) => self.persona = Some(p),
            (Step::Style, StageOutput::StyleGuide(s)) => self.style = Some(s),
            (Step::Plan, StageOutput::Plan(p)) => self.plan = Some(p),
            (Step::Write, StageOutput::Draft(d)) => self.written = Some(d),
            (Step::Critique, StageOutput::Critique(c)) => {
                let mut draft = self.written.clone().ok_or(Mismatch)?;
                if let Some(revision) = c.revision.clone().filter(|r| !r.is_empty()) {
                    draft.tweets = revision;
                }
                self.draft = Some(draft);
                self.critique = Some(c);
            }
            (Step::Check, StageOutput::PolicyReport(r)) => self.report = Some(r),
            (Step::Compose, StageOutput::Notification(n)) => self.notification = Some(n),
            _ => return Err(Mismatch),
        }
        Ok(())
    }

    /// The picked materials, in the curator's order: what later stages write about.
    pub(crate) fn picked(&self) -> Vec<Material> {
        let Some(selection) = &self.selection else {
            return Vec::new();
        };
        selection
            .picked
            .iter()
            .filter_map(|p| self.materials.iter().find(|m| m.id == p.material_id))
            .cloned()
            .collect()
    }

    /// Whether the run has nothing to write about (no new material, or none worth a post).
    pub(crate) fn nothing_to_write(&self, next: Step) -> bool {
        match next {
            Step::Curate => self.materials.is_empty(),
            Step::Persona => self.picked().is_empty(),
            _ => false,
        }
    }
}
