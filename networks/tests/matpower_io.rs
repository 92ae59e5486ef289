//! MATPOWER reader/writer: every shipped case imports and round-trips, malformed input is located, mutated input never panics.

use std::path::{Path, PathBuf};

use gridsim_networks::case::{BusType, Case, CostCurve};
use gridsim_networks::error::ParseProblem;
use gridsim_networks::{matpower, NetworkError};
use proptest::prelude::*;

fn cases_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("cases")
        .join(sub)
}

/// Files in `cases/<sub>` whose names end with `suffix`, sorted.
fn case_files(sub: &str, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(cases_dir(sub))
        .expect("cases folder exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files
}

fn read(sub: &str, file: &str) -> Case {
    let path = cases_dir(sub).join(file);
    matpower::read(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Checks that `case` is internally consistent and survives write → parse unchanged.
fn check_case(path: &Path, case: &Case) {
    let n = case.bus.len();
    assert!(n > 0, "{}: no buses", path.display());
    assert_eq!(case.bus.vmin_pu.len(), n);
    assert_eq!(case.bus.extra.len(), n);
    assert_eq!(case.gen.extra.len(), case.gen.len());
    assert_eq!(case.branch.angmax_deg.len(), case.branch.len());
    assert!(case.base_mva > 0.0);
    let ng = case.gen.len();
    assert!(case.gencost.is_empty() || case.gencost.len() == ng || case.gencost.len() == 2 * ng);
    let text = matpower::to_string(case);
    let again = matpower::parse_str(&text, path)
        .unwrap_or_else(|e| panic!("re-reading written {}: {e}", path.display()));
    assert!(
        again == *case,
        "{}: write → parse changed the case",
        path.display()
    );
}

#[test]
fn every_matpower_case_imports_and_round_trips() {
    let files = case_files("matpower", ".m");
    assert_eq!(files.len(), 47);
    for path in &files {
        let case = matpower::read(path).unwrap_or_else(|e| panic!("{e}"));
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        assert_eq!(Some(case.name.clone()), stem);
        check_case(path, &case);
    }
}

#[test]
fn every_pglib_case_imports_and_round_trips() {
    let files = case_files("pglib", ".m.gz");
    assert_eq!(files.len(), 59);
    for path in &files {
        let case = matpower::read(path).unwrap_or_else(|e| panic!("{e}"));
        assert!(case.name.starts_with("pglib_opf_case"), "{}", case.name);
        assert_eq!(case.gencost.len(), case.gen.len(), "{}", case.name);
        check_case(path, &case);
    }
}

#[test]
fn case9_counts_and_values() {
    let c = read("matpower", "case9.m");
    assert_eq!(
        (c.bus.len(), c.gen.len(), c.branch.len(), c.gencost.len()),
        (9, 3, 9, 3)
    );
    assert_eq!(c.base_mva, 100.0);
    assert_eq!(c.bus.bus_type[0], BusType::Ref);
    assert_eq!(c.bus.pd_mw[4], 90.0);
    assert_eq!(c.gen.extra[0].len(), 11);
    assert_eq!(c.branch.x_pu[0], 0.0576);
    assert_eq!(
        c.gencost[0].curve,
        CostCurve::Polynomial {
            coeffs_high_first: vec![0.11, 5.0, 150.0]
        }
    );
    assert_eq!(c.gencost[0].startup_usd, 1500.0);
}

#[test]
fn large_case_counts() {
    let c = read("matpower", "case9241pegase.m");
    assert_eq!(
        (c.bus.len(), c.gen.len(), c.branch.len(), c.gencost.len()),
        (9241, 1445, 16049, 1445)
    );
    let c = read("matpower", "case13659pegase.m");
    assert_eq!(
        (c.bus.len(), c.gen.len(), c.branch.len()),
        (13659, 4092, 20467)
    );
    let c = read("pglib", "pglib_opf_case10000_goc.m.gz");
    assert_eq!(c.bus.len(), 10000);
}

#[test]
fn bus_names_other_fields_and_infinities_are_kept() {
    let c = read("matpower", "case118.m");
    let names = c.bus_name.as_ref().expect("case118 has bus names");
    assert_eq!(names.len(), 118);
    assert_eq!(names[0], "Riversde  V2");
    let c = read("matpower", "case_ACTIVSg200.m");
    let fields: Vec<&str> = c.other_fields.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(fields, ["gentype", "genfuel"]);
    assert!(c.other_fields[0].1.starts_with("{\n\t'ST';"));
    let c = read("matpower", "case2383wp.m");
    assert_eq!(c.gen.qmax_mvar[38], f64::INFINITY);
    assert_eq!(c.gen.qmin_mvar[38], f64::NEG_INFINITY);
    let c = read("pglib", "pglib_opf_case5_pjm.m.gz");
    assert_eq!(
        c.other_fields,
        vec![("areas".to_string(), "[\n\t1\t 4;\n]".to_string())]
    );
    // case4_dist has no gencost; case30 and others have it.
    assert!(read("matpower", "case4_dist.m").gencost.is_empty());
}

#[test]
fn case33bw_unit_conversion_matches_matlab_operation_order() {
    let c = read("matpower", "case33bw.m");
    // Vbase = mpc.bus(1, BASE_KV) * 1e3; Sbase = mpc.baseMVA * 1e6;
    // mpc.branch(:, [BR_R BR_X]) = mpc.branch(:, [BR_R BR_X]) / (Vbase^2 / Sbase);
    let vbase = 12.66_f64 * 1e3;
    let sbase = 10.0_f64 * 1e6;
    let z_base = vbase.powf(2.0) / sbase;
    assert_eq!(c.branch.r_pu[0], 0.0922 / z_base);
    assert_eq!(c.branch.x_pu[0], 0.0470 / z_base);
    // case33bw has baseMVA = 10, so z_base = 16.02756 Ω and r = 0.0922 / 16.02756.
    assert!((c.branch.r_pu[0] - 0.005752591161723931).abs() < 1e-18);
    // mpc.bus(:, [PD, QD]) = mpc.bus(:, [PD, QD]) / 1e3;
    assert_eq!(c.bus.pd_mw[1], 100.0 / 1e3);
    assert_eq!(c.bus.qd_mvar[1], 60.0 / 1e3);
}

#[test]
fn case141_power_factor_conversion_matches_matlab() {
    let c = read("matpower", "case141.m");
    // Bus 8 has Pd = 75 kVA at power factor 0.85.
    let i = c.bus.id.iter().position(|&b| b == 8).expect("bus 8");
    let pd = 75.0_f64 / 1e3;
    let pf = 0.85_f64;
    assert_eq!(c.bus.qd_mvar[i], pd * pf.acos().sin());
    assert_eq!(c.bus.pd_mw[i], pd * pf);
}

#[test]
fn every_distribution_case_with_conversion_code_is_converted() {
    for name in [
        "case10ba",
        "case118zh",
        "case12da",
        "case136ma",
        "case141",
        "case15da",
        "case15nbr",
        "case22",
        "case28da",
        "case33bw",
        "case38si",
        "case51ga",
        "case51he",
        "case69",
        "case70da",
        "case74ds",
        "case85",
        "case94pi",
    ] {
        let text = std::fs::read_to_string(cases_dir("matpower").join(format!("{name}.m")))
            .expect("readable");
        let code_at = text.find("idx_bus").expect("conversion code");
        // The case without its conversion code: everything before the `[PQ, PV, …] = idx_bus` line.
        let raw_end = text[..code_at]
            .rfind("\n[")
            .expect("start of the idx_bus line");
        let raw = matpower::parse_str(&text[..raw_end], name).expect("raw part parses");
        let conv = matpower::parse_str(&text, name).expect("parses");
        assert_eq!(raw.bus.len(), conv.bus.len());
        let k = conv
            .bus
            .pd_mw
            .iter()
            .position(|&p| p != 0.0)
            .expect("a loaded bus");
        assert!(
            conv.bus.pd_mw[k] < raw.bus.pd_mw[k],
            "{name}: loads converted from kW to MW"
        );
        if text.contains("BR_R BR_X") {
            assert_ne!(
                conv.branch.r_pu[0], raw.branch.r_pu[0],
                "{name}: impedances converted to p.u."
            );
        }
    }
}

#[test]
fn matlab_syntax_variants_are_read() {
    let text = "% header\n%{\nblock comment with mpc.bus = [ ;\n%}\nfunction [out] = variants()\n\
        out.version = \"2\"; out.baseMVA = 1e2;\n\
        out.bus = [ %% comment after the bracket\n\
        \t10, 3, 0, 0, 0, 0, 1, 1, 0, 345, 1, 1.1, 0.9 % trailing comment\n\
        \t20 1 1.5E+2 -3.0e1 0 0 1 1 0 345 1 1.1 ...\n\t\t0.9; ;\n\
        \t7 4 0 0 0 0 2 1 0 345 1 1.1 0.9];\n\
        out.gen = [10 0 0 Inf -Inf 1 100 0 250 10];\n\
        out.branch = [10 20 .01 0.085 0.176 0 0 0 0 0 1; 20 7 0.01 0.085 0 0 0 0 0 0 0];\n\
        define_constants;\n\
        out.bus(:, VMAX) = out.bus(:, VMAX) .* [1; 1; 1] - 0.05;\n\
        out.reserves.zones = [1 1];\n\
        end\n";
    let c = matpower::parse_str(text, "variants.m").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.name, "variants");
    assert_eq!(c.bus.id, vec![10, 20, 7]);
    assert_eq!(
        c.bus.bus_type,
        vec![BusType::Ref, BusType::Pq, BusType::Isolated]
    );
    assert_eq!((c.bus.pd_mw[1], c.bus.qd_mvar[1]), (150.0, -30.0));
    assert_eq!(c.bus.vmin_pu[1], 0.9);
    assert_eq!(c.bus.vmax_pu, vec![1.1 * 1.0 - 0.05; 3]);
    assert_eq!(
        (c.gen.qmax_mvar[0], c.gen.qmin_mvar[0]),
        (f64::INFINITY, f64::NEG_INFINITY)
    );
    assert_eq!(c.gen.in_service, vec![false]);
    assert_eq!(c.branch.in_service, vec![true, false]);
    assert_eq!(
        (c.branch.angmin_deg[1], c.branch.angmax_deg[1]),
        (-360.0, 360.0)
    );
    assert_eq!(
        c.other_fields,
        vec![("reserves.zones".to_string(), "[1 1]".to_string())]
    );
    check_case(Path::new("variants.m"), &c);
}

#[test]
fn gz_and_plain_files_read_the_same_and_write_file_round_trips() {
    let c = read("pglib", "pglib_opf_case14_ieee.m.gz");
    let dir = std::env::temp_dir().join(format!("gridsim-matpower-io-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for file in ["out.m", "out.m.gz"] {
        let path = dir.join(file);
        matpower::write_file(&c, &path).expect("writes");
        assert_eq!(matpower::read(&path).expect("reads back"), c);
    }
    let err = matpower::read(dir.join("missing.m")).expect_err("no such file");
    assert!(matches!(err, NetworkError::Io { .. }));
    std::fs::remove_dir_all(&dir).ok();
}

// ----- malformed input -----

/// A small valid case; line numbers below refer to it.
const BASE: &str = "function mpc = mini
mpc.version = '2';
mpc.baseMVA = 100;
mpc.bus = [
\t1\t3\t0\t0\t0\t0\t1\t1\t0\t230\t1\t1.1\t0.9;
\t2\t1\t90\t30\t0\t0\t1\t1\t0\t230\t1\t1.1\t0.9;
];
mpc.gen = [
\t1\t90\t0\t300\t-300\t1\t100\t1\t250\t10;
];
mpc.branch = [
\t1\t2\t0.01\t0.085\t0.176\t250\t250\t250\t0\t0\t1\t-360\t360;
];
mpc.gencost = [
\t2\t0\t0\t3\t0.1\t20\t5;
];
";

struct Malformed {
    what: &'static str,
    from: &'static str,
    to: &'static str,
    /// (line, column, expected, found) of the first problem.
    first: (usize, usize, &'static str, &'static str),
    count: usize,
}

const FUNCS: &str = "a number, a variable assigned earlier or a supported function \
    (sin, cos, tan, asin, acos, atan, sqrt, abs, exp, log)";

const MALFORMED: &[Malformed] = &[
    Malformed {
        what: "letters glued to a number",
        from: "\t90\t30",
        to: "\t9x0\t30",
        first: (6, 7, "`,`, `;`, a line break or `]` after a value", "`x0`"),
        count: 1,
    },
    Malformed {
        what: "a stray character",
        from: "\t0.085\t",
        to: "\t0.085$\t",
        first: (12, 16, "`,`, `;`, a line break or `]` after a value", "unexpected character `$`"),
        count: 1,
    },
    Malformed {
        what: "a row shorter than the others",
        from: "\t1.1\t0.9;\n];",
        to: "\t1.1;\n];",
        first: (6, 2, "13 values in this row, as in the row on line 5", "12 values"),
        count: 1,
    },
    Malformed {
        what: "a repeated bus number",
        from: "\t2\t1\t90",
        to: "\t1\t1\t90",
        first: (6, 2, "a bus number not used before (bus 1 is on line 5)", "1"),
        count: 2,
    },
    Malformed {
        what: "a bus number that is not a positive integer",
        from: "\t2\t1\t90",
        to: "\t2.5\t1\t90",
        first: (6, 2, "a positive integer bus number", "2.5"),
        count: 2,
    },
    Malformed {
        what: "a bus type out of range",
        from: "\t2\t1\t90",
        to: "\t2\t5\t90",
        first: (6, 4, "a bus type 1 (PQ), 2 (PV), 3 (reference) or 4 (isolated)", "5"),
        count: 1,
    },
    Malformed {
        what: "a generator at a bus that does not exist",
        from: "\t1\t90\t0",
        to: "\t7\t90\t0",
        first: (9, 2, "a bus number listed in `mpc.bus`", "bus 7, which is not there"),
        count: 1,
    },
    Malformed {
        what: "a branch to a bus that does not exist",
        from: "\t1\t2\t0.01",
        to: "\t1\t3\t0.01",
        first: (12, 4, "a to-bus number listed in `mpc.bus`", "bus 3, which is not there"),
        count: 1,
    },
    Malformed {
        what: "branch data with 12 columns",
        from: "\t-360\t360;",
        to: "\t-360;",
        first: (
            12,
            2,
            "11 or at least 13 columns (fbus … status[, angmin, angmax]) in each row of `mpc.branch`",
            "12 columns",
        ),
        count: 1,
    },
    Malformed {
        what: "a gencost row too short for its n",
        from: "\t2\t0\t0\t3\t",
        to: "\t2\t0\t0\t4\t",
        first: (15, 8, "8 columns for cost model 2 with n = 4 coefficients", "7 columns"),
        count: 1,
    },
    Malformed {
        what: "an unknown cost model",
        from: "\t2\t0\t0\t3\t",
        to: "\t3\t0\t0\t3\t",
        first: (15, 2, "a cost model 1 (piecewise linear) or 2 (polynomial)", "3"),
        count: 1,
    },
    Malformed {
        what: "a gencost row count that is neither ngen nor 2·ngen",
        from: "\t2\t0\t0\t3\t0.1\t20\t5;\n",
        to: "\t2\t0\t0\t3\t0.1\t20\t5;\n\t2\t0\t0\t3\t0.1\t20\t5;\n\t2\t0\t0\t3\t0.1\t20\t5;\n",
        first: (14, 1, "1 or 2 rows in `mpc.gencost` (one or two per generator)", "3 rows"),
        count: 1,
    },
    Malformed {
        what: "a missing baseMVA",
        from: "mpc.baseMVA = 100;\n",
        to: "",
        first: (15, 3, "an assignment `mpc.baseMVA = …;`", "end of file without one"),
        count: 1,
    },
    Malformed {
        what: "a missing bus matrix",
        from: "mpc.bus = [",
        to: "mpc.buses = [",
        first: (16, 3, "an assignment `mpc.bus = [ … ];`", "end of file without one"),
        count: 1,
    },
    Malformed {
        what: "a negative baseMVA",
        from: "mpc.baseMVA = 100;",
        to: "mpc.baseMVA = -100;",
        first: (3, 15, "a positive, finite `baseMVA`", "-100"),
        count: 1,
    },
    Malformed {
        what: "an unclosed matrix",
        from: "\t2\t0\t0\t3\t0.1\t20\t5;\n];\n",
        to: "\t2\t0\t0\t3\t0.1\t20\t5;\n",
        first: (15, 19, "`]` closing the `[` on line 14", "end of file"),
        count: 1,
    },
    Malformed {
        what: "an unsupported MATLAB statement",
        from: "mpc.gen = [",
        to: "if true\nmpc.gen = [",
        first: (
            8,
            1,
            "a statement the reader supports (`mpc.<field> = …`, `name = <expression>`, \
             `mpc.<matrix>(<rows>, <cols>) = …`, `[…] = idx_bus`)",
            "unsupported MATLAB statement `if`",
        ),
        count: 1,
    },
    Malformed {
        what: "an unsupported MATLAB function",
        from: "mpc.gen = [",
        to: "x = rand(3);\nmpc.gen = [",
        first: (8, 5, FUNCS, "`rand`"),
        count: 1,
    },
    Malformed {
        what: "a column constant used without idx_bus",
        from: "mpc.gen = [",
        to: "mpc.bus(:, PD) = 0;\nmpc.gen = [",
        first: (8, 12, FUNCS, "`PD`"),
        count: 1,
    },
    Malformed {
        what: "a row index past the end",
        from: "mpc.gen = [",
        to: "[PQ, PV, REF, NONE, BUS_I] = idx_bus; x = mpc.bus(3, BUS_I);\nmpc.gen = [",
        first: (8, 51, "a row index from 1 to 2", "3"),
        count: 1,
    },
    Malformed {
        what: "an unterminated string",
        from: "mpc.version = '2';",
        to: "mpc.version = '2;",
        first: (2, 15, "'2' (MATPOWER case format version 2)", "unterminated string `'2;`"),
        count: 1,
    },
    Malformed {
        what: "a version-1 case",
        from: "mpc.version = '2';",
        to: "mpc.version = '1';",
        first: (2, 15, "'2' (MATPOWER case format version 2)", "`'1'`"),
        count: 1,
    },
    Malformed {
        what: "a complex result",
        from: "mpc.gen = [",
        to: "x = sqrt(-1);\nmpc.gen = [",
        first: (8, 10, "an argument for which `sqrt` is real", "-1 (MATLAB would give a complex result)"),
        count: 1,
    },
    Malformed {
        what: "bus names that do not match the buses",
        from: "mpc.gen = [",
        to: "mpc.bus_name = { 'a'; };\nmpc.gen = [",
        first: (8, 1, "2 bus names (one per bus)", "1"),
        count: 1,
    },
    Malformed {
        what: "a statement after the function's end",
        from: "mpc.gencost = [",
        to: "end\nx = 1;\nmpc.gencost = [",
        first: (15, 1, "end of file after the function's `end`", "`x`"),
        count: 2,
    },
];

fn problems_of(text: &str) -> Vec<ParseProblem> {
    match matpower::parse_str(text, "mini.m") {
        Err(NetworkError::Parse { problems, .. }) => problems,
        Err(e) => panic!("unexpected error kind: {e}"),
        Ok(_) => Vec::new(),
    }
}

#[test]
fn base_of_the_malformed_table_is_valid() {
    let case = matpower::parse_str(BASE, "mini.m").expect("valid");
    assert_eq!(case.bus.len(), 2);
}

#[test]
fn malformed_inputs_are_located_exactly() {
    assert!(MALFORMED.len() >= 15);
    for m in MALFORMED {
        let text = BASE.replacen(m.from, m.to, 1);
        assert_ne!(text, BASE, "{}: the edit applies", m.what);
        let problems = problems_of(&text);
        let Some(p) = problems.first() else {
            panic!("{}: no problem reported", m.what)
        };
        let (line, column, expected, found) = m.first;
        assert_eq!(
            (
                p.location.line,
                p.location.column,
                p.expected.as_str(),
                p.found.as_str()
            ),
            (line, column, expected, found),
            "{}: {problems:?}",
            m.what
        );
        assert_eq!(problems.len(), m.count, "{}: {problems:?}", m.what);
    }
}

#[test]
fn every_short_bus_row_is_a_problem() {
    let text = BASE.replace("\t1.1\t0.9;", "\t1.1;");
    let problems = problems_of(&text);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        problems[0].expected,
        "at least 13 columns (bus_i … Vmin) in each row of `mpc.bus`"
    );
}

#[test]
fn error_message_has_file_line_column_expected_found() {
    let text = BASE.replacen("\t2\t1\t90", "\t2\t5\t90", 1);
    let err = matpower::parse_str(&text, "dir/mini.m").expect_err("bad bus type");
    assert_eq!(
        err.to_string(),
        "dir/mini.m:6:4: expected a bus type 1 (PQ), 2 (PV), 3 (reference) or 4 (isolated), found 5"
    );
}

#[test]
fn several_problems_are_all_reported_in_file_order() {
    let text = BASE
        .replacen("\t2\t1\t90", "\t2\t9\t90", 1)
        .replacen("\t1\t90\t0", "\t8\t90\t0", 1)
        .replacen("\t0.085\t", "\tx\t", 1)
        .replacen("mpc.version = '2';", "mpc.version = '2';\nwhile 1", 1);
    let lines: Vec<usize> = problems_of(&text).iter().map(|p| p.location.line).collect();
    assert_eq!(lines, vec![3, 7, 10, 13]);
}

// ----- mutated real cases -----

const TOKENS: &[&str] = &[
    "[",
    "]",
    ";",
    ",",
    "...",
    "%",
    "'",
    "\"",
    "=",
    "-",
    "+",
    "*",
    "/",
    "^",
    ".*",
    "(",
    ")",
    "{",
    "}",
    ":",
    "\n",
    " ",
    "\t",
    "0",
    "-1",
    "1.5",
    "1e400",
    "1e-400",
    "Inf",
    "-Inf",
    "NaN",
    "x",
    "mpc",
    "mpc.bus",
    "mpc.gen(1, 2)",
    "mpc.bus(:, 3) = 1;",
    "mpc.branch(:, [3 4]) = mpc.branch(:, [3 4]) / 2;",
    "[PQ, PV, REF] = idx_bus;",
    "function",
    "end",
    "%{\n",
    "\n%}\n",
    "idx_bus",
    "sin(",
    "4294967296",
    "1e9",
    "ç",
    "\u{0}",
];

#[derive(Debug, Clone)]
enum Mutation {
    DeleteChar(prop::sample::Index),
    Insert(prop::sample::Index, prop::sample::Index),
    Duplicate(prop::sample::Index, usize),
    ReplaceWord(prop::sample::Index, prop::sample::Index),
    DeleteLine(prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::DeleteChar),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(a, b)| Mutation::Insert(a, b)),
        (any::<prop::sample::Index>(), 1usize..400).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(a, b)| Mutation::ReplaceWord(a, b)),
        any::<prop::sample::Index>().prop_map(Mutation::DeleteLine),
    ]
}

