//! Cron schedules as CronJob's `spec.schedule` reads them (robfig/cron v3's
//! `ParseStandard`): five fields (minute, hour, day of month, month, day of week) with
//! lists, ranges, steps, `*`/`?`, month and weekday names, the `@yearly`, `@annually`,
//! `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly` macros and `@every DURATION`.
//! Error texts are the library's, which the API server shows. [`Schedule::next`] finds
//! the next time strictly after a given one, in a fixed-offset time zone.
//!
//! Time zones ([`zone_offset`]): `UTC`, `Etc/UTC`, `GMT`, `Etc/GMT±N` and IANA zones
//! that have no daylight saving time (a fixed table: `Asia/Tokyo`, `Asia/Kolkata`, ...).
//! Zones with daylight saving rules (`Europe/Berlin`, `America/New_York`) are not known
//! without a tz database; the CronJob controller reports them as `UnknownTimeZone`.

use super::go_quote;
use crate::sim::Millis;

/// A parsed schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Schedule {
    Spec(Spec),
    /// `@every D`: a constant delay (whole seconds, at least 1 s).
    Every(Millis),
}

/// Bit sets of the allowed values of each field; `STAR` marks a `*` or `?` field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    pub minute: u64,
    pub hour: u64,
    pub dom: u64,
    pub month: u64,
    pub dow: u64,
}

const STAR: u64 = 1 << 63;

fn all(min: i64, max: i64) -> u64 {
    bits(min, max, 1) | STAR
}

fn bits(min: i64, max: i64, step: i64) -> u64 {
    let mut b = 0;
    let mut i = min;
    while i <= max {
        b |= 1 << i;
        i += step;
    }
    b
}

impl Schedule {
    /// Parses a schedule as `cron.ParseStandard` does.
    pub fn parse(spec: &str) -> Result<Schedule, String> {
        let spec = spec.trim();
        if spec.is_empty() {
            return Err("empty spec string".into());
        }
        if let Some(d) = spec.strip_prefix('@') {
            let s = |minute, hour, dom, month, dow| {
                Ok(Schedule::Spec(Spec {
                    minute,
                    hour,
                    dom,
                    month,
                    dow,
                }))
            };
            return match d {
                "yearly" | "annually" => s(1, 1, 1 << 1, 1 << 1, all(0, 6)),
                "monthly" => s(1, 1, 1 << 1, all(1, 12), all(0, 6)),
                "weekly" => s(1, 1, all(1, 31), all(1, 12), 1),
                "daily" | "midnight" => s(1, 1, all(1, 31), all(1, 12), all(0, 6)),
                "hourly" => s(1, all(0, 23), all(1, 31), all(1, 12), all(0, 6)),
                _ if d.starts_with("every ") => {
                    let dur = &d[6..];
                    match parse_go_duration(dur) {
                        Some(ms) => Ok(Schedule::Every((ms / 1000 * 1000).max(1000))),
                        None => Err(format!(
                            "failed to parse duration @{d}: time: invalid duration {}",
                            go_quote(dur)
                        )),
                    }
                }
                _ => Err(format!("unrecognized descriptor: {spec}")),
            };
        }
        let fields: Vec<&str> = spec.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(format!(
                "expected exactly 5 fields, found {}: [{}]",
                fields.len(),
                fields.join(" ")
            ));
        }
        const MONTHS: [&str; 12] = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ];
        const DOWS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
        let bounds: [(i64, i64, &[&str], i64); 5] = [
            (0, 59, &[], 0),
            (0, 23, &[], 0),
            (1, 31, &[], 0),
            (1, 12, &MONTHS, 1),
            (0, 6, &DOWS, 0),
        ];
        let mut out = [0u64; 5];
        for (i, (f, (min, max, names, name_base))) in fields.iter().zip(bounds).enumerate() {
            for expr in f.split(',') {
                out[i] |= range(expr, min, max, names, name_base)?;
            }
        }
        Ok(Schedule::Spec(Spec {
            minute: out[0],
            hour: out[1],
            dom: out[2],
            month: out[3],
            dow: out[4],
        }))
    }

    /// The first time strictly after `t` (ms since the epoch, UTC) that the schedule
    /// names, read in a zone `offset_s` seconds east of UTC; None past five years.
    pub fn next(&self, t: Millis, offset_s: i64) -> Option<Millis> {
        let spec = match self {
            Schedule::Every(d) => return Some(t - t.rem_euclid(1000) + d),
            Schedule::Spec(s) => s,
        };
        let off = offset_s * 1000;
        // Local wall time, the next whole minute after it.
        let local = t + off;
        let start_min = local.div_euclid(60_000) + 1;
        let start_day = start_min.div_euclid(1440);
        let start_minute_of_day = start_min.rem_euclid(1440);
        for day in start_day..start_day + 5 * 366 {
            let (_, m, d) = civil_from_days(day);
            let wd = (day + 4).rem_euclid(7);
            if spec.month & (1 << m) == 0 || !day_matches(spec, d, wd) {
                continue;
            }
            let from = if day == start_day {
                start_minute_of_day
            } else {
                0
            };
            for h in from / 60..24 {
                if spec.hour & (1 << h) == 0 {
                    continue;
                }
                let m0 = if h == from / 60 { from % 60 } else { 0 };
                for mi in m0..60 {
                    if spec.minute & (1 << mi) != 0 {
                        let local_ms = (day * 1440 + h * 60 + mi) * 60_000;
                        return Some(local_ms - off);
                    }
                }
            }
        }
        None
    }
}

