//! Reading input files, with limits: the one layer every file racesim reads
//! goes through (scenario files, empirical and trace data, shards, baselines,
//! histories, the CSVs `plot` redraws).
//!
//! - Only regular files are read: a folder, a FIFO (which would block), a
//!   device (`/dev/zero`, endless) or a socket is refused, by its type before
//!   it is opened and again once open (opened without blocking).
//! - Every read is capped in bytes (and a CSV in rows) with a message that
//!   names the file and the limit; nothing reads without end.
//! - CSV files are read as a stream of records, each with the line it starts
//!   on (blank lines and quoted line breaks counted), so memory holds the
//!   values kept, not the file; [`Table`] checks that every row has the
//!   header's number of fields and reads numbers with line-numbered errors.
//!
//! Errors are plain messages that name the file; the caller adds the key or
//! the command they belong to.

use std::cell::RefCell;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::rc::Rc;

/// The largest scenario file: 16 MiB.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;
/// The largest empirical or arrival-trace data file: 1 GiB.
pub const MAX_DATA_BYTES: u64 = 1 << 30;
/// The most rows read from an empirical or arrival-trace data file.
pub const MAX_DATA_ROWS: u64 = 10_000_000;
/// The largest result file read back (`merge` shards, `plot` CSVs): 1 GiB.
pub const MAX_RESULT_BYTES: u64 = 1 << 30;
/// The largest baseline (`check --baseline`, a summary.json): 64 MiB.
pub const MAX_BASELINE_BYTES: u64 = 64 << 20;
/// The largest history file (`check --history`): 256 MiB.
pub const MAX_HISTORY_BYTES: u64 = 256 << 20;
/// The longest CSV record (line) read: 1 MiB. A file of one endless line
/// (zeros, a binary file) is refused here instead of filling memory.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// A size for messages: `16 MiB`, `1 GiB`.
pub fn size_text(bytes: u64) -> String {
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{} GiB", bytes >> 30)
    } else if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// What kind of thing `meta` describes, for a message.
fn kind(meta: &std::fs::Metadata) -> &'static str {
    let ft = meta.file_type();
    if ft.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Opens `path` for reading if it is a regular file (following symbolic
/// links); `what` names it in messages ("the scenario file").
pub fn open_regular(path: &Path, what: &str) -> Result<File, String> {
    open_why(path).map_err(|why| format!("cannot read {what} {}: {why}", path.display()))
}

/// [`open_regular`], the error saying only why (for callers that name the
/// file themselves).
pub fn open_why(path: &Path) -> Result<File, String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            // a link to nowhere reads "No such file", which hides the link
            if let Ok(l) = std::fs::symlink_metadata(path)
                && l.file_type().is_symlink()
            {
                let to = std::fs::read_link(path)
                    .map(|t| t.display().to_string())
                    .unwrap_or_else(|_| "?".into());
                return Err(format!(
                    "it is a symbolic link to {to}, which does not exist"
                ));
            }
            return Err(e.to_string());
        }
    };
    let not_regular = |meta: &std::fs::Metadata| {
        format!("it is {}; racesim reads only regular files", kind(meta))
    };
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        // never block on something swapped in for the file since the check
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    Ok(file)
}

/// Reads the regular file `path` whole, refusing it beyond `max` bytes.
pub fn read_bytes(path: &Path, what: &str, max: u64) -> Result<Vec<u8>, String> {
    read_bytes_why(path, max).map_err(|why| format!("cannot read {what} {}: {why}", path.display()))
}

/// [`read_bytes`], the error saying only why.
pub fn read_bytes_why(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let file = open_why(path)?;
    if file.metadata().is_ok_and(|m| m.len() > max) {
        return Err(format!(
            "it is larger than {}, the most racesim reads for it",
            size_text(max)
        ));
    }
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "it is larger than {}, the most racesim reads for it",
            size_text(max)
        ));
    }
    Ok(bytes)
}

/// [`read_bytes`] as UTF-8 text; a bad byte is reported with its line and
/// column.
pub fn read_text(path: &Path, what: &str, max: u64) -> Result<String, String> {
    let bytes = read_bytes(path, what, max)?;
    String::from_utf8(bytes).map_err(|e| {
        let (line, column) = utf8_position(e.as_bytes(), e.utf8_error().valid_up_to());
        format!(
            "{}:{line}:{column}: {what} is not UTF-8 text: save it as UTF-8",
            path.display()
        )
    })
}

