//! `resource.Quantity`: exact fixed-point parsing of every upstream form (`500m`, `0.5`,
//! `128Mi`, `1.5Gi`, `1e3`, `+1`, `.5`, ...), upstream's error texts, rounding (values
//! finer than a nano round up, away from zero), and printing exactly as upstream's
//! `Quantity.String()` / `MarshalJSON`, including its quirks: a well-formed input that is
//! already "canonical enough" is printed back verbatim (`+1`, `1e3`, `01`, `1.G`), and a
//! DecimalSI exponent without a suffix (`1000E`) prints the bare mantissa.
//!
//! Representation: `mantissa * 10^exponent` with an `i128` mantissa (normalised: no
//! trailing zeros), so no floating point is ever involved. Limitation: values with more
//! than 38 significant digits are rejected (`unable to parse numeric part of quantity`)
//! where upstream uses arbitrary precision.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Upstream's `splitREString`.
const SPLIT_RE: &str = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

/// `ErrFormatWrong`.
pub fn err_format_wrong() -> String {
    format!("quantities must match the regular expression '{SPLIT_RE}'")
}
/// `ErrNumeric`.
pub const ERR_NUMERIC: &str = "unable to parse numeric part of quantity";
/// `ErrSuffix`.
pub const ERR_SUFFIX: &str = "unable to parse quantity's suffix";

/// The three formats a quantity remembers from its suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// `12e6`
    DecimalExponent,
    /// `12Mi` (12 * 2^20)
    BinarySI,
    /// `12M` (12 * 10^6)
    #[default]
    DecimalSI,
}

/// Scales (powers of ten) for [`Quantity::scaled_value`].
pub mod scale {
    pub const NANO: i32 = -9;
    pub const MICRO: i32 = -6;
    pub const MILLI: i32 = -3;
    pub const KILO: i32 = 3;
    pub const MEGA: i32 = 6;
    pub const GIGA: i32 = 9;
    pub const TERA: i32 = 12;
    pub const PETA: i32 = 15;
    pub const EXA: i32 = 18;
}

/// A fixed-point number with the format it was written in.
#[derive(Clone, Debug, Default)]
pub struct Quantity {
    /// Normalised: no trailing decimal zeros; zero is `(0, 0)`.
    mantissa: i128,
    exponent: i64,
    format: Format,
    /// The text it was parsed from, kept when upstream would print it verbatim and it
    /// differs from the canonical form.
    original: Option<Box<str>>,
}

const MAX_ALLOWED: i128 = i64::MAX as i128;

fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

fn normalize(mut m: i128, mut e: i64) -> (i128, i64) {
    if m == 0 {
        return (0, 0);
    }
    while m % 10 == 0 {
        m /= 10;
        e += 1;
    }
    (m, e)
}

/// Rounds a non-negative `m * 10^e` up to a multiple of 10^-9.
fn round_up_nano(m: i128, e: i64) -> (i128, i64) {
    if m == 0 || e >= -9 {
        return (m, e);
    }
    let k = -9 - e;
    match u32::try_from(k).ok().and_then(pow10) {
        Some(d) => {
            let q = m / d;
            let r = m % d;
            (if r != 0 { q + 1 } else { q }, -9)
        }
        None => (1, -9),
    }
}

struct Scanned<'a> {
    positive: bool,
    value: &'a str,
    num: &'a str,
    denom: &'a str,
    suffix: &'a str,
}