fn boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &mut String, m: &Mutation) {
    if text.is_empty() {
        return;
    }
    match m {
        Mutation::DeleteChar(at) => {
            let i = boundary(text, at.index(text.len()));
            if i < text.len() {
                text.remove(i);
            }
        }
        Mutation::Insert(at, tok) => {
            let i = boundary(text, at.index(text.len() + 1));
            text.insert_str(i, TOKENS[tok.index(TOKENS.len())]);
        }
        Mutation::Duplicate(at, n) => {
            let i = boundary(text, at.index(text.len()));
            let j = boundary(text, i + n);
            let piece = text[i..j].to_string();
            text.insert_str(j, &piece);
        }
        Mutation::ReplaceWord(at, tok) => {
            let words: Vec<(usize, usize)> = word_spans(text);
            if let Some(&(a, b)) = words.get(at.index(words.len().max(1))) {
                text.replace_range(a..b, TOKENS[tok.index(TOKENS.len())]);
            }
        }
        Mutation::DeleteLine(at) => {
            let starts: Vec<usize> = std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .filter(|&i| i < text.len())
                .collect();
            if let Some(&a) = starts.get(at.index(starts.len().max(1))) {
                let b = text[a..].find('\n').map_or(text.len(), |k| a + k + 1);
                text.replace_range(a..b, "");
            }
        }
    }
}