fn day_matches(s: &Spec, dom: i64, dow: i64) -> bool {
    let dom_match = s.dom & (1 << dom) != 0;
    let dow_match = s.dow & (1 << dow) != 0;
    if s.dom & STAR != 0 || s.dow & STAR != 0 {
        dom_match && dow_match
    } else {
        dom_match || dow_match
    }
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn go_atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "failed to parse int from {s}: strconv.Atoi: parsing {}: invalid syntax",
            go_quote(s)
        ));
    }
    s.parse::<i64>().map_err(|_| {
        format!(
            "failed to parse int from {s}: strconv.Atoi: parsing {}: value out of range",
            go_quote(s)
        )
    })
}

fn must_parse_int(s: &str) -> Result<i64, String> {
    let n = go_atoi(s)?;
    if n < 0 {
        return Err(format!("negative number ({n}) not allowed: {s}"));
    }
    Ok(n)
}

fn int_or_name(s: &str, names: &[&str], base: i64) -> Result<i64, String> {
    let lower = s.to_ascii_lowercase();
    if let Some(i) = names.iter().position(|n| *n == lower) {
        return Ok(i as i64 + base);
    }
    must_parse_int(s)
}

/// One comma-separated part of a field (`getRange`).
fn range(expr: &str, min: i64, max: i64, names: &[&str], base: i64) -> Result<u64, String> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_high: Vec<&str> = range_and_step[0].split('-').collect();
    let single = low_high.len() == 1;
    let (start, mut end);
    let mut extra = 0;
    if low_high[0] == "*" || low_high[0] == "?" {
        start = min;
        end = max;
        extra = STAR;
    } else {
        start = int_or_name(low_high[0], names, base)?;
        end = match low_high.len() {
            1 => start,
            2 => int_or_name(low_high[1], names, base)?,
            _ => return Err(format!("too many hyphens: {expr}")),
        };
    }
    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let s = must_parse_int(range_and_step[1])?;
            if single {
                end = max;
            }
            if s > 1 {
                extra = 0;
            }
            s
        }
        _ => return Err(format!("too many slashes: {expr}")),
    };
    if start < min {
        return Err(format!(
            "beginning of range ({start}) below minimum ({min}): {expr}"
        ));
    }
    if end > max {
        return Err(format!(
            "end of range ({end}) above maximum ({max}): {expr}"
        ));
    }
    if start > end {
        return Err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    Ok(bits(start, end, step) | extra)
}

/// Go's `time.ParseDuration`, in ms (`1h30m`, `90s`, `1.5h`).
fn parse_go_duration(s: &str) -> Option<Millis> {
    let neg = s.starts_with('-');
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    if s == "0" {
        return Some(0);
    }
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    let mut i = 0;
    let mut total = 0f64;
    while i < b.len() {
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
            i += 1;
        }
        if i == start {
            return None;
        }
        let n: f64 = s[start..i].parse().ok()?;
        let ustart = i;
        while i < b.len() && !(b[i].is_ascii_digit() || b[i] == b'.') {
            i += 1;
        }
        let unit = match &s[ustart..i] {
            "ns" => 1e-6,
            "us" | "µs" | "μs" => 1e-3,
            "ms" => 1.0,
            "s" => 1e3,
            "m" => 60e3,
            "h" => 3600e3,
            _ => return None,
        };
        total += n * unit;
    }
    Some(if neg { -(total as i64) } else { total as i64 })
}

