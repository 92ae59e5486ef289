//! Simulation time (`SimTime`, `SimDuration`: integer milliseconds) and the `Phase` order within one instant.
//!
//! Time is an integer number of milliseconds since the start of the scenario, never a float,
//! so that `t + 15 min` added 35 040 times lands exactly on the end of a year and two runs
//! compare equal bit for bit:
//!
//! ```text
//! SimTime(ms) + SimDuration(ms) = SimTime(ms)        SimTime − SimTime = SimDuration
//! 1 s = 1 000 ms, 1 min = 60 000 ms, 1 h = 3 600 000 ms, 1 day = 86 400 000 ms
//! ```
//!
//! Arithmetic that leaves the `i64` range is reported by the `checked_*` methods; the
//! operators saturate (an `i64` of milliseconds spans 292 million years, so saturation only
//! happens with nonsensical input).

use std::fmt;
use std::ops::{Add, AddAssign, Mul, Sub};

/// Milliseconds per second.
pub const MS_PER_S: i64 = 1_000;
/// Milliseconds per minute.
pub const MS_PER_MIN: i64 = 60 * MS_PER_S;
/// Milliseconds per hour.
pub const MS_PER_H: i64 = 60 * MS_PER_MIN;
/// Milliseconds per day.
pub const MS_PER_DAY: i64 = 24 * MS_PER_H;

/// `from_ms`, `from_secs`, `from_minutes`, `from_hours`, `from_days` (whole units, saturating)
/// and `as_ms`, `as_secs_f64`, `as_hours_f64` for a millisecond newtype.
macro_rules! unit_constructors {
    ($ty:ident, $what:literal, $after:literal) => {
        #[doc = concat!($what, " `n` milliseconds ", $after, ".")]
        pub const fn from_ms(n: i64) -> Self {
            $ty(n)
        }
        #[doc = concat!($what, " `n` whole seconds ", $after, " (saturating).")]
        pub const fn from_secs(n: i64) -> Self {
            $ty(n.saturating_mul(MS_PER_S))
        }
        #[doc = concat!($what, " `n` whole minutes ", $after, " (saturating).")]
        pub const fn from_minutes(n: i64) -> Self {
            $ty(n.saturating_mul(MS_PER_MIN))
        }
        #[doc = concat!($what, " `n` whole hours ", $after, " (saturating).")]
        pub const fn from_hours(n: i64) -> Self {
            $ty(n.saturating_mul(MS_PER_H))
        }
        #[doc = concat!($what, " `n` whole days ", $after, " (saturating).")]
        pub const fn from_days(n: i64) -> Self {
            $ty(n.saturating_mul(MS_PER_DAY))
        }
        /// Milliseconds (since the start for an instant).
        pub const fn as_ms(self) -> i64 {
            self.0
        }
        /// Seconds as a float, `ms / 1000` (for output and physics).
        pub fn as_secs_f64(self) -> f64 {
            self.0 as f64 / MS_PER_S as f64
        }
        /// Hours as a float, `ms / 3 600 000` (energy `e_mwh = p_mw × d.as_hours_f64()`).
        pub fn as_hours_f64(self) -> f64 {
            self.0 as f64 / MS_PER_H as f64
        }
    };
}

/// An instant of simulated time: milliseconds since the scenario start (`t_ms`).
///
/// ```
/// use gridsim_sim::{SimDuration, SimTime};
/// let t = SimTime::from_hours(1) + SimDuration::from_minutes(15);
/// assert_eq!(t.as_ms(), 4_500_000);
/// assert_eq!(t.to_string(), "0d01:15:00.000");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(i64);

/// A span of simulated time in milliseconds (may be negative as a difference of two instants).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(i64);

impl SimTime {
    /// The scenario start, `t = 0`.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable instant (used as "never").
    pub const MAX: SimTime = SimTime(i64::MAX);

    unit_constructors!(SimTime, "The instant", "after the start");
    /// `self + d`, or `None` when the result leaves the `i64` range.
    pub const fn checked_add(self, d: SimDuration) -> Option<SimTime> {
        match self.0.checked_add(d.0) {
            Some(t) => Some(SimTime(t)),
            None => None,
        }
    }
    /// Time elapsed since `earlier` (`self − earlier`, negative if `earlier` is later).
    pub const fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time.
    pub const ZERO: SimDuration = SimDuration(0);

    unit_constructors!(SimDuration, "A span of", "");
    /// A span of `d_s` seconds given as a float, rounded to the nearest millisecond
    /// (saturating at the `i64` range; NaN gives zero). Use it to turn a drawn
    /// random delay into kernel time.
    pub fn from_secs_f64_rounded(d_s: f64) -> Self {
        // `as` from f64 to i64 saturates and maps NaN to 0.
        SimDuration((d_s * MS_PER_S as f64).round() as i64)
    }
    /// `true` when the span is strictly positive.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}
impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}
impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, earlier: SimTime) -> SimDuration {
        self.since(earlier)
    }
}
impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, o: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(o.0))
    }
}
impl Mul<i64> for SimDuration {
    type Output = SimDuration;
    fn mul(self, k: i64) -> SimDuration {
        SimDuration(self.0.saturating_mul(k))
    }
}