/// Upstream's `parseQuantityString` scanner.
fn scan(s: &str) -> Result<Scanned<'_>, String> {
    let b = s.as_bytes();
    let end = b.len();
    let mut positive = true;
    let mut pos = 0;
    match b.first() {
        Some(b'-') => {
            positive = false;
            pos += 1;
        }
        Some(b'+') => pos += 1,
        _ => {}
    }
    while pos < end && b[pos] == b'0' {
        pos += 1;
    }
    if pos >= end {
        return Ok(Scanned {
            positive,
            value: "0",
            num: "0",
            denom: "",
            suffix: "",
        });
    }
    let start = pos;
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos >= end {
        return Ok(Scanned {
            positive,
            value: s,
            num: &s[start..],
            denom: "",
            suffix: "",
        });
    }
    let mut num = &s[start..pos];
    if num.is_empty() {
        num = "0";
    }
    let mut denom = "";
    if b[pos] == b'.' {
        pos += 1;
        let dstart = pos;
        while pos < end && b[pos].is_ascii_digit() {
            pos += 1;
        }
        if pos >= end {
            return Ok(Scanned {
                positive,
                value: s,
                num,
                denom: &s[dstart..],
                suffix: "",
            });
        }
        denom = &s[dstart..pos];
    }
    let value = &s[..pos];
    let suffix_start = pos;
    while pos < end && b"eEinumkKMGTP".contains(&b[pos]) {
        pos += 1;
    }
    if pos < end && (b[pos] == b'-' || b[pos] == b'+') {
        pos += 1;
    }
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos < end {
        return Err(err_format_wrong());
    }
    Ok(Scanned {
        positive,
        value,
        num,
        denom,
        suffix: &s[suffix_start..],
    })
}

/// Upstream's suffix interpretation: (base, exponent, format).
fn interpret(suffix: &str) -> Option<(u32, i32, Format)> {
    use Format::*;
    Some(match suffix {
        "" => (10, 0, DecimalSI),
        "n" => (10, -9, DecimalSI),
        "u" => (10, -6, DecimalSI),
        "m" => (10, -3, DecimalSI),
        "k" => (10, 3, DecimalSI),
        "M" => (10, 6, DecimalSI),
        "G" => (10, 9, DecimalSI),
        "T" => (10, 12, DecimalSI),
        "P" => (10, 15, DecimalSI),
        "E" => (10, 18, DecimalSI),
        "Ki" => (2, 10, BinarySI),
        "Mi" => (2, 20, BinarySI),
        "Gi" => (2, 30, BinarySI),
        "Ti" => (2, 40, BinarySI),
        "Pi" => (2, 50, BinarySI),
        "Ei" => (2, 60, BinarySI),
        _ => {
            let rest = suffix.strip_prefix(['e', 'E'])?;
            if rest.is_empty() {
                return None;
            }
            // ParseInt(.., 64) then a (wrapping) conversion to int32, as upstream.
            let parsed: i64 = rest.parse().ok()?;
            (10, parsed as i32, DecimalExponent)
        }
    })
}

fn decimal_suffix(e: i64) -> &'static str {
    match e {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => "",
    }
}

fn binary_suffix(k: u32) -> &'static str {
    match k {
        1 => "Ki",
        2 => "Mi",
        3 => "Gi",
        4 => "Ti",
        5 => "Pi",
        6 => "Ei",
        _ => "",
    }
}

/// Go's `encoding/json` text for a float64 (`'f'` between 1e-6 and 1e21, else `'e'`
/// with `e-07` cleaned to `e-7`): the text upstream's `UnmarshalJSON` then parses.
fn go_json_float(f: f64) -> String {
    let a = f.abs();
    if a == 0.0 || (1e-6..1e21).contains(&a) {
        let s = format!("{f}");
        if s == "-0" {
            return "-0".into();
        }
        return s;
    }
    // Rust's `{:e}` is the shortest round-trip form: `1e21`, `1.5e-7`.
    let s = format!("{f:e}");
    match s.split_once('e') {
        Some((m, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ("-", d),
                None => ("+", exp),
            };
            if sign == "+" && digits.len() < 2 {
                format!("{m}e+0{digits}")
            } else {
                format!("{m}e{sign}{digits}")
            }
        }
        None => s,
    }
}

