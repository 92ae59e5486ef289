//! Hourly timelines in UTC, local clocks (fixed offset or a tz-database zone) and calendar features (US federal holidays, weekends).
//!
//! A [`Timeline`] is a uniform run of hours in **UTC**: index `i` is the hour beginning at
//! `start_utc + i h`. Because the index is in UTC, a daylight-saving change never loses or
//! doubles an hour of data: on the spring-forward day the local clock shows 23 distinct
//! hours, on the fall-back day 25 (local 01:00 twice), and the series simply has 23 or 25
//! entries for that local date. Calendar features (hour of day, day of week, month,
//! holiday) are read on the **local** clock through [`Clock`].
//!
//! GEFCom2014 timestamps: the load track (`load_E`) gives every date exactly 24
//! hour-ending values 1…24, with no 23- or 25-hour days, so it is on a clock without
//! daylight saving (taken as US Eastern Standard Time, UTC−5; hour-ending `h` is the hour
//! beginning at local `h − 1`). The solar and wind tracks are stamped in UTC
//! (`20120401 01:00`) and are hourly without gaps.
//!
//! US federal holidays (5 U.S.C. 6103) with the observance rule for federal employees: a
//! holiday on a Saturday is observed the Friday before, on a Sunday the Monday after.
//! New Year's Day, Martin Luther King Jr. Day (3rd Monday of January, from 1986),
//! Washington's Birthday (3rd Monday of February), Memorial Day (last Monday of May),
//! Juneteenth (19 June, from 2021), Independence Day (4 July), Labor Day (1st Monday of
//! September), Columbus Day (2nd Monday of October), Veterans Day (11 November),
//! Thanksgiving (4th Thursday of November), Christmas Day (25 December).

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc,
    Weekday,
};

/// The clock on which calendar features are read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Clock {
    /// Coordinated Universal Time.
    Utc,
    /// A fixed offset from UTC in seconds east (e.g. −18 000 for EST), no daylight saving.
    Fixed(i32),
    /// A zone of the tz database with its daylight-saving rules (e.g. `America/New_York`).
    Zone(chrono_tz::Tz),
}

impl Clock {
    /// Local wall-clock time of a UTC instant.
    pub fn local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        match self {
            Clock::Utc => t.naive_utc(),
            Clock::Fixed(sec) => match FixedOffset::east_opt(*sec) {
                Some(off) => t.with_timezone(&off).naive_local(),
                None => t.naive_utc(),
            },
            Clock::Zone(tz) => t.with_timezone(tz).naive_local(),
        }
    }

    /// The UTC instant of a local wall-clock time. `None` when the local time does not
    /// exist (skipped at spring-forward); at fall-back the *earlier* of the two instants.
    pub fn to_utc(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self {
            Clock::Utc => Some(Utc.from_utc_datetime(&local)),
            Clock::Fixed(sec) => FixedOffset::east_opt(*sec)?
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.with_timezone(&Utc)),
            Clock::Zone(tz) => tz
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.with_timezone(&Utc)),
        }
    }
}

/// A uniform hourly timeline: index `i` is the hour beginning at `start_utc + i` hours.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// The first hour (hour-beginning, UTC).
    pub start_utc: DateTime<Utc>,
    /// Number of hours.
    pub len: usize,
    /// The clock for calendar features.
    pub clock: Clock,
}

/// Calendar features of one hour, read on the local clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarHour {
    /// Local hour of day, 0…23 (hour beginning).
    pub hour: u32,
    /// Day of week, 0 = Monday … 6 = Sunday.
    pub weekday: u32,
    /// Month, 1…12.
    pub month: u32,
    /// Day of year, 1…366.
    pub day_of_year: u32,
    /// An observed US federal holiday.
    pub holiday: bool,
}

impl CalendarHour {
    /// Saturday or Sunday.
    pub fn weekend(&self) -> bool {
        self.weekday >= 5
    }
}

impl Timeline {
    /// The UTC instant of index `i` (hour beginning).
    pub fn instant(&self, i: usize) -> DateTime<Utc> {
        self.start_utc + Duration::hours(i as i64)
    }

    /// Local wall-clock time of index `i`.
    pub fn local(&self, i: usize) -> NaiveDateTime {
        self.clock.local(self.instant(i))
    }

    /// Calendar features of index `i`.
    pub fn calendar(&self, i: usize) -> CalendarHour {
        let t = self.local(i);
        let d = t.date();
        CalendarHour {
            hour: t.hour(),
            weekday: d.weekday().num_days_from_monday(),
            month: d.month(),
            day_of_year: d.ordinal(),
            holiday: is_us_federal_holiday(d),
        }
    }

    /// Calendar features of every index.
    pub fn calendars(&self) -> Vec<CalendarHour> {
        (0..self.len).map(|i| self.calendar(i)).collect()
    }

    /// Index of the first hour whose local time is at or after `local` (None if past the end).
    pub fn index_at_or_after(&self, local: NaiveDateTime) -> Option<usize> {
        let t = self.clock.to_utc(local)?;
        let h = (t - self.start_utc).num_hours();
        let i = if h < 0 { 0 } else { h as usize };
        (i < self.len).then_some(i)
    }

    /// Readable local timestamp of index `i` (`YYYY-MM-DDTHH:MM`).
    pub fn label(&self, i: usize) -> String {
        self.local(i).format("%Y-%m-%dT%H:%M").to_string()
    }
}

fn nth_weekday(year: i32, month: u32, wd: Weekday, n: u32) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, wd, n as u8)
}

