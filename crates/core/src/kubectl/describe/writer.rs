//! The text machinery every describer shares, as kubectl's `describe` package has it:
//! the prefix writer (two spaces per level, terminal escapes neutralised), Go's
//! `text/tabwriter` with describe's settings (min width 0, padding 2, blank padding),
//! the RFC 1123Z timestamps, and the multi-line label, annotation, taint, toleration
//! and event sections.

use std::collections::BTreeMap;

use crate::api::core_v1::{Event, Taint, Toleration};
use crate::api::meta::{format_rfc3339, MicroTime, Time};
use crate::kubectl::table::human_duration;
use crate::sim::Millis;

pub const LEVEL_0: usize = 0;
pub const LEVEL_1: usize = 1;
pub const LEVEL_2: usize = 2;
pub const LEVEL_3: usize = 3;

/// Annotations whose key and value together are longer than this print on their own lines.
const MAX_ANNOTATION_LEN: usize = 140;

/// Writes formatted text at an indentation level: `wr!(w, LEVEL_1, "Name:\t{}\n", n)`.
macro_rules! wr {
    ($w:expr, $level:expr, $($arg:tt)*) => {
        $w.write($level, &format!($($arg)*))
    };
}
pub(crate) use wr;

/// kubectl's `PrefixWriter` over a tabwriter: text is buffered until [`PrefixWriter::flush`]
/// (or [`PrefixWriter::finish`]) aligns its tab-separated cells.
#[derive(Default)]
pub struct PrefixWriter {
    pending: String,
    out: String,
}

impl PrefixWriter {
    pub fn new() -> PrefixWriter {
        PrefixWriter::default()
    }

    /// Writes `text` indented by two spaces per level.
    pub fn write(&mut self, level: usize, text: &str) {
        for _ in 0..level {
            self.pending.push_str("  ");
        }
        push_escaped(&mut self.pending, text);
    }

    /// Writes `text` and a newline, without indentation (Go's `Sprintln`).
    pub fn write_line(&mut self, text: &str) {
        push_escaped(&mut self.pending, text);
        self.pending.push('\n');
    }

    /// Aligns what was written so far; later text starts new column blocks.
    pub fn flush(&mut self) {
        let text = std::mem::take(&mut self.pending);
        self.out.push_str(&tabwrite(&text, 0, 2));
    }

    /// The aligned text.
    pub fn finish(mut self) -> String {
        self.flush();
        self.out
    }
}

/// `printers.WriteEscaped`: ESC and CR cannot reach the terminal.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\x1b' => out.push_str("^["),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// Go's `text/tabwriter` with blank padding and no flags: cells are tab-terminated, the text
/// after a line's last tab belongs to no column, and a column is aligned over each block of
/// consecutive lines that have a cell in it.
pub fn tabwrite(text: &str, minwidth: usize, padding: usize) -> String {
    let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    let t = TabWriter {
        lines,
        minwidth,
        padding,
    };
    let mut out = String::with_capacity(text.len() * 2);
    let mut widths = Vec::new();
    t.format(&mut out, &mut widths, 0, t.lines.len());
    out
}

struct TabWriter<'a> {
    lines: Vec<Vec<&'a str>>,
    minwidth: usize,
    padding: usize,
}

impl TabWriter<'_> {
    fn format(&self, out: &mut String, widths: &mut Vec<usize>, mut line0: usize, line1: usize) {
        let column = widths.len();
        let mut this = line0;
        while this < line1 {
            if column + 1 >= self.lines[this].len() {
                this += 1;
                continue;
            }
            // A column block starts here: print the lines before it.
            self.write_lines(out, widths, line0, this);
            line0 = this;
            let mut width = self.minwidth;
            while this < line1 {
                let line = &self.lines[this];
                if column + 1 >= line.len() {
                    break;
                }
                width = width.max(line[column].chars().count() + self.padding);
                this += 1;
            }
            widths.push(width);
            self.format(out, widths, line0, this);
            widths.pop();
            line0 = this;
        }
        self.write_lines(out, widths, line0, line1);
    }

    fn write_lines(&self, out: &mut String, widths: &[usize], line0: usize, line1: usize) {
        for i in line0..line1 {
            let line = &self.lines[i];
            for (j, cell) in line.iter().enumerate() {
                out.push_str(cell);
                if j < widths.len() {
                    for _ in cell.chars().count()..widths[j] {
                        out.push(' ');
                    }
                }
            }
            if i + 1 < self.lines.len() {
                out.push('\n');
            }
        }
    }
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Go's `time.RFC1123Z` layout in UTC: `Wed, 01 Jan 2025 00:00:00 +0000`.
pub fn rfc1123z_millis(millis: i64) -> String {
    // 1970-01-01 was a Thursday.
    let days = millis.div_euclid(86_400_000);
    let weekday = WEEKDAYS[(days + 4).rem_euclid(7) as usize];
    let s = format_rfc3339(millis, 0);
    let field = |r: std::ops::Range<usize>| s.get(r).unwrap_or("");
    // `format_rfc3339` gives `YYYY-MM-DDTHH:MM:SSZ` (the year may be longer).
    let Some(t) = s.find('T') else {
        return s.clone();
    };
    let date = &s[..t];
    let mut parts = date.rsplitn(3, '-');
    let (day, month, year) = (
        parts.next().unwrap_or("01"),
        parts.next().unwrap_or("01"),
        parts.next().unwrap_or("0001"),
    );
    let month = month
        .parse::<usize>()
        .ok()
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
        .copied()
        .unwrap_or("Jan");
    format!(
        "{weekday}, {day} {month} {year} {} +0000",
        field(t + 1..t + 9)
    )
}

