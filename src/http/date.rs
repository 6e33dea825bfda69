//! HTTP dates (RFC 9110 section 5.6.7): the IMF-fixdate senders use, and the two obsolete forms
//! recipients must still read.
//!
//! | form        | example                          |
//! |-------------|----------------------------------|
//! | IMF-fixdate | `Sun, 06 Nov 1994 08:49:37 GMT`  |
//! | RFC 850     | `Sunday, 06-Nov-94 08:49:37 GMT` |
//! | asctime     | `Sun Nov  6 08:49:37 1994`       |
//!
//! A weekday that is not the date's own makes the value no date at all: .NET's date parser, which
//! NuGet.Client reads `Retry-After` with, refuses such dates too, and a server that gets the
//! weekday wrong may have got the rest wrong as well. Names are case-sensitive, as the grammar
//! writes them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::calendar::{civil_from_days, days_from_civil, days_in_month};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Weekdays from Sunday, as `day-name` spells them.
const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// Weekdays from Sunday, as RFC 850's `day-name-l` spells them.
const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// RFC 9110: a two-digit year that would put the date more than 50 years in the future is the
/// most recent past year with those digits. 50 Gregorian years, in seconds.
const FIFTY_YEARS: i64 = 50 * 146_097 * 86_400 / 400;

/// An HTTP date in any of the three forms, as a point in time. A two-digit year (RFC 850) is
/// placed relative to the current time; see [`parse_http_date_at`].
pub fn parse_http_date(value: &str) -> Option<SystemTime> {
    parse_http_date_at(value, SystemTime::now())
}

/// [`parse_http_date`], placing a two-digit year relative to `now`. `None` when the value is in
/// none of the three forms, names a day that does not exist, or a weekday that is not the date's.
pub fn parse_http_date_at(value: &str, now: SystemTime) -> Option<SystemTime> {
    let date = imf_fixdate(value)
        .or_else(|| rfc850_date(value, now))
        .or_else(|| asctime_date(value))?;
    let secs = date.seconds().filter(|_| date.weekday_matches())?;
    match u64::try_from(secs) {
        Ok(after) => UNIX_EPOCH.checked_add(Duration::from_secs(after)),
        Err(_) => UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs())),
    }
}

/// The fields of a date as written, before they are checked against each other.
#[derive(Debug, Clone, Copy)]
struct Written {
    weekday: usize,
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
}

impl Written {
    /// Seconds since the Unix epoch, or `None` for a day or time that cannot be (a leap second,
    /// `:60`, is allowed). The weekday is not looked at.
    fn seconds(&self) -> Option<i64> {
        let valid_time = self.hour <= 23 && self.minute <= 59 && self.second <= 60;
        let valid_day = (1..=days_in_month(self.year, self.month)).contains(&self.day);
        if !valid_time || !valid_day {
            return None;
        }
        let days = days_from_civil(self.year, self.month, self.day);
        Some(days * 86_400 + self.hour * 3600 + self.minute * 60 + self.second)
    }