/// The UTC offset (seconds east) of the zones known without a tz database: UTC,
/// `Etc/GMT±N` and IANA zones without daylight saving time.
pub fn zone_offset(tz: &str) -> Option<i64> {
    const H: i64 = 3600;
    if let Some(n) = tz.strip_prefix("Etc/GMT") {
        if n.is_empty() || n == "0" || n == "+0" || n == "-0" {
            return Some(0);
        }
        let v: i64 = n.parse().ok()?;
        // POSIX style: Etc/GMT+5 is five hours behind UTC.
        return (-14..=12).contains(&v).then_some(-v * H);
    }
    Some(match tz {
        "UTC" | "Etc/UTC" | "Etc/UCT" | "UCT" | "GMT" | "Etc/GMT" | "Etc/Universal"
        | "Universal" | "Zulu" | "Etc/Zulu" | "Etc/Greenwich" | "Greenwich" => 0,
        "Africa/Abidjan" | "Africa/Accra" | "Africa/Dakar" | "Atlantic/Reykjavik" => 0,
        "Africa/Lagos" | "Africa/Algiers" | "Africa/Kinshasa" | "Africa/Tunis" => H,
        "Africa/Johannesburg" | "Africa/Cairo" | "Africa/Maputo" | "Africa/Harare" => 2 * H,
        "Africa/Nairobi" | "Africa/Addis_Ababa" | "Europe/Moscow" | "Europe/Istanbul"
        | "Asia/Riyadh" | "Asia/Baghdad" | "Asia/Qatar" | "Europe/Minsk" => 3 * H,
        "Asia/Dubai" | "Asia/Baku" | "Asia/Tbilisi" | "Asia/Yerevan" => 4 * H,
        "Asia/Kabul" => 4 * H + 1800,
        "Asia/Karachi" | "Asia/Tashkent" | "Asia/Yekaterinburg" => 5 * H,
        "Asia/Kolkata" | "Asia/Calcutta" | "Asia/Colombo" => 5 * H + 1800,
        "Asia/Kathmandu" | "Asia/Katmandu" => 5 * H + 2700,
        "Asia/Dhaka" | "Asia/Almaty" | "Asia/Omsk" => 6 * H,
        "Asia/Yangon" | "Asia/Rangoon" => 6 * H + 1800,
        "Asia/Bangkok" | "Asia/Jakarta" | "Asia/Ho_Chi_Minh" | "Asia/Novosibirsk" => 7 * H,
        "Asia/Shanghai" | "Asia/Hong_Kong" | "Asia/Singapore" | "Asia/Taipei" | "Asia/Manila"
        | "Asia/Kuala_Lumpur" | "Australia/Perth" | "Asia/Irkutsk" | "PRC" | "Singapore" => 8 * H,
        "Asia/Tokyo" | "Asia/Seoul" | "Asia/Pyongyang" | "Asia/Yakutsk" | "Japan" => 9 * H,
        "Australia/Darwin" => 9 * H + 1800,
        "Australia/Brisbane" | "Asia/Vladivostok" | "Pacific/Guam" | "Pacific/Port_Moresby" => {
            10 * H
        }
        "Asia/Magadan" | "Pacific/Guadalcanal" | "Pacific/Noumea" => 11 * H,
        "Pacific/Fiji" | "Asia/Kamchatka" | "Pacific/Tarawa" => 12 * H,
        "Pacific/Tongatapu" | "Pacific/Apia" => 13 * H,
        "Pacific/Kiritimati" => 14 * H,
        "Atlantic/Cape_Verde" => -H,
        "America/Noronha" | "Atlantic/South_Georgia" => -2 * H,
        "America/Sao_Paulo"
        | "America/Argentina/Buenos_Aires"
        | "America/Buenos_Aires"
        | "America/Montevideo"
        | "America/Cayenne" => -3 * H,
        "America/Caracas"
        | "America/La_Paz"
        | "America/Manaus"
        | "America/Puerto_Rico"
        | "America/Santo_Domingo" => -4 * H,
        "America/Bogota" | "America/Lima" | "America/Panama" | "America/Cancun"
        | "America/Jamaica" | "America/Guayaquil" => -5 * H,
        "America/Mexico_City"
        | "America/Guatemala"
        | "America/Costa_Rica"
        | "America/Regina"
        | "America/El_Salvador" => -6 * H,
        "America/Phoenix" | "America/Hermosillo" => -7 * H,
        "Pacific/Pitcairn" => -8 * H,
        "Pacific/Gambier" => -9 * H,
        "Pacific/Marquesas" => -9 * H - 1800,
        "Pacific/Honolulu" | "Pacific/Tahiti" | "US/Hawaii" => -10 * H,
        "Pacific/Pago_Pago" | "Pacific/Niue" => -11 * H,
        _ => return None,
    })
}

