//! `intstr.IntOrString`: a field that holds an int32 or a string (`targetPort: 8080` or
//! `targetPort: http`, `maxSurge: 25%`), with hand-written serde (a visitor accepting
//! ints and strings; untagged serde buffering would lose our decoder's positions) and
//! upstream's `GetScaledValueFromIntOrPercent` for maxSurge/maxUnavailable.

use super::go_quote;
use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IntOrString {
    Int(i32),
    String(String),
}

impl Default for IntOrString {
    fn default() -> Self {
        IntOrString::Int(0)
    }
}

impl IntOrString {
    /// Upstream `intstr.Parse`: an integer when the text is one, otherwise a string.
    pub fn parse(s: &str) -> IntOrString {
        match s.parse::<i32>() {
            Ok(i) => IntOrString::Int(i),
            Err(_) => IntOrString::String(s.to_string()),
        }
    }
    /// Upstream `IntValue`: the int, or the string converted with `Atoi` (0 on failure).
    pub fn int_value(&self) -> i64 {
        match self {
            IntOrString::Int(i) => i64::from(*i),
            IntOrString::String(s) => s.parse().unwrap_or(0),
        }
    }

    /// Upstream `GetScaledValueFromIntOrPercent`: an int as is; `"N%"` scaled against
    /// `total`, rounded up or down. Errors carry upstream's texts
    /// (`invalid value for IntOrString: invalid type: string is not a percentage`).
    pub fn scaled_value_from_int_or_percent(
        &self,
        total: i32,
        round_up: bool,
    ) -> Result<i32, String> {
        match self {
            IntOrString::Int(i) => Ok(*i),
            IntOrString::String(s) => {
                let Some(num) = s.strip_suffix('%') else {
                    return Err(
                        "invalid value for IntOrString: invalid type: string is not a percentage"
                            .into(),
                    );
                };
                let v = go_atoi(num).map_err(|e| {
                    format!(
                        "invalid value for IntOrString: invalid value {}: {e}",
                        go_quote(s)
                    )
                })?;
                let f = v as f64 * f64::from(total) / 100.0;
                let r = if round_up { f.ceil() } else { f.floor() };
                // `as` saturates, like a clamp to the int range the callers use.
                Ok(r as i32)
            }
        }
    }
}

/// Go's `strconv.Atoi` with its error texts.
fn go_atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            go_quote(s)
        ));
    }
    s.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", go_quote(s)))
}

impl fmt::Display for IntOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrString::Int(i) => write!(f, "{i}"),
            IntOrString::String(s) => f.write_str(s),
        }
    }
}

impl From<i32> for IntOrString {
    fn from(i: i32) -> Self {
        IntOrString::Int(i)
    }
}
impl From<&str> for IntOrString {
    fn from(s: &str) -> Self {
        IntOrString::String(s.to_string())
    }
}
impl From<String> for IntOrString {
    fn from(s: String) -> Self {
        IntOrString::String(s)
    }
}

impl Serialize for IntOrString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            IntOrString::Int(i) => s.serialize_i32(*i),
            IntOrString::String(v) => s.serialize_str(v),
        }
    }
}

struct IntOrStringVisitor;

impl IntOrStringVisitor {
    fn int<E: de::Error>(v: i128) -> Result<IntOrString, E> {
        i32::try_from(v).map(IntOrString::Int).map_err(|_| {
            E::custom(format!(
                "cannot unmarshal number {v} into Go value of type int32"
            ))
        })
    }
}

impl<'de> Visitor<'de> for IntOrStringVisitor {
    type Value = IntOrString;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer or a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<IntOrString, E> {
        Ok(IntOrString::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<IntOrString, E> {
        Ok(IntOrString::String(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrString, E> {
        Self::int(i128::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrString, E> {
        Self::int(i128::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<IntOrString, E> {
        // YAML `8080.0` reaches upstream as the JSON number 8080 and is accepted.
        if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
            return Self::int(v as i128);
        }
        Err(E::custom(format!(
            "cannot unmarshal number {v} into Go value of type int32"
        )))
    }
}

impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IntOrStringVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> IntOrString {
        IntOrString::String(v.into())
    }

    #[test]
    fn scaled_values_as_upstream() {
        // Upstream TestGetIntFromIntOrPercent-style rows.
        let rows: &[(IntOrString, i32, bool, i32)] = &[
            (IntOrString::Int(123), 100, false, 123),
            (s("90%"), 100, true, 90),
            (s("90%"), 95, true, 86),
            (s("90%"), 95, false, 85),
            (s("25%"), 3, true, 1),
            (s("25%"), 3, false, 0),
            (s("25%"), 10, true, 3),
            (s("25%"), 10, false, 2),
            (s("0%"), 10, true, 0),
            (s("100%"), 7, false, 7),
            (s("+50%"), 4, false, 2),
            (s("-10%"), 15, true, -1),
            (s("200%"), 3, true, 6),
        ];
        for (v, total, up, want) in rows {
            assert_eq!(
                v.scaled_value_from_int_or_percent(*total, *up),
                Ok(*want),
                "{v:?} {total} {up}"
            );
        }
    }

    #[test]
    fn scaled_value_errors() {
        assert_eq!(
            s("90")
                .scaled_value_from_int_or_percent(100, true)
                .unwrap_err(),
            "invalid value for IntOrString: invalid type: string is not a percentage"
        );
        assert_eq!(
            s("fish%").scaled_value_from_int_or_percent(100, true).unwrap_err(),
            "invalid value for IntOrString: invalid value \"fish%\": strconv.Atoi: parsing \"fish\": invalid syntax"
        );
        assert_eq!(
            s("%").scaled_value_from_int_or_percent(100, true).unwrap_err(),
            "invalid value for IntOrString: invalid value \"%\": strconv.Atoi: parsing \"\": invalid syntax"
        );
        assert_eq!(
            s("99999999999999999999%").scaled_value_from_int_or_percent(1, true).unwrap_err(),
            "invalid value for IntOrString: invalid value \"99999999999999999999%\": strconv.Atoi: parsing \"99999999999999999999\": value out of range"
        );
        assert!(s("1.5%")
            .scaled_value_from_int_or_percent(100, true)
            .is_err());
    }

    #[test]
    fn serde_round_trip() {
        let v: IntOrString = serde_json::from_str("8080").unwrap();
        assert_eq!(v, IntOrString::Int(8080));
        let v: IntOrString = serde_json::from_str("\"http\"").unwrap();
        assert_eq!(v, s("http"));
        let v: IntOrString = serde_json::from_str("\"80\"").unwrap();
        assert_eq!(v, s("80"));
        let v: IntOrString = serde_json::from_str("8080.0").unwrap();
        assert_eq!(v, IntOrString::Int(8080));
        assert!(serde_json::from_str::<IntOrString>("1.5").is_err());
        assert!(serde_json::from_str::<IntOrString>("4294967296").is_err());
        assert!(serde_json::from_str::<IntOrString>("true").is_err());
        assert_eq!(serde_json::to_string(&IntOrString::Int(-3)).unwrap(), "-3");
        assert_eq!(serde_json::to_string(&s("25%")).unwrap(), "\"25%\"");
        assert_eq!(IntOrString::parse("12"), IntOrString::Int(12));
        assert_eq!(IntOrString::parse("x"), s("x"));
        assert_eq!(s("25%").to_string(), "25%");
        assert_eq!(s("42").int_value(), 42);
    }
}
