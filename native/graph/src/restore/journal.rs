//! Where the executor records outcomes: the store's journal file, or memory
//! (tests, dry runs of the executor's logic).

use entrasnap_core::restore::StepOutcome;
use entrasnap_core::store::{JournalFinish, JournalWriter};

/// Receives each step's outcome as it is decided, then the end of the run.
/// `record` must not return before the outcome is durable: a kill right
/// after it must not lose the step (a re-created object would be created twice).
pub trait StepJournal: Send {
    fn record(&mut self, outcome: &StepOutcome) -> entrasnap_core::Result<()>;
    fn finish(&mut self, finish: &JournalFinish) -> entrasnap_core::Result<()>;
}

impl StepJournal for JournalWriter {
    fn record(&mut self, outcome: &StepOutcome) -> entrasnap_core::Result<()> {
        JournalWriter::record(self, outcome)
    }

    fn finish(&mut self, finish: &JournalFinish) -> entrasnap_core::Result<()> {
        JournalWriter::finish(self, finish)
    }
}

/// A journal kept in memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemoryJournal {
    pub outcomes: Vec<StepOutcome>,
    pub finished: Option<JournalFinish>,
}

impl StepJournal for MemoryJournal {
    fn record(&mut self, outcome: &StepOutcome) -> entrasnap_core::Result<()> {
        self.outcomes.push(outcome.clone());
        Ok(())
    }

    fn finish(&mut self, finish: &JournalFinish) -> entrasnap_core::Result<()> {
        self.finished = Some(finish.clone());
        Ok(())
    }
}
