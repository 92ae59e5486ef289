//! `FILE[=REFERENCE_USD]` arguments of the unit-commitment examples.

use std::process::ExitCode;

/// The command line's instance files, each with its optional reference objective ($); on no
/// argument or a malformed one, the message is printed and the exit code returned.
pub fn from_env(usage: &str) -> Result<Vec<(String, Option<f64>)>, ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        eprintln!("usage: {usage}");
        return Err(ExitCode::from(2));
    }
    args.iter()
        .map(|a| match a.rsplit_once('=') {
            Some((f, r)) => r
                .parse::<f64>()
                .map(|r| (f.to_string(), Some(r)))
                .map_err(|_| {
                    eprintln!("{a}: expected FILE=REFERENCE_USD");
                    ExitCode::from(2)
                }),
            None => Ok((a.clone(), None)),
        })
        .collect()
}