impl Quantity {
    /// Parses a quantity; the error texts are upstream's
    /// (`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    /// `unable to parse quantity's suffix`, `unable to parse numeric part of quantity`).
    pub fn parse(s: &str) -> Result<Quantity, String> {
        if s.is_empty() {
            return Err(err_format_wrong());
        }
        if s == "0" {
            return Ok(Quantity::default());
        }
        let sc = scan(s)?;
        let (base, exp, mut format) = interpret(sc.suffix).ok_or_else(|| ERR_SUFFIX.to_string())?;
        let digits_len = (sc.num.len() + sc.denom.len()) as i64;

        // Upstream's int64 fast path decides whether the text is kept verbatim.
        let precision: i64 = match format {
            Format::DecimalExponent | Format::DecimalSI => 18 - digits_len,
            Format::BinarySI => {
                if exp >= 0 && sc.denom.is_empty() {
                    15 - sc.num.len() as i64 - ((exp as f32) * 3.0 / 10.0) as i64 - 1
                } else {
                    -1
                }
            }
        };
        let fast_scale = if base == 10 { exp as i64 } else { 0 } - sc.denom.len() as i64;
        let mut keep_text = false;
        let mut fast_path = false;
        if precision >= 0 && fast_scale >= -9 {
            let shifted = format!("{}{}", sc.num, sc.denom);
            if let Ok(v) = shifted.parse::<i64>() {
                let mult: i64 = if base == 2 {
                    1i64.checked_shl(exp as u32).unwrap_or(0)
                } else {
                    1
                };
                if mult != 0 && v.checked_mul(mult).is_some() {
                    fast_path = true;
                    keep_text = match format {
                        Format::BinarySI => exp % 10 == 0 && (v & 7) != 0,
                        _ => {
                            fast_scale % 3 == 0
                                && !shifted.ends_with("000")
                                && !shifted.starts_with('0')
                        }
                    };
                }
            }
        }
        if !fast_path && !sc.value.bytes().any(|c| c.is_ascii_digit()) {
            return Err(ERR_NUMERIC.to_string());
        }

        // The exact value: digits * 10^e10 (* 2^exp for BinarySI).
        let all = format!("{}{}", sc.num, sc.denom);
        let digits = all.trim_start_matches('0');
        let trimmed = digits.trim_end_matches('0');
        let mut e10: i64 = -(sc.denom.len() as i64) + (digits.len() - trimmed.len()) as i64;
        if base == 10 {
            e10 += exp as i64;
        }
        let (mut m, mut e) = if trimmed.is_empty() {
            (0i128, 0i64)
        } else if base == 10 {
            // Round up to nano on the digit string first so long fractions still fit.
            let mut d = trimmed;
            let mut bump = false;
            if e10 < -9 {
                let k = (-9 - e10) as usize;
                if k >= d.len() {
                    d = "1";
                } else {
                    d = &d[..d.len() - k];
                    bump = true; // the dropped part ends in a non-zero digit
                }
                e10 = -9;
            }
            let mut v: i128 = d.parse().map_err(|_| ERR_NUMERIC.to_string())?;
            if bump {
                v = v.checked_add(1).ok_or_else(|| ERR_NUMERIC.to_string())?;
            }
            (v, e10)
        } else {
            let d: i128 = trimmed.parse().map_err(|_| ERR_NUMERIC.to_string())?;
            let pow2 = 1i128 << exp.clamp(0, 60);
            match d.checked_mul(pow2) {
                Some(n) => {
                    let (mut n, mut ne) = (n, e10);
                    if ne > 0 {
                        n = u32::try_from(ne)
                            .ok()
                            .and_then(pow10)
                            .and_then(|p| n.checked_mul(p))
                            .unwrap_or(i128::MAX);
                        ne = 0;
                    }
                    let (n, ne) = round_up_nano(n, ne);
                    (n, ne)
                }
                None if e10 >= 0 => (i128::MAX, 0),
                None => return Err(ERR_NUMERIC.to_string()),
            }
        };
        if format == Format::BinarySI {
            // Cap at 2^63-1; tiny values switch to DecimalSI.
            let (nm, ne) = normalize(m, e);
            if Self::cmp_mag(nm, ne, MAX_ALLOWED, 0) == Ordering::Greater {
                m = MAX_ALLOWED;
                e = 0;
            } else if nm != 0 && Self::cmp_mag(nm, ne, 1, 0) == Ordering::Less {
                format = Format::DecimalSI;
            }
        }
        let (m, e) = normalize(m, e);
        let mut q = Quantity {
            mantissa: if sc.positive { m } else { -m },
            exponent: e,
            format,
            original: None,
        };
        if keep_text && q.canonical() != s {
            q.original = Some(s.into());
        }
        Ok(q)
    }

