//! Table output as kubectl prints it: Go's tabwriter with kubectl's settings (minimum
//! width 6, padding 3, last column unpadded) and upstream's human-readable ages.

use crate::sim::Millis;

/// Aligns rows of cells into columns like `tabwriter.NewWriter(out, 6, 4, 3, ' ', 0)`.
pub fn render(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; cols];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if i + 1 < r.len() {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
    }
    let mut out = String::new();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            out.push_str(c);
            if i + 1 < r.len() {
                let w = (widths[i] + 3).max(6);
                for _ in c.chars().count()..w {
                    out.push(' ');
                }
            }
        }
        out.push('\n');
    }
    out
}

/// Upstream's `duration.HumanDuration` (the AGE column).
pub fn human_duration(ms: Millis) -> String {
    let seconds = ms.div_euclid(1000);
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// The AGE of something created at `ts` (`<unknown>` when unset), as kubectl prints it.
pub fn age(ts: Option<crate::api::Time>, now: Millis) -> String {
    match ts {
        Some(t) => human_duration(now - t.0),
        None => "<unknown>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_like_upstream() {
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(119_999), "119s");
        assert_eq!(human_duration(120_000), "2m");
        assert_eq!(human_duration(125_000), "2m5s");
        assert_eq!(human_duration(11 * 60_000), "11m");
        assert_eq!(human_duration(3 * 3_600_000 + 5 * 60_000), "3h5m");
        assert_eq!(human_duration(30 * 3_600_000), "30h");
        assert_eq!(human_duration(50 * 3_600_000), "2d2h");
        assert_eq!(human_duration(400 * 86_400_000), "400d");
        assert_eq!(human_duration(-5000), "<invalid>");
    }

    #[test]
    fn aligns_like_tabwriter() {
        let rows = vec![
            vec![
                "NAME".to_string(),
                "READY".into(),
                "STATUS".into(),
                "AGE".into(),
            ],
            vec![
                "web-1".to_string(),
                "1/1".into(),
                "Running".into(),
                "5s".into(),
            ],
        ];
        assert_eq!(
            render(&rows),
            "NAME    READY   STATUS    AGE\nweb-1   1/1     Running   5s\n"
        );
        assert_eq!(render(&[vec!["a".to_string(), "b".into()]]), "a     b\n");
    }
}
