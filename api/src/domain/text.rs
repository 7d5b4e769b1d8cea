//! The one rule for free text: no NUL or other control characters (tab and newline only where
//! a field may span lines: notes, reasons, texts), and no bidirectional embedding, override or
//! isolate controls, which make a text display differently from what it says. Applied to every
//! string of every JSON body (and to paths and query strings) before anything reads them, and
//! per mutation inside a sync push.

use serde_json::Value;

/// Keys whose values may span lines.
const MULTILINE: &[&str] = &["note", "reason", "text", "detail", "message"];

/// Whether `c` may appear in free text (`multiline`: tab, newline and carriage return too).
pub fn allowed(c: char, multiline: bool) -> bool {
    match c {
        '\t' | '\n' | '\r' => multiline,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => false,
        c => !c.is_control(),
    }
}

pub fn is_clean(s: &str, multiline: bool) -> bool {
    s.chars().all(|c| allowed(c, multiline))
}

/// The path (`english_name.surname`, `times[1]`) of the first string or key in `v` that breaks
/// the rule, if any.
pub fn first_bad(v: &Value) -> Option<String> {
    walk(v, "", false, &|_| false)
}

/// Like [`first_bad`], but leaves alone what sits at a path `skip` names (a sync push checks
/// each mutation's `set` itself, refusing only that mutation).
pub fn first_bad_except(v: &Value, skip: &dyn Fn(&str) -> bool) -> Option<String> {
    walk(v, "", false, skip)
}

fn walk(v: &Value, path: &str, multiline: bool, skip: &dyn Fn(&str) -> bool) -> Option<String> {
    if skip(path) {
        return None;
    }
    match v {
        Value::String(s) if !is_clean(s, multiline) => Some(path.to_owned()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| walk(item, &format!("{path}[{i}]"), multiline, skip)),
        Value::Object(map) => map.iter().find_map(|(k, item)| {
            let at = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if !is_clean(k, false) {
                return Some(at);
            }
            walk(item, &at, MULTILINE.contains(&k.as_str()), skip)
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn control_and_bidi_characters_are_found_where_they_are() {
        assert_eq!(
            first_bad(&json!({"a": "fine", "b": ["ok", "n\u{0}l"]})),
            Some("b[1]".into())
        );
        assert_eq!(
            first_bad(&json!({"name": {"surname": "A\u{202E}B"}})),
            Some("name.surname".into())
        );
        assert_eq!(
            first_bad(&json!({"name": "two\nlines"})),
            Some("name".into())
        );
        assert_eq!(first_bad(&json!({"note": "two\nlines\tand a tab"})), None);
        assert_eq!(
            first_bad(&json!({"note": "bell\u{7}"})),
            Some("note".into())
        );
        assert_eq!(first_bad(&json!({"k\u{0}": 1})), Some("k\u{0}".into()));
        assert_eq!(first_bad(&json!({"text": "陳大文 ❤ café"})), None);
        assert_eq!(first_bad(&json!({"c1": "\u{85}"})), Some("c1".into()));
    }
}