/// Byte spans of the whitespace-separated words of `s`.
fn word_spans(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(a)) => {
                out.push((a, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(a) = start {
        out.push((a, s.len()));
    }
    out
}

/// The property: no panic; every error is located on a line of the text; every success
/// survives write → parse (compared through `Debug`, so `NaN == NaN`).
fn check_mutated(text: &str) -> Result<(), TestCaseError> {
    let lines = text.lines().count().max(1);
    match matpower::parse_str(text, "mutated.m") {
        Err(NetworkError::Parse { problems, .. }) => {
            prop_assert!(!problems.is_empty());
            for p in &problems {
                prop_assert!(
                    p.location.line >= 1 && p.location.line <= lines && p.location.column >= 1,
                    "{p:?} outside a text of {lines} lines"
                );
                let line = text.lines().nth(p.location.line - 1).unwrap_or("");
                prop_assert!(
                    p.location.column <= line.chars().count() + 1,
                    "{p:?} past the end of its line"
                );
            }
        }
        Err(e) => prop_assert!(false, "parse_str returned a non-parse error: {e}"),
        Ok(case) => {
            let written = matpower::to_string(&case);
            match matpower::parse_str(&written, "again.m") {
                Ok(mut again) => {
                    again.name.clone_from(&case.name);
                    prop_assert_eq!(format!("{again:?}"), format!("{case:?}"));
                }
                Err(e) => prop_assert!(false, "written case does not parse: {e}\n{written}"),
            }
        }
    }
    Ok(())
}

fn case_text(name: &str) -> String {
    std::fs::read_to_string(cases_dir("matpower").join(name)).expect("readable")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn mutated_case9_never_panics(ms in prop::collection::vec(mutation(), 1..8)) {
        let mut text = case_text("case9.m");
        ms.iter().for_each(|m| apply(&mut text, m));
        check_mutated(&text)?;
    }

    #[test]
    fn mutated_case30_never_panics(ms in prop::collection::vec(mutation(), 1..8)) {
        let mut text = case_text("case30.m");
        ms.iter().for_each(|m| apply(&mut text, m));
        check_mutated(&text)?;
    }

    #[test]
    fn mutated_case118_never_panics(ms in prop::collection::vec(mutation(), 1..8)) {
        let mut text = case_text("case118.m");
        ms.iter().for_each(|m| apply(&mut text, m));
        check_mutated(&text)?;
    }

    #[test]
    fn mutated_case33bw_never_panics(ms in prop::collection::vec(mutation(), 1..8)) {
        let mut text = case_text("case33bw.m");
        ms.iter().for_each(|m| apply(&mut text, m));
        check_mutated(&text)?;
    }

    #[test]
    fn arbitrary_text_never_panics(text in "(\\PC|[\\[\\];,%'\\.\\n\\t 0-9eE+-])*") {
        check_mutated(&text)?;
    }
}