/// RFC 3339 in a fixed-offset zone (`2025-01-01T09:00:00+09:00`, `...Z` for UTC), as
/// Go's `time.RFC3339` formats a time in a location.
pub fn rfc3339_in(t: Millis, offset_s: i64) -> String {
    let local = t.div_euclid(1000) + offset_s;
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (y, mo, d) = civil_from_days(days);
    let base = format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    if offset_s == 0 {
        return format!("{base}Z");
    }
    let sign = if offset_s < 0 { '-' } else { '+' };
    let a = offset_s.abs();
    format!("{base}{sign}{:02}:{:02}", a / 3600, a / 60 % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    const JAN1: Millis = 1_735_689_600_000; // 2025-01-01T00:00:00Z, a Wednesday

    fn next(spec: &str, t: Millis) -> Millis {
        Schedule::parse(spec).unwrap().next(t, 0).unwrap()
    }

    #[test]
    fn next_times_as_robfig() {
        let min = 60_000;
        assert_eq!(next("*/1 * * * *", JAN1), JAN1 + min, "strictly after");
        assert_eq!(next("*/1 * * * *", JAN1 + 100), JAN1 + min);
        assert_eq!(next("*/5 * * * *", JAN1 + min), JAN1 + 5 * min);
        assert_eq!(next("30 2 * * *", JAN1), JAN1 + (2 * 60 + 30) * min);
        assert_eq!(next("@hourly", JAN1), JAN1 + 60 * min);
        assert_eq!(next("@daily", JAN1), JAN1 + 1440 * min);
        // Sunday 2025-01-05.
        assert_eq!(next("@weekly", JAN1), JAN1 + 4 * 1440 * min);
        assert_eq!(next("0 0 * * SUN", JAN1), JAN1 + 4 * 1440 * min);
        assert_eq!(next("0 0 1 FEB ?", JAN1), JAN1 + 31 * 1440 * min);
        // Day of month OR day of week when neither is a star: the 3rd or a Friday.
        assert_eq!(next("0 0 3 * 5", JAN1), JAN1 + 2 * 1440 * min);
        assert_eq!(next("0 0 10 * 5", JAN1), JAN1 + 2 * 1440 * min);
        assert_eq!(next("@yearly", JAN1), 1_767_225_600_000);
        assert_eq!(next("0 9-17/4 * * mon-fri", JAN1), JAN1 + 9 * 60 * min);
        assert_eq!(next("@every 90s", JAN1 + 500), JAN1 + 90_000);
        assert!(Schedule::parse("0 0 30 2 *")
            .unwrap()
            .next(JAN1, 0)
            .is_none());
        // Tokyo midnight is 15:00 UTC.
        let tokyo = zone_offset("Asia/Tokyo").unwrap();
        assert_eq!(
            Schedule::parse("0 0 * * *").unwrap().next(JAN1, tokyo),
            Some(JAN1 + 15 * 60 * min)
        );
        assert_eq!(
            rfc3339_in(JAN1 + 15 * 60 * min, tokyo),
            "2025-01-02T00:00:00+09:00"
        );
        assert_eq!(rfc3339_in(JAN1, 0), "2025-01-01T00:00:00Z");
        assert_eq!(zone_offset("Etc/GMT+5"), Some(-5 * 3600));
        assert_eq!(zone_offset("Europe/Berlin"), None);
    }

    #[test]
    fn parse_errors_as_robfig() {
        for ok in [
            "* * * * *",
            "*/15 0-23/2 1,15 JAN-dec MON-fri",
            "@midnight",
            "@every 1h30m",
            "0 0 ? * *",
        ] {
            assert!(Schedule::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            Schedule::parse("61 * * * *").unwrap_err(),
            "end of range (61) above maximum (59): 61"
        );
        assert_eq!(
            Schedule::parse("* * *").unwrap_err(),
            "expected exactly 5 fields, found 3: [* * *]"
        );
    }
}
