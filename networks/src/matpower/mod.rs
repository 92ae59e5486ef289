//! MATPOWER case files (format version 2): read `.m` / `.m.gz` into a [`Case`], and write a `Case` back out.
//!
//! # Reading
//!
//! A MATPOWER case is a MATLAB function that fills a struct `mpc`. The reader understands
//! what case files contain: `mpc.version`, `mpc.baseMVA`, the `bus`, `gen`, `branch` and
//! `gencost` matrices, the optional `bus_name` cell array, and any other `mpc.<field> = …;`,
//! which is kept verbatim in [`Case::other_fields`] and written back unchanged. Matrices may
//! use `%` comments, `...` continuations, commas or whitespace between entries, `;` or line
//! breaks between rows, `Inf`/`-Inf`/`NaN` and scientific notation.
//!
//! Some distribution cases (`case33bw`, `case69`, …) end with MATLAB code that converts
//! ohms and kW to per-unit and MW, for example
//! `mpc.branch(:, [BR_R BR_X]) = mpc.branch(:, [BR_R BR_X]) / (Vbase^2 / Sbase);`.
//! The reader evaluates that subset exactly as MATLAB does (same operations in the same order
//! on IEEE doubles): `idx_bus`/`idx_brch`/`idx_gen`/`idx_cost` column constants, scalar
//! variables, `mpc.<matrix>(rows, cols)` reads and assignments, `+ - * / ^ .* ./ .^`,
//! parentheses and `sin cos tan asin acos atan sqrt abs exp log`. Any other MATLAB is a
//! located "unsupported MATLAB statement" problem.
//!
//! Every problem found is reported at once in [`NetworkError::Parse`], each with its 1-based
//! line and column, what was expected and what was found: syntax errors, rows of different
//! lengths, rows too short, bus numbers that are not positive integers or are repeated, bus
//! types outside 1–4, generators and branches at buses that do not exist, `gencost` rows
//! that do not fit their model and `n`, a `gencost` row count other than `ngen` or `2·ngen`,
//! and a missing `baseMVA`, `bus`, `gen` or `branch`.
//!
//! Branch data with 11 columns gets `ANGMIN = -360`, `ANGMAX = 360`, as MATPOWER does.
//! Columns past the standard ones are kept in the tables' `extra`, `gencost` padding in
//! [`GenCost::padding`](crate::case::GenCost::padding).
//!
//! # Writing
//!
//! [`write`] produces a version-2 file MATPOWER can load, with MATPOWER-style column-name
//! comments. Numbers are written in Rust's shortest round-trip form, so for any case this
//! reader produced, `parse_str(&to_string(&case), …)` gives a `Case` equal (`==`) to it
//! (except `NaN` entries, which are never equal to themselves). Short rows of a case built in
//! code (different `extra` lengths, `gencost` rows of different lengths) are padded with zeros
//! because MATLAB matrices are rectangular, and a case name that is not a MATLAB identifier is
//! cleaned up for the `function` line; such cases read back slightly different.
//!
//! ```
//! use gridsim_networks::matpower;
//! let text = "function mpc = tiny\nmpc.version = '2';\nmpc.baseMVA = 100;\n\
//!             mpc.bus = [1 3 0 0 0 0 1 1 0 230 1 1.1 0.9; 2 1 90 30 0 0 1 1 0 230 1 1.1 0.9];\n\
//!             mpc.gen = [1 90 0 300 -300 1 100 1 250 10];\n\
//!             mpc.branch = [1 2 0.01 0.085 0.176 250 250 250 0 0 1];\n";
//! let case = matpower::parse_str(text, "tiny.m").unwrap();
//! assert_eq!(case.name, "tiny");
//! assert_eq!(case.branch.angmax_deg, vec![360.0]);
//! let again = matpower::parse_str(&matpower::to_string(&case), "again.m").unwrap();
//! assert_eq!(again, case);
//!
//! let err = matpower::parse_str("mpc.baseMVA = 100;\nmpc.bus = [1 3 x];", "bad.m").unwrap_err();
//! assert!(err.to_string().starts_with("bad.m:2:16: expected a number"));
//! ```

mod build;
mod lexer;
mod parser;
mod writer;

use std::io::{Read, Write};
use std::path::Path;

use crate::case::Case;
use crate::error::{Location, NetworkError, ParseProblem};

pub use writer::write;

/// The case name a file path suggests: its file name without `.gz` and `.m`.
fn name_from_path(path: &Path) -> String {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = file.strip_suffix(".gz").unwrap_or(&file);
    file.strip_suffix(".m").unwrap_or(file).to_string()
}

/// Parses the text of a MATPOWER case file. `path` only labels error messages and names the
/// case when the text has no `function` line; [`Case::name`] is the function name otherwise.
///
/// # Errors
/// [`NetworkError::Parse`] listing every problem found, each with its location.
pub fn parse_str(text: &str, path: impl AsRef<Path>) -> Result<Case, NetworkError> {
    let path = path.as_ref();
    if u32::try_from(text.len()).is_err() {
        return Err(NetworkError::Parse {
            path: path.to_path_buf(),
            problems: vec![ParseProblem {
                location: Location { line: 1, column: 1 },
                expected: "a case file smaller than 4 GiB".to_string(),
                found: format!("{} bytes", text.len()),
            }],
        });
    }
    let map = lexer::SourceMap::new(text);
    let parsed = parser::parse(text, &map);
    build::build(parsed, name_from_path(path), &map, text.len()).map_err(|problems| {
        NetworkError::Parse {
            path: path.to_path_buf(),
            problems: problems
                .into_iter()
                .map(|p| ParseProblem {
                    location: map.location(p.off),
                    expected: p.expected,
                    found: p.found,
                })
                .collect(),
        }
    })
}