    /// A quantity of `value` in `format` (upstream `NewQuantity`).
    pub fn new(value: i64, format: Format) -> Quantity {
        Self::from_parts(value as i128, 0, format)
    }
    /// `value / 1000` in DecimalSI (upstream `NewMilliQuantity(v, DecimalSI)`).
    pub fn from_milli(value: i64) -> Quantity {
        Self::from_parts(value as i128, -3, Format::DecimalSI)
    }
    /// `value / 1000` in the given format (upstream `NewMilliQuantity`).
    pub fn from_milli_format(value: i64, format: Format) -> Quantity {
        Self::from_parts(value as i128, -3, format)
    }
    /// `value * 10^scale` in DecimalSI (upstream `NewScaledQuantity`).
    pub fn from_scaled(value: i64, scale: i32) -> Quantity {
        Self::from_parts(value as i128, scale as i64, Format::DecimalSI)
    }
    /// An integer in DecimalSI.
    pub fn from_value(value: i64) -> Quantity {
        Self::new(value, Format::DecimalSI)
    }
    fn from_parts(m: i128, e: i64, format: Format) -> Quantity {
        let (mantissa, exponent) = normalize(m, e);
        Quantity {
            mantissa,
            exponent,
            format,
            original: None,
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }
    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }
    /// -1, 0 or 1.
    pub fn sign(&self) -> i32 {
        self.mantissa.signum() as i32
    }

    /// `ceil(q / 10^scale)` rounding away from zero, saturating at the i64 range
    /// (upstream `ScaledValue`).
    pub fn scaled_value(&self, scale: i32) -> i64 {
        if self.mantissa == 0 {
            return 0;
        }
        let neg = self.mantissa < 0;
        let mag = self.mantissa.unsigned_abs();
        let shift = self.exponent - scale as i64;
        let v: u128 = if shift >= 0 {
            u32::try_from(shift)
                .ok()
                .and_then(|s| 10u128.checked_pow(s))
                .and_then(|p| mag.checked_mul(p))
                .unwrap_or(u128::MAX)
        } else {
            match u32::try_from(-shift)
                .ok()
                .and_then(|s| 10u128.checked_pow(s))
            {
                Some(d) => mag / d + u128::from(!mag.is_multiple_of(d)),
                None => 1,
            }
        };
        if neg {
            if v > i64::MAX as u128 + 1 {
                i64::MIN
            } else {
                (v as i128).wrapping_neg() as i64
            }
        } else {
            i64::try_from(v).unwrap_or(i64::MAX)
        }
    }
    /// The value in thousandths, rounded up away from zero (upstream `MilliValue`).
    pub fn milli_value(&self) -> i64 {
        self.scaled_value(scale::MILLI)
    }
    /// The value rounded up away from zero to an integer (upstream `Value`).
    pub fn value(&self) -> i64 {
        self.scaled_value(0)
    }

    /// Adds `y` (upstream `Add`: a zero receiver takes `y`'s format). Saturates on overflow.
    pub fn add(&mut self, y: &Quantity) {
        if self.is_zero() {
            self.format = y.format;
        }
        let (m, e) = Self::aligned_sum(self.mantissa, self.exponent, y.mantissa, y.exponent);
        *self = Self::from_parts(m, e, self.format);
    }
    /// Subtracts `y` (upstream `Sub`). Saturates on overflow.
    pub fn sub(&mut self, y: &Quantity) {
        if self.is_zero() {
            self.format = y.format;
        }
        let (m, e) = Self::aligned_sum(self.mantissa, self.exponent, -y.mantissa, y.exponent);
        *self = Self::from_parts(m, e, self.format);
    }
    /// Negates the value (upstream `Neg`).
    pub fn neg(&mut self) {
        self.mantissa = -self.mantissa;
        self.original = None;
    }

