//! Small lexical helpers shared by our statement parsers.

/// Removes leading `/* ... */` and `-- ...` / `# ...` comments (Connector/J and DBeaver prefix
/// statements with a block comment).
pub fn strip_leading_comments(mut s: &str) -> &str {
    loop {
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix("/*") {
            // `/*!40101 ... */` is MySQL's executable comment; treat as a comment too.
            match rest.find("*/") {
                Some(end) => s = &rest[end + 2..],
                None => return "",
            }
        } else if s.starts_with("--") || s.starts_with('#') {
            match s.find('\n') {
                Some(end) => s = &s[end + 1..],
                None => return "",
            }
        } else {
            return s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_block_and_line_comments() {
        assert_eq!(
            strip_leading_comments("/* mysql-connector-j */SELECT 1"),
            "SELECT 1"
        );
        assert_eq!(
            strip_leading_comments("-- x\n  # y\nSHOW TABLES"),
            "SHOW TABLES"
        );
        assert_eq!(strip_leading_comments("/* unterminated"), "");
    }
}