/// A `metav1.Time` in RFC 1123Z; an unset time prints as Go's zero time.
pub fn rfc1123z(t: Option<Time>) -> String {
    match t {
        Some(t) => rfc1123z_millis(t.0),
        None => "Mon, 01 Jan 0001 00:00:00 +0000".into(),
    }
}

/// A `metav1.MicroTime` in RFC 1123Z.
pub fn rfc1123z_micro(t: Option<MicroTime>) -> String {
    match t {
        Some(t) => rfc1123z_millis(t.0),
        None => "Mon, 01 Jan 0001 00:00:00 +0000".into(),
    }
}

/// `translateTimestampSince`: the age of a timestamp, `<unknown>` when unset.
pub fn since(t: Option<Time>, now: Millis) -> String {
    match t {
        Some(t) => human_duration(now - t.0),
        None => "<unknown>".into(),
    }
}

fn since_micro(t: Option<MicroTime>, now: Millis) -> String {
    match t {
        Some(t) => human_duration(now - t.0),
        None => "<unknown>".into(),
    }
}

/// `printLabelsMultiline`: `Labels:\tk=v` then one `\tk=v` line per further label.
pub fn labels_multiline(w: &mut PrefixWriter, title: &str, labels: &BTreeMap<String, String>) {
    labels_multiline_indent(w, "", title, "\t", labels);
}

/// `printLabelsMultilineWithIndent`.
pub fn labels_multiline_indent(
    w: &mut PrefixWriter,
    initial: &str,
    title: &str,
    inner: &str,
    labels: &BTreeMap<String, String>,
) {
    wr!(w, LEVEL_0, "{initial}{title}:{inner}");
    if labels.is_empty() {
        w.write_line("<none>");
        return;
    }
    for (i, (k, v)) in labels.iter().enumerate() {
        if i != 0 {
            w.write(LEVEL_0, initial);
            w.write(LEVEL_0, inner);
        }
        wr!(w, LEVEL_0, "{k}={v}\n");
    }
}

/// Cuts `s` to at most `max` bytes (on a character boundary).
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `printAnnotationsMultiline`: sorted, the last-applied configuration skipped, long or
/// multi-line values on their own lines cut at 140 characters.
pub fn annotations_multiline(
    w: &mut PrefixWriter,
    title: &str,
    annotations: &BTreeMap<String, String>,
) {
    wr!(w, LEVEL_0, "{title}:\t");
    let keys: Vec<&String> = annotations
        .keys()
        .filter(|k| k.as_str() != "kubectl.kubernetes.io/last-applied-configuration")
        .collect();
    if keys.is_empty() {
        w.write_line("<none>");
        return;
    }
    let indent = "\t";
    for (i, key) in keys.iter().enumerate() {
        if i != 0 {
            w.write(LEVEL_0, indent);
        }
        let raw = annotations.get(*key).map(String::as_str).unwrap_or("");
        let value = raw.strip_suffix('\n').unwrap_or(raw);
        if value.len() + key.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            wr!(w, LEVEL_0, "{key}:\n");
            for s in value.split('\n') {
                let short = cut(s, MAX_ANNOTATION_LEN - 2);
                let dots = if short.len() < s.len() { "..." } else { "" };
                wr!(w, LEVEL_0, "{indent}  {short}{dots}\n");
            }
        } else {
            wr!(w, LEVEL_0, "{key}: {value}\n");
        }
    }
}

/// `Taint.ToString`: `key=value:Effect` or `key:Effect`.
pub fn taint_string(t: &Taint) -> String {
    if t.value.is_empty() {
        format!("{}:{}", t.key, t.effect)
    } else {
        format!("{}={}:{}", t.key, t.value, t.effect)
    }
}

/// `printNodeTaintsMultiline`: sorted by effect then key.
pub fn taints_multiline(w: &mut PrefixWriter, title: &str, taints: &[Taint]) {
    wr!(w, LEVEL_0, "{title}:\t");
    if taints.is_empty() {
        w.write_line("<none>");
        return;
    }
    let mut sorted: Vec<&Taint> = taints.iter().collect();
    sorted
        .sort_by(|a, b| format!("{},{}", a.effect, a.key).cmp(&format!("{},{}", b.effect, b.key)));
    for (i, t) in sorted.iter().enumerate() {
        if i != 0 {
            w.write(LEVEL_0, "\t");
        }
        wr!(w, LEVEL_0, "{}\n", taint_string(t));
    }
}