    fn aligned_sum(m1: i128, e1: i64, m2: i128, e2: i64) -> (i128, i64) {
        if m2 == 0 {
            return (m1, e1);
        }
        if m1 == 0 {
            return (m2, e2);
        }
        let e = e1.min(e2);
        let up = |m: i128, by: i64| -> i128 {
            match u32::try_from(by)
                .ok()
                .and_then(pow10)
                .and_then(|p| m.checked_mul(p))
            {
                Some(v) => v,
                None if m < 0 => i128::MIN / 2,
                None => i128::MAX / 2,
            }
        };
        let a = up(m1, e1 - e);
        let b = up(m2, e2 - e);
        (a.saturating_add(b), e)
    }

    /// Compares the magnitudes `|m1| * 10^e1` and `|m2| * 10^e2` (both normalised).
    fn cmp_mag(m1: i128, e1: i64, m2: i128, e2: i64) -> Ordering {
        let (a, b) = (m1.unsigned_abs(), m2.unsigned_abs());
        match (a == 0, b == 0) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        if e1 == e2 {
            return a.cmp(&b);
        }
        // Scale the one with the larger exponent down to the other's; overflow means larger.
        let (hi, lo, d, flipped) = if e1 > e2 {
            (a, b, e1 - e2, false)
        } else {
            (b, a, e2 - e1, true)
        };
        let ord = match u32::try_from(d)
            .ok()
            .and_then(|d| 10u128.checked_pow(d))
            .and_then(|p| hi.checked_mul(p))
        {
            Some(v) => v.cmp(&lo),
            None => Ordering::Greater,
        };
        if flipped {
            ord.reverse()
        } else {
            ord
        }
    }

    /// The canonical form (upstream `CanonicalizeBytes`), ignoring any kept input text.
    pub fn canonical(&self) -> String {
        if self.mantissa == 0 {
            return "0".into();
        }
        let neg = self.mantissa < 0;
        let sign = if neg { "-" } else { "" };
        let mut format = self.format;
        if format == Format::BinarySI {
            let small =
                Self::cmp_mag(self.mantissa.abs(), self.exponent, 1024, 0) == Ordering::Less;
            if small || self.exponent < 0 {
                format = Format::DecimalSI;
            }
        }
        if format == Format::BinarySI {
            let int = u32::try_from(self.exponent)
                .ok()
                .and_then(|e| 10u128.checked_pow(e))
                .and_then(|p| self.mantissa.unsigned_abs().checked_mul(p));
            if let Some(mut v) = int {
                let mut k = 0;
                while v % 1024 == 0 {
                    v /= 1024;
                    k += 1;
                }
                return format!("{sign}{v}{}", binary_suffix(k));
            }
            format = Format::DecimalSI;
        }
        let r = self.exponent.rem_euclid(3);
        let e = self.exponent - r;
        let digits = format!("{}{}", self.mantissa.unsigned_abs(), "0".repeat(r as usize));
        match format {
            Format::DecimalExponent if e != 0 => format!("{sign}{digits}e{e}"),
            Format::DecimalExponent => format!("{sign}{digits}"),
            _ => format!("{sign}{digits}{}", decimal_suffix(e)),
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.original {
            Some(s) => f.write_str(s),
            None => f.write_str(&self.canonical()),
        }
    }
}

impl std::str::FromStr for Quantity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Quantity::parse(s)
    }
}

/// Equality is numeric, as upstream's `Equal`/`Cmp` (`1000m == 1`).
impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.mantissa == other.mantissa && self.exponent == other.exponent
    }
}
impl Eq for Quantity {}
impl Hash for Quantity {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.mantissa.hash(h);
        self.exponent.hash(h);
    }
}
impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (self.mantissa.signum(), other.mantissa.signum());
        if a != b {
            return a.cmp(&b);
        }
        let mag = Self::cmp_mag(self.mantissa, self.exponent, other.mantissa, other.exponent);
        if a < 0 {
            mag.reverse()
        } else {
            mag
        }
    }
}

