//! Fuzz target: `matpower::parse_str` never panics, locates every problem inside the text, and round-trips what it accepts.
#![no_main]

use gridsim_networks::{matpower, NetworkError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Non-UTF-8 input is read as Latin-1, as `matpower::read` does.
    let text = match std::str::from_utf8(data) {
        Ok(s) => s.to_string(),
        Err(_) => data.iter().map(|&b| char::from(b)).collect(),
    };
    let lines = text.lines().count().max(1);
    match matpower::parse_str(&text, "fuzz.m") {
        Err(NetworkError::Parse { problems, .. }) => {
            assert!(!problems.is_empty());
            for p in &problems {
                assert!(
                    p.location.line >= 1 && p.location.line <= lines,
                    "{p:?} outside {lines} lines"
                );
                let line = text.lines().nth(p.location.line - 1).unwrap_or("");
                assert!(
                    p.location.column >= 1 && p.location.column <= line.chars().count() + 1,
                    "{p:?}"
                );
            }
        }
        Err(e) => panic!("parse_str returned a non-parse error: {e}"),
        Ok(case) => {
            let written = matpower::to_string(&case);
            let mut again = matpower::parse_str(&written, "again.m")
                .unwrap_or_else(|e| panic!("written case does not parse: {e}\n{written}"));
            again.name.clone_from(&case.name);
            // Debug comparison so that NaN entries compare equal.
            assert_eq!(format!("{again:?}"), format!("{case:?}"));
        }
    }
});