/// The 1-based line and column (in characters) of byte `at` of `bytes`,
/// valid UTF-8 up to `at`.
pub fn utf8_position(bytes: &[u8], at: usize) -> (usize, usize) {
    let valid = &bytes[..at];
    let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&valid[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// True when `path` is inside the folder `base` (both resolved). Messages
/// about a data file outside the scenario's folder print its path only,
/// never its contents.
pub fn is_inside(path: &Path, base: &Path) -> bool {
    let base = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    match (std::fs::canonicalize(path), std::fs::canonicalize(base)) {
        (Ok(p), Ok(b)) => p.starts_with(b),
        _ => false,
    }
}

/// The bytes a [`Csv`] reader has been given and not yet placed on a line.
#[derive(Debug, Default)]
struct Window {
    /// Bytes from offset `start` on.
    bytes: Vec<u8>,
    start: u64,
    /// Line of byte `start` (1-based).
    line: u64,
    /// Bytes handed out in all.
    total: u64,
    /// Set when the source went past its byte limit.
    over: bool,
    /// Set when one record went past [`MAX_RECORD_BYTES`].
    long: bool,
}

impl Window {
    /// The line the record starting at byte `at` is on: the lines before it,
    /// plus the blank lines the CSV reader skipped before the record.
    fn line_at(&mut self, at: u64) -> u64 {
        let cut = (at.saturating_sub(self.start) as usize).min(self.bytes.len());
        self.line += self.bytes[..cut].iter().filter(|&&b| b == b'\n').count() as u64;
        self.bytes.drain(..cut);
        self.start += cut as u64;
        let mut line = self.line;
        for &b in &self.bytes {
            match b {
                b'\n' => line += 1,
                b'\r' => {}
                _ => break,
            }
        }
        line
    }
}

/// A reader that keeps what it hands out in a [`Window`] until its line is
/// known, and stops with an error past `limit` bytes.
struct Tap<R> {
    inner: R,
    window: Rc<RefCell<Window>>,
    limit: u64,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut w = self.window.borrow_mut();
        if w.total > self.limit {
            w.over = true;
            return Err(std::io::Error::other("beyond the byte limit"));
        }
        let room = (self.limit + 1 - w.total).min(buf.len() as u64) as usize;
        if w.bytes.len() > MAX_RECORD_BYTES + buf.len() {
            w.long = true;
            return Err(std::io::Error::other("a record beyond the length limit"));
        }
        let n = self.inner.read(&mut buf[..room])?;
        w.bytes.extend_from_slice(&buf[..n]);
        w.total += n as u64;
        if w.total > self.limit {
            w.over = true;
            return Err(std::io::Error::other("beyond the byte limit"));
        }
        Ok(n)
    }
}

/// A CSV file read as a stream of records, each with the line it starts on.
pub struct Csv<R: Read> {
    reader: csv::Reader<Tap<R>>,
    window: Rc<RefCell<Window>>,
    name: String,
    what: String,
    max_bytes: u64,
    max_rows: u64,
    rows: u64,
    header: Vec<String>,
}

impl Csv<File> {
    /// Opens the regular file `path` (at most `max_bytes`, `max_rows` rows
    /// after the header) and reads its header row.
    /// Fields are trimmed of surrounding spaces (data files).
    pub fn open(path: &Path, what: &str, max_bytes: u64, max_rows: u64) -> Result<Self, String> {
        let file = open_regular(path, what)?;
        if file.metadata().is_ok_and(|m| m.len() > max_bytes) {
            return Err(format!(
                "cannot read {what} {}: it is larger than {}, the most racesim reads for it",
                path.display(),
                size_text(max_bytes)
            ));
        }
        Csv::new(
            file,
            &path.display().to_string(),
            what,
            max_bytes,
            max_rows,
            true,
            1,
        )
    }
}

impl<'a> Csv<&'a [u8]> {
    /// A CSV text already read (`name` in messages), whose first line is
    /// line `first_line` of its file; fields are kept as they are.
    pub fn from_text(
        text: &'a str,
        name: &str,
        what: &str,
        first_line: u64,
    ) -> Result<Self, String> {
        Csv::new(
            text.as_bytes(),
            name,
            what,
            u64::MAX - 1,
            u64::MAX,
            false,
            first_line,
        )
    }
}

impl<R: Read> Csv<R> {
    fn new(
        inner: R,
        name: &str,
        what: &str,
        max_bytes: u64,
        max_rows: u64,
        trim: bool,
        first_line: u64,
    ) -> Result<Self, String> {
        let window = Rc::new(RefCell::new(Window {
            line: first_line,
            ..Window::default()
        }));
        let tap = Tap {
            inner,
            window: window.clone(),
            limit: max_bytes,
        };
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(if trim {
                csv::Trim::All
            } else {
                csv::Trim::None
            })
            .from_reader(tap);
        let mut csv = Csv {
            reader,
            window,
            name: name.to_string(),
            what: what.to_string(),
            max_bytes,
            max_rows,
            rows: 0,
            header: Vec::new(),
        };
        let mut rec = csv::StringRecord::new();
        match csv.read(&mut rec)? {
            Some(_) => csv.header = rec.iter().map(str::to_string).collect(),
            None => {
                return Err(format!(
                    "{}: {} is empty: it has no header row",
                    csv.name, csv.what
                ));
            }
        }
        Ok(csv)
    }

    /// The header row.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The file's name, as messages give it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads the next record into `rec`; returns its line, or `None` at the
    /// end. A record with more or fewer fields than the header is an error.
    pub fn next_record(&mut self, rec: &mut csv::StringRecord) -> Result<Option<u64>, String> {
        let line = self.read(rec)?;
        if let Some(line) = line {
            if rec.len() != self.header.len() {
                return Err(format!(
                    "{}: line {line} has {} field(s) where the header has {}: the file was cut \
                     short or edited",
                    self.name,
                    rec.len(),
                    self.header.len()
                ));
            }
            self.rows += 1;
            if self.rows > self.max_rows {
                return Err(format!(
                    "{}: {} has more than {} rows, the most racesim reads: thin or resample it",
                    self.name, self.what, self.max_rows
                ));
            }
        }
        Ok(line)
    }

    fn read(&mut self, rec: &mut csv::StringRecord) -> Result<Option<u64>, String> {
        match self.reader.read_record(rec) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let at = rec.position().map_or(0, csv::Position::byte);
                Ok(Some(self.window.borrow_mut().line_at(at)))
            }
            Err(e) => {
                if self.window.borrow().over {
                    return Err(format!(
                        "{}: {} is larger than {}, the most racesim reads for it",
                        self.name,
                        self.what,
                        size_text(self.max_bytes)
                    ));
                }
                if self.window.borrow().long {
                    let line = self.window.borrow().line;
                    return Err(format!(
                        "{}: line {line} or a line soon after it is longer than {}: not a CSV \
                         file racesim reads",
                        self.name,
                        size_text(MAX_RECORD_BYTES as u64)
                    ));
                }
                let line = e
                    .position()
                    .map(|p| self.window.borrow_mut().line_at(p.byte()));
                let why = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
                    csv::ErrorKind::Io(io) => io.to_string(),
                    _ => e.to_string(),
                };
                Err(match line {
                    Some(l) => format!("{}: line {l}: {why}", self.name),
                    None => format!("{}: {why}", self.name),
                })
            }
        }
    }
}