/// Writes `d{days}HH:MM:SS.mmm` (`-` in front for negative times).
fn fmt_ms(ms: i64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let sign = if ms < 0 { "-" } else { "" };
    let a = ms.unsigned_abs();
    let (day, h, min, s, milli) = (
        a / MS_PER_DAY as u64,
        a / MS_PER_H as u64 % 24,
        a / MS_PER_MIN as u64 % 60,
        a / MS_PER_S as u64 % 60,
        a % MS_PER_S as u64,
    );
    write!(f, "{sign}{day}d{h:02}:{min:02}:{s:02}.{milli:03}")
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_ms(self.0, f)
    }
}
impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_ms(self.0, f)
    }
}

/// The ordering rank of an event within one instant: all events at time `t` with a lower
/// phase run before any event at `t` with a higher phase.
///
/// The built-in phases, in order, are [`Phase::MEASURE`] → [`Phase::CONTROL`] →
/// [`Phase::DISPATCH`] → [`Phase::SOLVE`] → [`Phase::RECORD`]. They are spaced by 10 so a
/// user can slot a phase between two of them with [`Phase::new`] (e.g. `Phase::new(25)`
/// runs after control and before dispatch). Names are generic: a co-simulation uses
/// `SOLVE` for its power flow, but the kernel attaches no meaning to any phase.
///
/// ```
/// use gridsim_sim::Phase;
/// assert!(Phase::MEASURE < Phase::CONTROL && Phase::CONTROL < Phase::DISPATCH);
/// assert!(Phase::DISPATCH < Phase::SOLVE && Phase::SOLVE < Phase::RECORD);
/// assert!(Phase::CONTROL < Phase::new(25) && Phase::new(25) < Phase::DISPATCH);
/// assert_eq!(Phase::SOLVE.to_string(), "solve");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Phase(u8);

impl Phase {
    /// Observe the state (meters, forecasts, arrivals): runs first at an instant.
    pub const MEASURE: Phase = Phase(10);
    /// Controllers decide (setpoints, charging rates).
    pub const CONTROL: Phase = Phase(20);
    /// Resources are dispatched (economic dispatch, injections applied).
    pub const DISPATCH: Phase = Phase(30);
    /// The coupled solver runs (in gridsim, the power flow).
    pub const SOLVE: Phase = Phase(40);
    /// Results are recorded: runs last at an instant.
    pub const RECORD: Phase = Phase(50);

    /// A phase with the given rank (lower runs first); the built-in ranks are 10, 20, 30, 40, 50.
    pub const fn new(rank: u8) -> Self {
        Phase(rank)
    }
    /// The ordering rank of this phase.
    pub const fn rank(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Phase::MEASURE => f.write_str("measure"),
            Phase::CONTROL => f.write_str("control"),
            Phase::DISPATCH => f.write_str("dispatch"),
            Phase::SOLVE => f.write_str("solve"),
            Phase::RECORD => f.write_str("record"),
            Phase(r) => write!(f, "phase{r}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_helpers_are_exact_milliseconds() {
        // 1 h 15 min = 4 500 000 ms, by hand.
        assert_eq!(SimDuration::from_minutes(75).as_ms(), 4_500_000);
        assert_eq!(SimTime::from_days(365).as_ms(), 31_536_000_000);
        assert_eq!(SimDuration::from_secs(2).as_ms(), 2_000);
        assert_eq!(SimDuration::from_hours(3), SimDuration::from_minutes(180));
        assert_eq!(SimDuration::from_secs_f64_rounded(1.2345).as_ms(), 1_235);
        assert_eq!(SimDuration::from_secs_f64_rounded(f64::NAN).as_ms(), 0);
    }

    #[test]
    fn a_year_of_quarter_hours_lands_on_the_year_end() {
        let mut t = SimTime::ZERO;
        for _ in 0..35_040 {
            t += SimDuration::from_minutes(15);
        }
        assert_eq!(t, SimTime::from_days(365));
    }

    #[test]
    fn arithmetic_saturates_and_checked_reports_overflow() {
        assert_eq!(SimTime::MAX + SimDuration::from_ms(1), SimTime::MAX);
        assert_eq!(SimTime::MAX.checked_add(SimDuration::from_ms(1)), None);
        assert_eq!(
            SimTime::from_hours(2) - SimTime::from_hours(3),
            SimDuration::from_hours(-1)
        );
        assert_eq!(
            SimDuration::from_minutes(15) * 4,
            SimDuration::from_hours(1)
        );
        assert!((SimDuration::from_minutes(15).as_hours_f64() - 0.25).abs() < 1e-15);
    }

    #[test]
    fn display_shows_days_and_clock() {
        assert_eq!(SimTime::from_ms(90_061_001).to_string(), "1d01:01:01.001");
        assert_eq!(SimDuration::from_ms(-1_500).to_string(), "-0d00:00:01.500");
        assert_eq!(Phase::new(25).to_string(), "phase25");
    }
}
