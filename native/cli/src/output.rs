//! What a command prints: human text, or with `--json` exactly one JSON
//! document. Both go to stdout; diagnostics go to stderr.

use std::io::{self, BufWriter, Write};

use serde::Serialize;

use crate::error::CliError;

/// The output mode chosen by the global `--json` flag.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    json: bool,
}

impl Output {
    pub fn new(json: bool) -> Output {
        Output { json }
    }

    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Prints the command's result: `value` as JSON with `--json`, else
    /// whatever `human` writes. Call it once per command.
    pub fn emit<T: Serialize + ?Sized>(
        &self,
        value: &T,
        human: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), CliError> {
        let mut out = BufWriter::new(io::stdout().lock());
        if self.json {
            serde_json::to_writer_pretty(&mut out, value).map_err(io::Error::from)?;
            writeln!(out)?;
        } else {
            human(&mut out)?;
        }
        out.flush()?;
        Ok(())
    }

    /// A diagnostic that does not fail the command.
    pub fn warn(&self, message: &str) {
        eprintln!("warning: {message}");
    }
}

/// Writes `rows` under `header` in columns two spaces apart; the last column
/// is not padded, so long type lists do not push trailing blanks.
pub fn write_table(w: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let last = row.len().saturating_sub(1);
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i < last {
                let pad = widths[i] - cell.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        writeln!(w, "{line}")?;
    }
    Ok(())
}

/// `n` and the noun, plural when `n != 1` (`1 snapshot`, `2 snapshots`).
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_every_column_but_the_last() {
        let mut out = Vec::new();
        let rows = vec![
            vec!["a".to_string(), "long value".to_string(), "x".to_string()],
            vec!["bbb".to_string(), "v".to_string(), "yy".to_string()],
        ];
        write_table(&mut out, &["ID", "NAME", "LAST"], &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ID   NAME        LAST\na    long value  x\nbbb  v           yy\n"
        );
    }

    #[test]
    fn counts_are_plural_unless_one() {
        assert_eq!(count(1, "problem"), "1 problem");
        assert_eq!(count(0, "problem"), "0 problems");
        assert_eq!(count(2, "snapshot"), "2 snapshots");
    }
}