/// `printPodTolerationsMultiline` (`title` may carry the pod template's indent).
pub fn tolerations_multiline(w: &mut PrefixWriter, title: &str, tolerations: &[Toleration]) {
    wr!(w, LEVEL_0, "{title}:\t");
    if tolerations.is_empty() {
        w.write_line("<none>");
        return;
    }
    let mut sorted: Vec<&Toleration> = tolerations.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    for (i, t) in sorted.iter().enumerate() {
        if i != 0 {
            w.write(LEVEL_0, "\t");
        }
        let mut s = t.key.clone();
        if !t.value.is_empty() {
            s.push('=');
            s.push_str(&t.value);
        }
        if !t.effect.is_empty() {
            s.push(':');
            s.push_str(&t.effect);
        }
        if t.operator == "Exists" && t.value.is_empty() {
            if !t.key.is_empty() || !t.effect.is_empty() {
                s.push_str(" op=Exists");
            } else {
                s.push_str("op=Exists");
            }
        }
        if let Some(secs) = t.toleration_seconds {
            s.push_str(&format!(" for {secs}s"));
        }
        wr!(w, LEVEL_0, "{s}\n");
    }
}

/// `DescribeEvents`: `Events:\t<none>`, or a table of its own sorted by last timestamp.
pub fn describe_events(w: &mut PrefixWriter, events: &[Event], now: Millis) {
    if events.is_empty() {
        w.write(LEVEL_0, "Events:\t<none>\n");
        return;
    }
    w.flush();
    let mut sorted: Vec<&Event> = events.iter().collect();
    sorted.sort_by_key(|e| e.last_timestamp);
    w.write(LEVEL_0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
    w.write(LEVEL_1, "----\t------\t----\t----\t-------\n");
    for e in sorted {
        let first = if e.event_time.is_some() {
            since_micro(e.event_time, now)
        } else {
            since(e.first_timestamp, now)
        };
        let interval = if let Some(series) = &e.series {
            format!(
                "{} (x{} over {first})",
                since_micro(series.last_observed_time, now),
                series.count
            )
        } else if e.count > 1 {
            format!(
                "{} (x{} over {first})",
                since(e.last_timestamp, now),
                e.count
            )
        } else {
            first
        };
        let source = if e.source.component.is_empty() {
            e.reporting_component.as_str()
        } else {
            e.source.component.as_str()
        };
        let message = e.message.trim();
        wr!(
            w,
            LEVEL_1,
            "{}\t{}\t{interval}\t{source}\t{message}\n",
            e.type_,
            e.reason
        );
    }
}

/// `True`/`False`, as `printBool`.
pub fn print_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// `stringOrNone`.
pub fn or_none(s: &str) -> &str {
    if s.is_empty() {
        "<none>"
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabwriter_aligns_blocks_like_go() {
        let text = "Name:\tweb\nNamespace:\tdefault\nContainers:\n  nginx:\n    Image:\tnginx\n    Port:\t80/TCP\n";
        assert_eq!(
            tabwrite(text, 0, 2),
            "Name:       web\nNamespace:  default\nContainers:\n  nginx:\n    Image:  nginx\n    Port:   80/TCP\n"
        );
        // Nested columns only align over the lines that have them.
        assert_eq!(
            tabwrite("a\tb\tc\nlong\tx\n", 0, 2),
            "a     b  c\nlong  x\n"
        );
        assert_eq!(
            tabwrite("IP:\t\nIPs:\t<none>\n", 0, 2),
            "IP:   \nIPs:  <none>\n"
        );
    }

    #[test]
    fn rfc1123z_like_go() {
        assert_eq!(
            rfc1123z_millis(1_735_689_600_000),
            "Wed, 01 Jan 2025 00:00:00 +0000"
        );
        assert_eq!(
            rfc1123z_millis(1_709_208_000_000),
            "Thu, 29 Feb 2024 12:00:00 +0000"
        );
        assert_eq!(rfc1123z(None), "Mon, 01 Jan 0001 00:00:00 +0000");
    }

    #[test]
    fn labels_and_annotations_multiline() {
        let mut w = PrefixWriter::new();
        let mut labels = BTreeMap::new();
        labels.insert("app".to_string(), "web".to_string());
        labels.insert("tier".to_string(), "front".to_string());
        labels_multiline(&mut w, "Labels", &labels);
        let mut ann = BTreeMap::new();
        ann.insert(
            "kubectl.kubernetes.io/last-applied-configuration".to_string(),
            "{}".to_string(),
        );
        annotations_multiline(&mut w, "Annotations", &ann);
        assert_eq!(
            w.finish(),
            "Labels:       app=web\n              tier=front\nAnnotations:  <none>\n"
        );
    }
}
