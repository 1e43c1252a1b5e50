//! Why a snapshot exists. `latest` means the newest *export*: a compare's
//! live side or a restore's undo point is listed but never picked by it, so
//! running `compare --from latest --to live` twice compares with the same
//! known state both times.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What made a snapshot. Manifests written before kinds existed have none
/// and read as [`SnapshotKind::Export`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SnapshotKind {
    /// `export`, scheduled or by hand: the only kind `latest` picks.
    #[default]
    Export,
    /// The live side of `compare --to live`.
    CompareLive,
    /// A restore's pre-restore snapshot, what `--undo` goes back to.
    UndoPoint,
    /// Brought in from elsewhere.
    Import,
}

impl SnapshotKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotKind::Export => "export",
            SnapshotKind::CompareLive => "compare-live",
            SnapshotKind::UndoPoint => "undo-point",
            SnapshotKind::Import => "import",
        }
    }
}

impl fmt::Display for SnapshotKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