/// A whole CSV table whose every row has the header's number of fields (a
/// racesim output read back), with each row's line.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The file's name in messages.
    pub name: String,
    /// The header row.
    pub header: Vec<String>,
    /// The rows, each with the line it starts on.
    pub rows: Vec<(u64, Vec<String>)>,
}

impl Table {
    /// Reads `text` (named `name`, a `what` in messages).
    pub fn parse(text: &str, name: &str, what: &str) -> Result<Table, String> {
        Table::parse_at(text, name, what, 1)
    }

    /// [`Table::parse`] for a text that starts at line `first_line` of its
    /// file (after a metadata line).
    pub fn parse_at(text: &str, name: &str, what: &str, first_line: u64) -> Result<Table, String> {
        let mut csv = Csv::from_text(text, name, what, first_line)?;
        let header = csv.header().to_vec();
        let mut rows = Vec::new();
        let mut rec = csv::StringRecord::new();
        while let Some(line) = csv.next_record(&mut rec)? {
            rows.push((line, rec.iter().map(str::to_string).collect()));
        }
        Ok(Table {
            name: name.to_string(),
            header,
            rows,
        })
    }

    /// The index of column `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The number in row `r`, column `c`: empty is NaN (racesim writes an
    /// undefined figure as an empty cell), anything else must parse.
    pub fn number(&self, r: usize, c: usize) -> Result<f64, String> {
        let (line, row) = &self.rows[r];
        let cell = row[c].trim();
        if cell.is_empty() {
            return Ok(f64::NAN);
        }
        cell.parse::<f64>().map_err(|_| {
            format!(
                "{}: line {line}, column `{}`: `{}` is not a number",
                self.name,
                self.header[c],
                shorten(cell)
            )
        })
    }
}

