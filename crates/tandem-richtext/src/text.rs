//! Small text helpers shared by the readers and writers.

/// `YYYY-MM-DD` (UTC) for a timestamp in milliseconds since the Unix epoch.
pub(crate) fn format_date(timestamp_ms: i64) -> String {
    let days = timestamp_ms.div_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

/// A colour as `#rrggbb` in lower case, from `#rgb`, `#rrggbb`, `rgb(r, g, b)` or a common
/// CSS name. `None` for anything else: colour is cosmetic and ADF accepts only hex.
pub(crate) fn normalize_color(input: &str) -> Option<String> {
    let s = input.trim().to_ascii_lowercase();
    if let Some(hex) = s.strip_prefix('#') {
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        return match hex.len() {
            6 => Some(format!("#{hex}")),
            3 => Some(hex.chars().fold(String::from("#"), |mut acc, c| {
                acc.push(c);
                acc.push(c);
                acc
            })),
            _ => None,
        };
    }
    if let Some(args) = s
        .strip_prefix("rgba(")
        .or_else(|| s.strip_prefix("rgb("))
        .and_then(|r| r.strip_suffix(')'))
    {
        let parts: Vec<u8> = args
            .split(',')
            .take(3)
            .filter_map(|p| p.trim().parse::<u8>().ok())
            .collect();
        return match parts.as_slice() {
            [r, g, b] => Some(format!("#{r:02x}{g:02x}{b:02x}")),
            _ => None,
        };
    }
    let hex = match s.as_str() {
        "black" => "#000000",
        "white" => "#ffffff",
        "red" => "#ff0000",
        "green" => "#008000",
        "blue" => "#0000ff",
        "yellow" => "#ffff00",
        "orange" => "#ffa500",
        "purple" => "#800080",
        "gray" | "grey" => "#808080",
        "navy" => "#000080",
        "teal" => "#008080",
        "maroon" => "#800000",
        "lime" => "#00ff00",
        "aqua" | "cyan" => "#00ffff",
        "fuchsia" | "magenta" => "#ff00ff",
        "silver" => "#c0c0c0",
        "olive" => "#808000",
        _ => return None,
    };
    Some(hex.to_string())
}

/// The character for a few common emoji shortnames, so formats without emoji nodes can
/// still show them.
pub(crate) fn emoji_char(shortname: &str) -> Option<&'static str> {
    Some(match shortname.trim_matches(':') {
        "smile" | "slight_smile" => "🙂",
        "grinning" | "laughing" => "😀",
        "wink" => "😉",
        "frowning" | "disappointed" | "slight_frown" => "🙁",
        "stuck_out_tongue" => "😛",
        "thumbsup" | "+1" => "👍",
        "thumbsdown" | "-1" => "👎",
        "white_check_mark" | "check_mark" => "✅",
        "x" | "cross_mark" => "❌",
        "warning" => "⚠️",
        "information_source" | "info" => "ℹ️",
        "question" => "❓",
        "exclamation" => "❗",
        "star" => "⭐",
        "bulb" | "light_bulb_on" => "💡",
        "heart" => "❤️",
        _ => return None,
    })
}

/// True for the whitespace the normal form collapses (not the non-breaking space: readers
/// turn that into a plain space first).
pub(crate) fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{0b}' | '\u{0c}')
}

/// Whether a file name looks like an image (wiki `!name!` rather than `[^name]`).
pub(crate) fn is_image_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".svg", ".webp", ".tif", ".tiff",
    ]
    .iter()
    .any(|ext| lower.ends_with(ext))
}
