//! End-to-end tests of the library, the header and the PowerShell module.

// Helpers shared by the tests: repository paths, file walking, the PowerShell parser.
mod util;

// A C client compiled against include/entrasnap.h drives the cdylib exactly as the module does.
mod c_abi;
// A second C client exports from entrasnap-sim, lists, verifies and cancels, as the module does.
mod c_export;
// Every .ps1/.psm1/.psd1 in the repository parses without syntax errors.
mod powershell_syntax;
// The module's DllImport declarations match the functions in include/entrasnap.h.
mod module_native_decls;
// The manifest exports exactly Public/, and every public function has full help.
mod module_manifest;
// The Pester tests run under pwsh where it is installed; elsewhere this says so in one line.
mod pester;
