//! Text tables for the terminal (pure): a header row, and columns as wide as their widest
//! cell, measured in terminal columns (a Japanese character takes two), so every row
//! lines up whatever the mail held. A column may have a most width: longer cells are cut
//! with `…`. The last column is not padded, so no line ends in blanks.
//!
//! Cells must already be made safe to print ([`crate::mail::printable::escape`]).

use unicode_width::UnicodeWidthStr;

/// Which side of its column a cell keeps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// One column: its title, side, and most width in terminal columns (`None`: any).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    pub align: Align,
    pub max: Option<usize>,
}

/// The rows under a header row, two spaces between columns, one line each.
pub fn render(columns: &[Column], rows: &[Vec<String>]) -> String {
    let cut: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .zip(columns)
                .map(|(cell, column)| column.max.map_or_else(|| cell.clone(), |max| fit(cell, max)))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            cut.iter()
                .filter_map(|row| row.get(i))
                .map(|c| c.width())
                .chain([column.title.width()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let titles: Vec<String> = columns.iter().map(|c| c.title.to_string()).collect();
    let mut out = String::new();
    for row in std::iter::once(&titles).chain(&cut) {
        let mut line = String::new();
        for ((cell, column), width) in row.iter().zip(columns).zip(&widths) {
            let pad = " ".repeat(width.saturating_sub(cell.width()));
            if !line.is_empty() {
                line.push_str("  ");
            }
            match column.align {
                Align::Left => line.extend([cell.as_str(), &pad]),
                Align::Right => line.extend([pad.as_str(), cell]),
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `text` in at most `max` terminal columns: cut, with `…`, when it is wider.
pub fn fit(text: &str, max: usize) -> String {
    if text.width() <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: [Column; 3] = [
        Column { title: "ID", align: Align::Right, max: None },
        Column { title: "FOLDER", align: Align::Left, max: Some(8) },
        Column { title: "SUBJECT", align: Align::Left, max: None },
    ];

    fn row(cells: [&str; 3]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn columns_line_up_in_terminal_columns_whatever_the_text() {
        let text = render(
            &COLUMNS,
            &[
                row(["7", "受信箱", "こんにちは"]),
                row(["1234", "INBOX", "hello"]),
                row(["5", "a-very-long-folder", ""]),
            ],
        );
        assert_eq!(
            text,
            "  ID  FOLDER    SUBJECT\n\
             \x20  7  受信箱    こんにちは\n\
             1234  INBOX     hello\n\
             \x20  5  a-very-…\n"
        );
        assert!(text.lines().all(|l| !l.ends_with(' ')), "no trailing blanks");
    }

    #[test]
    fn a_cell_is_cut_to_its_columns_counting_wide_characters_twice() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("日本語の件名", 7), "日本語…");
        assert_eq!(fit("short", 8), "short");
        assert_eq!(fit("abc", 0), "…");
    }
}
