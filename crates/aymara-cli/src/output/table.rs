//! Compact tables for people: fixed column widths, so rows can be printed as they arrive
//! (a listing of 100,000 files streams), every cell escaped by the caller.

/// The columns of a table: name and width; two spaces between columns, the last never
/// padded.
pub struct Columns(pub &'static [(&'static str, usize)]);

impl Columns {
    /// The header line.
    pub fn header(&self) -> String {
        let names: Vec<&str> = self.0.iter().map(|(name, _)| *name).collect();
        self.row(&names)
    }

    /// One row; a cell wider than its column pushes the rest right, never cut.
    pub fn row(&self, cells: &[impl AsRef<str>]) -> String {
        let mut line = String::new();
        let last = cells.len().saturating_sub(1);
        for (i, (cell, (_, width))) in cells.iter().zip(self.0).enumerate() {
            let cell = cell.as_ref();
            line.push_str(cell);
            if i < last {
                let pad = width.saturating_sub(cell.chars().count()) + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        line.truncate(line.trim_end().len());
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_align_and_long_cells_push_without_cutting() {
        let columns = Columns(&[("A", 4), ("B", 3), ("C", 0)]);
        assert_eq!(columns.header(), "A     B    C");
        assert_eq!(columns.row(&["xy", "z", "last"]), "xy    z    last");
        assert_eq!(columns.row(&["toolong", "z", "c"]), "toolong  z    c");
        assert_eq!(columns.row(&["x", "y", ""]), "x     y");
    }
}
