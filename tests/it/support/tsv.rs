//! Reading the oracle's TSV files: a header line naming the columns, cells escaped with `\\`,
//! `\t`, `\n` and `\r`.

use std::collections::HashMap;
use std::path::Path;

/// One row, with cells looked up by column name.
pub struct Row<'a> {
    /// 1-based line number in the file, for messages.
    pub line: usize,
    cells: Vec<String>,
    columns: &'a HashMap<String, usize>,
}

impl Row<'_> {
    /// The cell in `column`, unescaped; panics when the file has no such column.
    pub fn get(&self, column: &str) -> &str {
        let index = *self
            .columns
            .get(column)
            .unwrap_or_else(|| panic!("no column {column:?} in the oracle file"));
        self.cells.get(index).map(String::as_str).unwrap_or("")
    }

    /// The cell as a boolean (`1` or `0`).
    pub fn flag(&self, column: &str) -> bool {
        self.get(column) == "1"
    }
}

/// A whole TSV file.
pub struct Table {
    columns: HashMap<String, usize>,
    rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    /// Reads and unescapes a file.
    pub fn read(path: &Path) -> Table {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
        let mut lines = text.split('\n');
        let header = lines.next().unwrap_or("");
        let columns = header
            .trim_end_matches('\r')
            .split('\t')
            .enumerate()
            .map(|(i, name)| (name.to_string(), i))
            .collect();
        let rows = lines
            .enumerate()
            .filter(|(_, line)| !line.is_empty())
            .map(|(i, line)| (i + 2, line.split('\t').map(unescape).collect()))
            .collect();
        Table { columns, rows }
    }

    /// The rows, in file order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(|(line, cells)| Row {
            line: *line,
            cells: cells.clone(),
            columns: &self.columns,
        })
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }
}

/// Undoes the oracle's cell escaping.
pub fn unescape(cell: &str) -> String {
    if !cell.contains('\\') {
        return cell.to_string();
    }
    let mut out = String::with_capacity(cell.len());
    let mut chars = cell.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Collects differences and reports them per file: rows checked, rows that differ, the first few.
pub struct Diffs {
    name: String,
    checked: usize,
    differ: Vec<String>,
}

impl Diffs {
    /// Starts a report for one oracle file.
    pub fn new(name: &str) -> Diffs {
        Diffs {
            name: name.to_string(),
            checked: 0,
            differ: Vec::new(),
        }
    }

    /// Records one checked row; `difference` is `Some(description)` when it differs.
    pub fn check(&mut self, difference: Option<String>) {
        self.checked += 1;
        if let Some(d) = difference {
            self.differ.push(d);
        }
    }

    /// Compares two values and records the row.
    pub fn expect_eq<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, got: T, want: T) {
        let diff = (got != want).then(|| format!("{what}: got {got:?}, NuGet says {want:?}"));
        self.check(diff);
    }

    /// Prints the report and panics when any row differed or none was checked.
    pub fn finish(self) {
        eprintln!(
            "{}: {} rows checked, {} differ",
            self.name,
            self.checked,
            self.differ.len()
        );
        assert!(self.checked > 0, "{}: no rows were checked", self.name);
        if !self.differ.is_empty() {
            let first: Vec<_> = self.differ.iter().take(25).cloned().collect();
            panic!(
                "{}: {} of {} rows differ from NuGet.Client; first ones:\n  {}",
                self.name,
                self.differ.len(),
                self.checked,
                first.join("\n  ")
            );
        }
    }
}
