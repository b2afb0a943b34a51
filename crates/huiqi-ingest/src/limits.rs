//! The bounds every file is read within. Each is checked before the memory it guards is
//! allocated: the file's size before it is read, an .xlsx's central directory (sizes of its parts
//! once unzipped, their compression ratio) and its shared-strings header before calamine opens it,
//! an .xls's compound-file structure and its sheets' extents before calamine parses it, the
//! columns and rows of every sheet while it is streamed, and each cell before it is parsed.
//! A file beyond a limit is refused with a message naming the limit.

use huiqi_domain::facts_csv::MAX_COLUMNS;
use huiqi_domain::text::thousands;

const MIB: u64 = 1024 * 1024;

/// The limits of one read. [`Limits::default`] suits files given on the command line;
/// [`Limits::upload`] suits a web upload of at most `max_bytes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The file as given (CSV, or the .xlsx/.xls before unzipping).
    pub max_file_bytes: u64,
    /// All parts of an .xlsx once unzipped, together.
    pub max_unzipped_bytes: u64,
    /// The shared strings of an .xlsx (held in memory whole), unzipped.
    pub max_shared_strings_bytes: u64,
    /// How much larger than its compressed size a part of an .xlsx may be once unzipped (for
    /// parts over 1 MiB). Real sheets unzip 5–30 times; a zip bomb about 1,000 times.
    pub max_unzip_ratio: u64,
    /// Parts (files) inside an .xlsx.
    pub max_zip_entries: u64,
    /// Data rows of a file (Excel itself stops at 1,048,576 rows).
    pub max_rows: u64,
    /// Columns of any row (huiqi's widest file has 30).
    pub max_columns: usize,
    /// Characters in one cell.
    pub max_cell_chars: usize,
    /// Characters in one header cell.
    pub max_header_chars: usize,
    /// Worksheets in a workbook.
    pub max_sheets: usize,
    /// Cells of an .xls's sheets counted over their extents (calamine holds an .xls's sheets as
    /// full rectangles in memory).
    pub max_xls_cells: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 1024 * MIB,
            max_unzipped_bytes: 4096 * MIB,
            max_shared_strings_bytes: 512 * MIB,
            max_unzip_ratio: 200,
            max_zip_entries: 1_000,
            max_rows: 2_000_000,
            max_columns: MAX_COLUMNS,
            max_cell_chars: 1_000,
            max_header_chars: 100,
            max_sheets: 64,
            max_xls_cells: 4_000_000,
        }
    }
}

impl Limits {
    /// The limits for a web upload of at most `max_bytes` (the server keeps serving: what the
    /// checks let through stays within a few hundred MB of memory).
    pub fn upload(max_bytes: u64) -> Limits {
        Limits {
            max_file_bytes: max_bytes,
            max_unzipped_bytes: 1024 * MIB,
            max_shared_strings_bytes: 64 * MIB,
            max_xls_cells: 1_000_000,
            ..Limits::default()
        }
    }
}

/// A byte count for messages: `64 MB`, `206 KB`, `12 字节`.
pub fn size(bytes: u64) -> String {
    if bytes >= MIB {
        let tenths = bytes * 10 / MIB;
        if tenths.is_multiple_of(10) {
            format!("{} MB", thousands(tenths / 10))
        } else {
            format!("{}.{} MB", thousands(tenths / 10), tenths % 10)
        }
    } else if bytes >= 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} 字节")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size(64 * MIB), "64 MB");
        assert_eq!(size(200 * MIB + MIB / 2), "200.5 MB");
        assert_eq!(size(206 * 1024 + 5), "206 KB");
        assert_eq!(size(12), "12 字节");
        assert_eq!(size(4096 * MIB), "4,096 MB");
    }
}