fn last_weekday(year: i32, month: u32, wd: Weekday) -> Option<NaiveDate> {
    (1..=5).rev().find_map(|n| nth_weekday(year, month, wd, n))
}

/// The actual (not observed) dates of the US federal holidays in `year`.
pub fn us_federal_holidays_actual(year: i32) -> Vec<NaiveDate> {
    let fixed = |m, d| NaiveDate::from_ymd_opt(year, m, d);
    let mut v = vec![
        fixed(1, 1),
        nth_weekday(year, 2, Weekday::Mon, 3),
        last_weekday(year, 5, Weekday::Mon),
        fixed(7, 4),
        nth_weekday(year, 9, Weekday::Mon, 1),
        nth_weekday(year, 10, Weekday::Mon, 2),
        fixed(11, 11),
        nth_weekday(year, 11, Weekday::Thu, 4),
        fixed(12, 25),
    ];
    if year >= 1986 {
        v.push(nth_weekday(year, 1, Weekday::Mon, 3));
    }
    if year >= 2021 {
        v.push(fixed(6, 19));
    }
    let mut out: Vec<NaiveDate> = v.into_iter().flatten().collect();
    out.sort_unstable();
    out
}

/// Is `d` an observed US federal holiday (Saturday holidays observed on Friday, Sunday
/// holidays on Monday)?
pub fn is_us_federal_holiday(d: NaiveDate) -> bool {
    let observed = |h: NaiveDate| match h.weekday() {
        Weekday::Sat => h - Duration::days(1),
        Weekday::Sun => h + Duration::days(1),
        _ => h,
    };
    // A holiday of next year (1 January on a Saturday) can be observed on 31 December.
    [d.year(), d.year() + 1]
        .iter()
        .flat_map(|&y| us_federal_holidays_actual(y))
        .any(|h| observed(h) == d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn federal_holidays_with_observance_match_opm_calendars() {
        // OPM federal holiday calendars: 2012 and 2021.
        assert!(is_us_federal_holiday(date(2012, 1, 2))); // New Year's Day 2012 (Sunday) observed Monday
        assert!(!is_us_federal_holiday(date(2012, 1, 1)));
        assert!(is_us_federal_holiday(date(2012, 1, 16))); // MLK
        assert!(is_us_federal_holiday(date(2012, 2, 20))); // Washington's Birthday
        assert!(is_us_federal_holiday(date(2012, 5, 28))); // Memorial Day
        assert!(is_us_federal_holiday(date(2012, 7, 4)));
        assert!(is_us_federal_holiday(date(2012, 9, 3))); // Labor Day
        assert!(is_us_federal_holiday(date(2012, 10, 8))); // Columbus Day
        assert!(is_us_federal_holiday(date(2012, 11, 12))); // Veterans Day (Sunday) observed Monday
        assert!(is_us_federal_holiday(date(2012, 11, 22))); // Thanksgiving
        assert!(is_us_federal_holiday(date(2012, 12, 25)));
        assert!(is_us_federal_holiday(date(2010, 12, 31))); // 1 Jan 2011 (Saturday) observed Friday
        assert!(is_us_federal_holiday(date(2021, 6, 18))); // Juneteenth (Saturday) observed Friday
        assert!(!is_us_federal_holiday(date(2013, 6, 19))); // Juneteenth not before 2021
        let n2012 = (0..366)
            .filter(|k| is_us_federal_holiday(date(2012, 1, 1) + Duration::days(*k)))
            .count();
        assert_eq!(n2012, 10);
    }

    #[test]
    fn dst_days_have_23_and_25_local_hours_and_no_lost_index() {
        // America/New_York, 2013: spring forward 10 March 02:00, fall back 3 November 02:00.
        let clock = Clock::Zone(chrono_tz::America::New_York);
        let start = clock
            .to_utc(date(2013, 3, 10).and_hms_opt(0, 0, 0).unwrap())
            .unwrap();
        let tl = Timeline {
            start_utc: start,
            len: 24 * 240,
            clock,
        };
        let hours_on = |d: NaiveDate| (0..tl.len).filter(|&i| tl.local(i).date() == d).count();
        assert_eq!(hours_on(date(2013, 3, 10)), 23);
        assert_eq!(hours_on(date(2013, 11, 3)), 25);
        assert_eq!(hours_on(date(2013, 3, 11)), 24);
        // Local 02:00 on 10 March does not exist; local 01:00 on 3 November occurs twice.
        assert!(clock
            .to_utc(date(2013, 3, 10).and_hms_opt(2, 30, 0).unwrap())
            .is_none());
        let ones = (0..tl.len)
            .filter(|&i| tl.local(i).date() == date(2013, 11, 3) && tl.calendar(i).hour == 1)
            .count();
        assert_eq!(ones, 2);
        // Uniform in UTC: consecutive indices are exactly one hour apart.
        assert!((1..tl.len).all(|i| (tl.instant(i) - tl.instant(i - 1)).num_hours() == 1));
    }

    #[test]
    fn fixed_clock_features() {
        let clock = Clock::Fixed(-5 * 3600);
        let start = clock
            .to_utc(date(2013, 1, 1).and_hms_opt(0, 0, 0).unwrap())
            .unwrap();
        let tl = Timeline {
            start_utc: start,
            len: 48,
            clock,
        };
        let c = tl.calendar(25);
        assert_eq!(
            (c.hour, c.weekday, c.month, c.day_of_year, c.holiday),
            (1, 2, 1, 2, false)
        );
        assert!(tl.calendar(0).holiday); // 1 January 2013
        assert_eq!(tl.label(25), "2013-01-02T01:00");
    }
}
