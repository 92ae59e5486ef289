//! Monte Carlo replications and statistics (in progress).