    /// Whether the weekday written is the date's (1970-01-01 was a Thursday).
    fn weekday_matches(&self) -> bool {
        let days = days_from_civil(self.year, self.month, self.day);
        (days + 4).rem_euclid(7) == self.weekday as i64
    }
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`.
fn imf_fixdate(value: &str) -> Option<Written> {
    let (weekday, rest) = value.split_once(", ")?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let weekday = index(&DAYS, weekday)?;
    written(weekday, number(year, 4)?, month, number(day, 2)?, time)
}

/// `Sunday, 06-Nov-94 08:49:37 GMT`, its two-digit year placed relative to `now`.
fn rfc850_date(value: &str, now: SystemTime) -> Option<Written> {
    let (weekday, rest) = value.split_once(", ")?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [date, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let fields: Vec<&str> = date.split('-').collect();
    let [day, month, year] = fields.as_slice() else {
        return None;
    };
    let weekday = index(&LONG_DAYS, weekday)?;
    let mut date = written(weekday, number(year, 2)?, month, number(day, 2)?, time)?;
    date.year = full_year(date, now)?;
    Some(date)
}

/// `Sun Nov  6 08:49:37 1994`: the day of the month is two digits, or a space and one digit.
fn asctime_date(value: &str) -> Option<Written> {
    let (weekday, rest) = value.split_once(' ')?;
    let (month, rest) = rest.split_once(' ')?;
    let (day, rest) = match rest.strip_prefix(' ') {
        Some(padded) => (number(padded.get(..1)?, 1)?, padded.get(1..)?),
        None => (number(rest.get(..2)?, 2)?, rest.get(2..)?),
    };
    let parts: Vec<&str> = rest.strip_prefix(' ')?.split(' ').collect();
    let [time, year] = parts.as_slice() else {
        return None;
    };
    written(index(&DAYS, weekday)?, number(year, 4)?, month, day, time)
}

/// The fields shared by all three forms, from a month name and `HH:MM:SS`.
fn written(weekday: usize, year: i64, month: &str, day: i64, time: &str) -> Option<Written> {
    let hms: Vec<&str> = time.split(':').collect();
    let [hour, minute, second] = hms.as_slice() else {
        return None;
    };
    Some(Written {
        weekday,
        year,
        month: index(&MONTHS, month)? as i64 + 1,
        day,
        hour: number(hour, 2)?,
        minute: number(minute, 2)?,
        second: number(second, 2)?,
    })
}

/// The four-digit year of a two-digit one: the year with those digits that puts the date less
/// than 50 years before `now` and at most 50 years after it. RFC 9110 asks for the second half
/// (later than that is the century before); the first is this crate's choice, so that a date
/// near the end of a century is not read as one about to come a hundred years early.
fn full_year(date: Written, now: SystemTime) -> Option<i64> {
    let now = match now.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).ok()?,
        Err(before) => -i64::try_from(before.duration().as_secs()).ok()?,
    };
    let century = year_of(now.div_euclid(86_400)).div_euclid(100) * 100;
    let candidate = Written {
        year: century + date.year,
        ..date
    };
    let ahead = candidate.seconds()? - now;
    Some(match ahead {
        _ if ahead > FIFTY_YEARS => candidate.year - 100,
        _ if ahead <= -FIFTY_YEARS => candidate.year + 100,
        _ => candidate.year,
    })
}

fn index(names: &[&str], name: &str) -> Option<usize> {
    names.iter().position(|n| *n == name)
}

/// Exactly `len` ASCII digits.
fn number(digits: &str, len: usize) -> Option<i64> {
    (digits.len() == len && len <= 4 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The Gregorian year of a day counted from 1970-01-01.
fn year_of(days: i64) -> i64 {
    civil_from_days(days).0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sun, 06 Nov 1994 08:49:37 GMT, the RFC's example.
    const EXAMPLE: u64 = 784_111_777;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn secs(value: &str, now: SystemTime) -> Option<u64> {
        let time = parse_http_date_at(value, now)?;
        Some(time.duration_since(UNIX_EPOCH).ok()?.as_secs())
    }

    /// 2025-06-01T00:00:00Z, a fixed "now" for the two-digit years.
    fn now() -> SystemTime {
        at(1_748_736_000)
    }

    #[test]
    fn imf_fixdates_parse() {
        assert_eq!(secs("Sun, 06 Nov 1994 08:49:37 GMT", now()), Some(EXAMPLE));
        assert_eq!(
            secs("Tue, 29 Feb 2028 00:00:00 GMT", now()),
            Some(1_835_395_200)
        );
        assert_eq!(secs("Thu, 01 Jan 1970 00:00:00 GMT", now()), Some(0));
        let before = parse_http_date_at("Wed, 31 Dec 1969 23:59:59 GMT", now()).unwrap();
        assert_eq!(UNIX_EPOCH.duration_since(before).unwrap().as_secs(), 1);
    }

    #[test]
    fn rfc850_dates_parse() {
        assert_eq!(secs("Sunday, 06-Nov-94 08:49:37 GMT", now()), Some(EXAMPLE));
        assert_eq!(
            secs("Tuesday, 29-Feb-28 00:00:00 GMT", now()),
            Some(1_835_395_200)
        );
    }

    #[test]
    fn a_two_digit_year_is_placed_within_fifty_years_of_now() {
        // From mid-2025, 2075-05-31 is less than 50 years ahead and 2075-06-02 more.
        assert_eq!(
            secs("Friday, 31-May-75 00:00:00 GMT", now()),
            Some(3_326_486_400)
        );
        assert_eq!(
            secs("Monday, 02-Jun-75 00:00:00 GMT", now()),
            Some(170_899_200)
        );
        // The weekday is checked against the year chosen (2075-06-02 is a Sunday).
        assert_eq!(secs("Sunday, 02-Jun-75 00:00:00 GMT", now()), None);
        // Late in the century, "94" is this century's year and "05" the next one's.
        let late = at(3_942_000_000); // 2094-12-01
        assert_eq!(
            secs("Saturday, 06-Nov-94 08:49:37 GMT", late),
            Some(3_939_871_777)
        );
        assert_eq!(
            secs("Sunday, 01-Mar-05 00:00:00 GMT", late),
            Some(4_265_308_800)
        );
        assert_eq!(
            secs("Tuesday, 01-Mar-05 00:00:00 GMT", now()),
            Some(1_109_635_200)
        );
    }

    #[test]
    fn asctime_dates_parse() {
        assert_eq!(secs("Sun Nov  6 08:49:37 1994", now()), Some(EXAMPLE));
        assert_eq!(secs("Sun Nov 06 08:49:37 1994", now()), Some(EXAMPLE));
        assert_eq!(
            secs("Wed Nov 16 08:49:37 1994", now()),
            Some(EXAMPLE + 10 * 86_400)
        );
    }

    #[test]
    fn a_weekday_that_is_not_the_dates_is_refused() {
        for wrong in [
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "Monday, 06-Nov-94 08:49:37 GMT",
            "Mon Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_http_date_at(wrong, now()), None, "{wrong}");
        }
    }

    #[test]
    fn malformed_dates_are_no_dates() {
        for bad in [
            "",
            "soon",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov 94 08:49:37 GMT",
            "Sun, 06 Nov 1994 8:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "sun, 06 Nov 1994 08:49:37 GMT",
            "Sun,  06 Nov 1994 08:49:37 GMT",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sat, 29 Feb 2100 00:00:00 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Sun, 06-Nov-94 08:49:37 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sunday, 06 Nov 94 08:49:37 GMT",
            "Sunday, 6-Nov-94 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37",
            "Sun Nov 6 08:49:37 1994",
            "Sun Nov   6 08:49:37 1994",
            "Sun Nov  6 08:49:37 94",
            "Sun Nov  6 08:49:37 1994 GMT",
            "Sunday Nov  6 08:49:37 1994",
            "Sun Nov é6 08:49:37 1994",
            "Sun Nov  é 08:49:37 1994",
        ] {
            assert_eq!(parse_http_date_at(bad, now()), None, "{bad}");
        }
    }

    #[test]
    fn years_are_found_from_day_numbers() {
        for (days, year) in [
            (0, 1970),
            (-1, 1969),
            (10_956, 1999),
            (10_957, 2000),
            (20_240, 2025),
        ] {
            assert_eq!(year_of(days), year, "{days}");
        }
        for year in [1600, 1900, 1969, 1970, 2000, 2024, 2100, 2400] {
            assert_eq!(year_of(days_from_civil(year, 1, 1)), year);
            assert_eq!(year_of(days_from_civil(year, 12, 31)), year);
        }
    }
}
