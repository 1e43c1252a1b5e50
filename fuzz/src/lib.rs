//! What the fuzz targets share: one store per fuzzing process, made once.

use std::sync::OnceLock;

use entrasnap_core::LocalStore;

/// A store in a temp folder (in memory where /dev/shm exists: targets
/// rewrite a file per input), made by `init` the first time it is asked for.
pub fn shared_store(
    cell: &'static OnceLock<(tempfile::TempDir, LocalStore)>,
    init: impl FnOnce(&std::path::Path) -> LocalStore,
) -> &'static (tempfile::TempDir, LocalStore) {
    cell.get_or_init(|| {
        let dir = tempfile::tempdir_in("/dev/shm")
            .or_else(|_| tempfile::tempdir())
            .unwrap();
        let store = init(dir.path());
        (dir, store)
    })
}
