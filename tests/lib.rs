//! End-to-end tests across the CLI, the native library, the module and the
//! emulator live in tests.rs; shared helpers in util.rs.