/// Reads a MATPOWER case file; gzip-compressed files (`.m.gz`) are decompressed on the fly.
/// Text that is not UTF-8 is read as Latin-1.
///
/// # Errors
/// [`NetworkError::Io`] when the file cannot be read or decompressed, [`NetworkError::Parse`]
/// when its content is not a valid case.
pub fn read(path: impl AsRef<Path>) -> Result<Case, NetworkError> {
    let path = path.as_ref();
    let io_err = |source| NetworkError::Io {
        path: path.to_path_buf(),
        source,
    };
    let raw = std::fs::read(path).map_err(io_err)?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(io_err)?;
        out
    } else {
        raw
    };
    let text = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => e.into_bytes().iter().map(|&b| char::from(b)).collect(),
    };
    parse_str(&text, path)
}

/// The case as MATPOWER version-2 text (see [`write`]). For a case `write` refuses (columns
/// of different lengths), the text is a single MATLAB comment line saying why.
pub fn to_string(case: &Case) -> String {
    let mut out = Vec::new();
    match write(case, &mut out) {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(e) => format!("% gridsim could not write this case: {e}\n"),
    }
}

/// Writes the case to a file; a path ending in `.gz` is gzip-compressed.
///
/// # Errors
/// [`NetworkError::Io`] when the file cannot be written or the case is inconsistent (see [`write`]).
pub fn write_file(case: &Case, path: impl AsRef<Path>) -> Result<(), NetworkError> {
    let path = path.as_ref();
    let io_err = |source| NetworkError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::create(path).map_err(io_err)?;
    let mut buf = std::io::BufWriter::new(file);
    if path.extension().is_some_and(|e| e == "gz") {
        let mut gz = flate2::write::GzEncoder::new(&mut buf, flate2::Compression::default());
        write(case, &mut gz).map_err(io_err)?;
        gz.finish().map_err(io_err)?;
    } else {
        write(case, &mut buf).map_err(io_err)?;
    }
    buf.flush().map_err(io_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<ParseProblem> {
        match parse_str(text, "t.m") {
            Err(NetworkError::Parse { problems, .. }) => problems,
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    const MINI: &str = "function mpc = mini\nmpc.version = '2';\nmpc.baseMVA = 100;\n\
        mpc.bus = [\n\t1\t3\t0\t0\t0\t0\t1\t1\t0\t230\t1\t1.1\t0.9;\n\t2\t1\t90\t30\t0\t0\t1\t1\t0\t230\t1\t1.1\t0.9;\n];\n\
        mpc.gen = [\n\t1\t90\t0\t300\t-300\t1\t100\t1\t250\t10;\n];\n\
        mpc.branch = [\n\t1\t2\t0.01\t0.085\t0.176\t250\t250\t250\t0\t0\t1\t-360\t360;\n];\n";

    #[test]
    fn minimal_case_parses() {
        let case = parse_str(MINI, "x/mini.m").expect("parses");
        assert_eq!(case.name, "mini");
        assert_eq!(case.bus.id, vec![1, 2]);
        assert_eq!(case.gen.bus, vec![1]);
        assert!(case.gencost.is_empty());
    }

    #[test]
    fn name_falls_back_to_the_file_stem() {
        let text = MINI.replacen("function mpc = mini\n", "", 1);
        assert_eq!(
            parse_str(&text, "dir/case_x.m.gz").map(|c| c.name).ok(),
            Some("case_x".to_string())
        );
    }

    #[test]
    fn all_problems_are_reported_in_order() {
        let text = MINI
            .replace("\t2\t1\t90", "\t1\t7\t90")
            .replace("1\t2\t0.01", "1\t5\t0.01");
        let p = problems(&text);
        let found: Vec<(usize, usize)> = p
            .iter()
            .map(|p| (p.location.line, p.location.column))
            .collect();
        assert_eq!(found, vec![(6, 2), (6, 4), (12, 4)], "{p:?}");
    }

    #[test]
    fn gencost_models_and_padding() {
        let text = format!(
            "{MINI}mpc.gencost = [\n\t2\t0\t0\t3\t0.1\t20\t5\t0\t0;\n\t1\t0\t0\t2\t0\t0\t250\t5000\t0;\n];\n"
        );
        let case = parse_str(&text, "t.m").expect("parses");
        assert_eq!(case.gencost.len(), 2);
        assert_eq!(case.gencost[0].padding, vec![0.0, 0.0]);
        assert_eq!(case.gencost[1].padding, vec![0.0]);
        assert_eq!(case.gencost[1].cost_usd_per_h(125.0), 2500.0);
        assert_eq!(parse_str(&to_string(&case), "t.m").ok(), Some(case));
    }
}