impl std::ops::AddAssign<&Quantity> for Quantity {
    fn add_assign(&mut self, rhs: &Quantity) {
        self.add(rhs);
    }
}
impl std::ops::SubAssign<&Quantity> for Quantity {
    fn sub_assign(&mut self, rhs: &Quantity) {
        self.sub(rhs);
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

struct QuantityVisitor;

impl<'de> Visitor<'de> for QuantityVisitor {
    type Value = Quantity;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a quantity (string or number)")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
        // Upstream's UnmarshalJSON trims surrounding whitespace.
        Quantity::parse(v.trim()).map_err(E::custom)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
        Quantity::parse(&v.to_string()).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
        Quantity::parse(&v.to_string()).map_err(E::custom)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
        if !v.is_finite() {
            return Err(E::custom(err_format_wrong()));
        }
        Quantity::parse(&go_json_float(v)).map_err(E::custom)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Quantity, E> {
        Ok(Quantity::default())
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(QuantityVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// Input -> printed form, every row checked against kubectl v1.32
    /// (`kubectl set resources --local --limits=cpu=X -o jsonpath=...`).
    #[test]
    fn prints_like_upstream() {
        let table = [
            ("0.5", "500m"),
            ("1e3", "1e3"),
            ("1.5Gi", "1536Mi"),
            ("1000Mi", "1000Mi"),
            ("1000m", "1"),
            ("+1", "+1"),
            ("01", "01"),
            ("1000E", "1"),
            ("12e6", "12e6"),
            ("-1", "-1"),
            (".5", "500m"),
            ("1.G", "1.G"),
            ("0.1m", "100u"),
            ("1n", "1n"),
            ("2Ei", "2Ei"),
            ("8Ei", "9223372036854775807"),
            ("1Ki", "1Ki"),
            ("+1Ki", "+1Ki"),
            ("1024", "1024"),
            ("1e-3", "1e-3"),
            ("1e21", "1e21"),
            ("1000000000000000000000", "1"),
            ("1.5E", "1500P"),
            ("1k", "1k"),
            ("1Mi", "1Mi"),
            ("1E3", "1E3"),
            ("1M", "1M"),
            ("1.0", "1"),
            ("100m", "100m"),
            ("0", "0"),
            ("00", "0"),
            ("-0", "0"),
            ("-0.0", "0"),
            (".", "0"),
            ("+", "0"),
            ("-", "0"),
            ("e3", "0"),
            ("m", "0"),
            ("Ki", "0"),
            ("-1Ki", "-1Ki"),
            ("-8Ki", "-8Ki"),
            ("-8Mi", "-8Mi"),
            ("0.5Ki", "512"),
            ("0.0001Ki", "102400u"),
            ("1.1Ki", "1126400m"),
            ("0.0000000001", "1n"),
            ("1.e-20", "1e-9"),
            ("1e-20", "1e-9"),
            ("0.1n", "1n"),
            ("1.5n", "2n"),
            ("-0.1n", "-1n"),
            ("1e4294967297", "10"),
            ("1e+3", "1e+3"),
            ("1e-0", "1e-0"),
            ("1E+3", "1E+3"),
            ("1.5e3", "1500"),
            ("100Mi", "100Mi"),
            ("1536Mi", "1536Mi"),
            ("1536Ki", "1536Ki"),
            ("1048576Ki", "1Gi"),
            ("1073741824", "1073741824"),
            ("2048", "2048"),
            ("-2048", "-2048"),
            ("1.5e-9", "2e-9"),
            ("123456789012345678901", "123456789012345678901"),
            ("9223372036854775807", "9223372036854775807"),
            ("9223372036854775808", "9223372036854775808"),
            ("-8Ei", "-9223372036854775807"),
            ("1023Ki", "1023Ki"),
            ("1025Ki", "1025Ki"),
            ("1.Ki", "1.Ki"),
            ("0Ki", "0"),
            ("05Mi", "05Mi"),
            ("0.5G", "500M"),
            ("1000k", "1M"),
            ("1000000", "1M"),
            ("12000000", "12M"),
            ("1200k", "1200k"),
            ("1e6", "1e6"),
            ("0.001", "1m"),
            ("0.0001", "100u"),
            ("1u", "1u"),
            ("1000u", "1m"),
            ("1000n", "1u"),
            ("1e9", "1e9"),
            ("10e9", "10e9"),
            ("100e9", "100e9"),
            ("1000e9", "1e12"),
            ("1234.5678", "1234567800u"),
            ("+1.5e-20", "1e-9"),
            (".5e-20", "1e-9"),
            ("1.5Ki", "1536"),
            ("2.5Gi", "2560Mi"),
            ("0.5Gi", "512Mi"),
            ("1.5Mi", "1536Ki"),
            ("1.5Ei", "1536Pi"),
            ("16Ei", "9223372036854775807"),
            ("1Ti", "1Ti"),
            ("1Pi", "1Pi"),
            ("1024Pi", "1Ei"),
            ("1024Ki", "1Mi"),
            ("3072Ki", "3Mi"),
            ("1.5e-3", "1500e-6"),
            ("1.5e-4", "150e-6"),
            ("1e-9", "1e-9"),
            ("1e-10", "1e-9"),
            ("-1e-20", "-1e-9"),
            ("1.5E3", "1500"),
            ("1e03", "1e03"),
            ("1e003", "1e003"),
            ("1e-03", "1e-03"),
            ("10000e-3", "10"),
            ("1000e-3", "1"),
            ("1.23e-3", "1230e-6"),
            ("123e-6", "123e-6"),
            ("-100m", "-100m"),
            ("-0.5", "-500m"),
            ("-1.5Gi", "-1536Mi"),
            ("-1e3", "-1e3"),
            ("3e18", "3e18"),
            ("1e19", "10e18"),
            ("10E", "10E"),
            ("999E", "999E"),
            ("1000P", "1E"),
            ("1000000P", "1"),
            ("128Mi", "128Mi"),
            ("250m", "250m"),
            ("64Mi", "64Mi"),
            ("1Gi", "1Gi"),
            ("2", "2"),
        ];
        for (input, want) in table {
            assert_eq!(p(input).to_string(), want, "input {input:?}");
        }
    }

    #[test]
    fn errors_like_upstream() {
        let re = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
        assert_eq!(err_format_wrong(), re);
        for s in [
            "", "..", "1.2.3", "1e3.5", "1 ", " 1", "1e3Ki", "abc", "1/2", "1Gb", "1e3e",
        ] {
            assert_eq!(Quantity::parse(s).unwrap_err(), re, "{s:?}");
        }
        for s in [
            "1e",
            "1ee",
            "1Kii",
            "1K",
            "1mi",
            "1ii",
            "1e+",
            "-1-",
            "1e99999999999999999999",
        ] {
            assert_eq!(Quantity::parse(s).unwrap_err(), ERR_SUFFIX, "{s:?}");
        }
        for s in [".e-20", "-e-20", "e-20", "-.e-20"] {
            assert_eq!(Quantity::parse(s).unwrap_err(), ERR_NUMERIC, "{s:?}");
        }
    }

    #[test]
    fn values_round_up_away_from_zero() {
        assert_eq!(p("100m").milli_value(), 100);
        assert_eq!(p("100m").value(), 1);
        assert_eq!(p("1").milli_value(), 1000);
        assert_eq!(p("1.5").value(), 2);
        assert_eq!(p("-1.5").value(), -2);
        assert_eq!(p("1n").milli_value(), 1);
        assert_eq!(p("-1n").milli_value(), -1);
        assert_eq!(p("128Mi").value(), 134217728);
        assert_eq!(p("1.5Gi").value(), 1610612736);
        assert_eq!(p("1e3").value(), 1000);
        assert_eq!(p("0").milli_value(), 0);
        assert_eq!(p("8Ei").value(), i64::MAX);
        assert_eq!(p("1e30").value(), i64::MAX);
        assert_eq!(p("-1e30").value(), i64::MIN);
        assert_eq!(p("1e-30").value(), 1);
        assert_eq!(p("12Mi").scaled_value(scale::KILO), 12583);
    }

    #[test]
    fn ordering_and_equality_are_numeric() {
        assert_eq!(p("1000m"), p("1"));
        assert_eq!(p("1e3"), p("1k"));
        assert_eq!(p("+1"), p("1"));
        assert!(p("500m") < p("1"));
        assert!(p("1Ki") > p("1k"));
        assert!(p("-1") < p("0"));
        assert!(p("-2") < p("-1"));
        assert!(p("1e21") > p("8Ei"));
        assert!(p("1n") > p("0"));
        assert!(p("999m") < p("1"));
        let mut v = [p("2"), p("100m"), p("-1Ki"), p("1Gi"), p("0")];
        v.sort();
        let s: Vec<String> = v.iter().map(|q| q.to_string()).collect();
        assert_eq!(s, ["-1Ki", "0", "100m", "2", "1Gi"]);
    }

    #[test]
    fn constructors_and_arithmetic() {
        assert_eq!(Quantity::from_milli(1500).to_string(), "1500m");
        assert_eq!(Quantity::from_milli(2000).to_string(), "2");
        assert_eq!(Quantity::from_milli(0).to_string(), "0");
        assert_eq!(Quantity::from_value(1000).to_string(), "1k");
        assert_eq!(Quantity::new(1024, Format::BinarySI).to_string(), "1Ki");
        assert_eq!(Quantity::new(1000, Format::BinarySI).to_string(), "1k");
        assert_eq!(Quantity::from_scaled(5, 6).to_string(), "5M");
        let mut q = p("100m");
        q.add(&p("900m"));
        assert_eq!(q.to_string(), "1");
        q -= &p("1.5");
        assert_eq!(q.to_string(), "-500m");
        let mut z = Quantity::default();
        z += &p("1Gi");
        assert_eq!(z.format(), Format::BinarySI);
        z += &p("512Mi");
        assert_eq!(z.to_string(), "1536Mi");
        let mut k = p("+1");
        k.add(&p("0"));
        assert_eq!(k.to_string(), "1");
        let mut n = p("1Ki");
        n.neg();
        assert_eq!(n.to_string(), "-1Ki");
    }

    #[test]
    fn serde_strings_and_numbers() {
        let q: Quantity = serde_json::from_str("\"500m\"").unwrap();
        assert_eq!(q.to_string(), "500m");
        let q: Quantity = serde_json::from_str("\" 2 \"").unwrap();
        assert_eq!(q.to_string(), "2");
        let q: Quantity = serde_json::from_str("1").unwrap();
        assert_eq!(q.to_string(), "1");
        let q: Quantity = serde_json::from_str("0.5").unwrap();
        assert_eq!(q.to_string(), "500m");
        let q: Quantity = serde_json::from_str("0.1").unwrap();
        assert_eq!(q.to_string(), "100m");
        let q: Quantity = serde_json::from_str("1.0").unwrap();
        assert_eq!(q.to_string(), "1");
        let q: Quantity = serde_json::from_str("-3").unwrap();
        assert_eq!(q.to_string(), "-3");
        let q: Quantity = serde_json::from_str("1e21").unwrap();
        assert_eq!(q.to_string(), "1e+21");
        let q: Quantity = serde_json::from_str("1e-7").unwrap();
        assert_eq!(q.to_string(), "100e-9");
        assert!(serde_json::from_str::<Quantity>("\"1x\"").is_err());
        assert!(serde_json::from_str::<Quantity>("true").is_err());
        assert_eq!(serde_json::to_string(&p("1.5Gi")).unwrap(), "\"1536Mi\"");
        assert_eq!(serde_json::to_string(&p("+1")).unwrap(), "\"+1\"");
        assert_eq!(go_json_float(1e21), "1e+21");
        assert_eq!(go_json_float(1.5e-7), "1.5e-7");
        assert_eq!(go_json_float(1e100), "1e+100");
        assert_eq!(go_json_float(123456.5), "123456.5");
    }

    #[test]
    fn hostile_input_never_panics() {
        let long = "9".repeat(200);
        for s in [
            long.as_str(),
            "1e-2147483648",
            "1e2147483647",
            "1e-9223372036854775808",
            "0.00000000000000000000000000000000000000000000001",
            "99999999999999999999999999999999999999999999Ki",
            "0.99999999999999999999999999999999999999999999Ki",
            "-",
            "+.",
            "é",
            "1é",
        ] {
            let _ = Quantity::parse(s).map(|q| (q.to_string(), q.value(), q.milli_value()));
        }
        assert_eq!(
            p("0.00000000000000000000000000000000000000000000001").to_string(),
            "1n"
        );
    }
}
