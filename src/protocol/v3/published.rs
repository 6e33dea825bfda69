//! Publish times as NuGet shows them: ISO 8601 in UTC with seven fractional digits.
//!
//! NuGet.Client reads `published` as a `DateTimeOffset` and rnuget reports it the way .NET
//! prints that instant in UTC (`2019-04-18T19:38:09.5670000Z`), so that both clients give the
//! same text whatever offset the feed wrote. A time without an offset is taken as UTC.

use crate::calendar::{civil_from_days, days_from_civil, days_in_month};

/// `text` converted to UTC, or `None` when it is not an ISO 8601 date and time.
pub fn to_utc(text: &str) -> Option<String> {
    let parsed = parse(text.trim())?;
    let seconds = parsed.local_seconds - parsed.offset_seconds;
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    if !(1..=9999).contains(&year) {
        return None;
    }
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:07}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
        parsed.ticks
    ))
}

struct Parsed {
    /// Seconds since 1970-01-01 in the written offset.
    local_seconds: i64,
    /// The written offset east of UTC, in seconds.
    offset_seconds: i64,
    /// Fraction of the second in 100 ns ticks (0..10_000_000).
    ticks: u32,
}

fn parse(text: &str) -> Option<Parsed> {
    let mut cursor = Cursor { rest: text };
    let year = cursor.digits(4)?;
    cursor.expect('-')?;
    let month = cursor.digits(2)?;
    cursor.expect('-')?;
    let day = cursor.digits(2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let (mut hour, mut minute, mut second, mut ticks) = (0, 0, 0, 0);
    if cursor.eat('T') || cursor.eat('t') || cursor.eat(' ') {
        hour = cursor.digits(2)?;
        cursor.expect(':')?;
        minute = cursor.digits(2)?;
        if cursor.eat(':') {
            second = cursor.digits(2)?;
            if cursor.eat('.') || cursor.eat(',') {
                ticks = cursor.fraction_ticks()?;
            }
        }
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let offset_seconds = cursor.offset()?;
    if !cursor.rest.is_empty() {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let local_seconds = days * 86_400 + hour * 3600 + minute * 60 + second;
    Some(Parsed {
        local_seconds,
        offset_seconds,
        ticks,
    })
}

struct Cursor<'a> {
    rest: &'a str,
}

impl Cursor<'_> {
    fn digits(&mut self, count: usize) -> Option<i64> {
        let head = self.rest.get(..count)?;
        if !head.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.rest = &self.rest[count..];
        head.parse().ok()
    }

    fn eat(&mut self, c: char) -> bool {
        match self.rest.strip_prefix(c) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn expect(&mut self, c: char) -> Option<()> {
        self.eat(c).then_some(())
    }

    /// Up to seven digits count; more are cut off, as .NET keeps 100 ns ticks.
    fn fraction_ticks(&mut self) -> Option<u32> {
        let length = self.rest.bytes().take_while(u8::is_ascii_digit).count();
        if length == 0 {
            return None;
        }
        let digits = &self.rest[..length];
        self.rest = &self.rest[length..];
        let mut kept: String = digits.chars().take(7).collect();
        while kept.len() < 7 {
            kept.push('0');
        }
        kept.parse().ok()
    }

    fn offset(&mut self) -> Option<i64> {
        if self.eat('Z') || self.eat('z') || self.rest.is_empty() {
            return Some(0);
        }
        let sign = if self.eat('+') {
            1
        } else if self.eat('-') {
            -1
        } else {
            return None;
        };
        let hours = self.digits(2)?;
        self.eat(':');
        let minutes = self.digits(2).unwrap_or(0);
        if hours > 14 || minutes > 59 {
            return None;
        }
        Some(sign * (hours * 3600 + minutes * 60))
    }
}

#[cfg(test)]
mod tests {
    use super::to_utc;

    #[test]
    fn offsets_are_converted_to_utc() {
        let cases = [
            (
                "2019-04-18T19:38:09.567+00:00",
                "2019-04-18T19:38:09.5670000Z",
            ),
            ("1900-01-01T00:00:00+00:00", "1900-01-01T00:00:00.0000000Z"),
            ("2016-05-16T16:18:50.05Z", "2016-05-16T16:18:50.0500000Z"),
            ("2020-02-29T23:30:00-01:00", "2020-03-01T00:30:00.0000000Z"),
            (
                "2021-01-01T00:15:00.123456789+02:00",
                "2020-12-31T22:15:00.1234567Z",
            ),
            ("2016-05-16T16:18:50", "2016-05-16T16:18:50.0000000Z"),
            ("2016-05-16", "2016-05-16T00:00:00.0000000Z"),
        ];
        for (input, want) in cases {
            assert_eq!(to_utc(input).as_deref(), Some(want), "{input}");
        }
    }

    #[test]
    fn placeholders_and_bad_dates_are_none() {
        for input in [
            "<timestamp>",
            "",
            "2019-02-29T00:00:00Z",
            "2019-04-18T25:00:00Z",
            "2019-04-18Tx",
        ] {
            assert_eq!(to_utc(input), None, "{input}");
        }
    }
}