/// A cell for a message: at most 40 characters.
pub fn shorten(cell: &str) -> String {
    if cell.chars().count() > 40 {
        format!("{}...", cell.chars().take(40).collect::<String>())
    } else {
        cell.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<(u64, Vec<String>)> {
        Table::parse(text, "t.csv", "a test file").unwrap().rows
    }

    #[test]
    fn records_carry_their_lines_blank_lines_and_quoted_breaks_counted() {
        let rows = lines("h,g\n1,2\n\n\n3,4\n\"a\nb\",5\n6,7");
        let at: Vec<u64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(at, [2, 5, 6, 8]);
        let rows = lines("h\r\n1\r\n\r\n2\r\n");
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [2, 4]);
    }

    #[test]
    fn short_rows_and_bad_numbers_are_named_by_line() {
        let e = Table::parse("a,b,c\n1,2,3\n4,5\n", "t.csv", "x").unwrap_err();
        assert!(
            e.contains("t.csv: line 3 has 2 field(s) where the header has 3"),
            "{e}"
        );
        let t = Table::parse("a,b\n1,\n2,x\n", "t.csv", "x").unwrap();
        assert!(t.number(0, 1).unwrap().is_nan());
        let e = t.number(1, 1).unwrap_err();
        assert!(e.contains("line 3, column `b`: `x` is not a number"), "{e}");
        let e = Table::parse("", "t.csv", "a history").unwrap_err();
        assert!(
            e.contains("a history is empty: it has no header row"),
            "{e}"
        );
    }

    #[test]
    fn limits_are_enforced_with_the_file_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.csv");
        std::fs::write(&p, "v\n1\n2\n3\n").unwrap();
        let e = read_bytes(&p, "the data", 4).unwrap_err();
        assert!(e.contains("larger than 4 bytes"), "{e}");
        let mut c = Csv::open(&p, "the data", 1 << 20, 2).unwrap();
        let mut rec = csv::StringRecord::new();
        assert_eq!(c.next_record(&mut rec).unwrap(), Some(2));
        assert_eq!(c.next_record(&mut rec).unwrap(), Some(3));
        let e = c.next_record(&mut rec).unwrap_err();
        assert!(e.contains("more than 2 rows"), "{e}");
        // (the reader reads ahead: the limit shows on the first read)
        let e = Csv::open(&p, "the data", 5, 100).err().unwrap();
        assert!(e.contains("larger than 5 bytes"), "{e}");
        let e = open_regular(dir.path(), "the data").unwrap_err();
        assert!(e.contains("a folder"), "{e}");
        // one endless line: refused at the record limit, not read whole
        let long = dir.path().join("long.csv");
        std::fs::write(&long, format!("v\n{}\n", "7".repeat(3 << 20))).unwrap();
        let mut c = Csv::open(&long, "the data", 1 << 30, 100).unwrap();
        let e = loop {
            match c.next_record(&mut rec) {
                Ok(Some(_)) => {}
                Ok(None) => panic!("read an endless line"),
                Err(e) => break e,
            }
        };
        assert!(e.contains("longer than 1 MiB"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn devices_fifos_and_dangling_links_are_refused_without_blocking() {
        let e = read_bytes(Path::new("/dev/zero"), "the data", 1 << 20).unwrap_err();
        assert!(e.contains("a device"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read_bytes(&fifo, "the history", 1 << 20).unwrap_err();
        assert!(e.contains("a FIFO"), "{e}");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
        let e = read_bytes(&link, "the baseline", 1 << 20).unwrap_err();
        assert!(e.contains("symbolic link"), "{e}");
    }
}
