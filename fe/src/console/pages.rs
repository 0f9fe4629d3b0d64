//! The console's HTML: one small shell per page with the page's data inlined as JSON, so the
//! first paint needs no second request; `console.js` renders it and refreshes from the JSON
//! API. No data reaches a page without login (the router checks before this is called).

use serde_json::Value;

/// Which page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Jobs,
    Job,
    Cluster,
}

impl Page {
    fn id(self) -> &'static str {
        match self {
            Page::Jobs => "jobs",
            Page::Job => "job",
            Page::Cluster => "cluster",
        }
    }
}

/// Text for an HTML text node or attribute.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// JSON that can sit inside a `<script>` element (no `</script>`, no `<!--`).
pub fn script_json(v: &Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The page `page` titled `title` with `data` inlined.
pub fn render(page: Page, title: &str, data: &Value) -> String {
    let chart_css = if page == Page::Job {
        r#"<link rel="stylesheet" href="/console/static/uPlot.min.css">"#
    } else {
        ""
    };
    let chart_js = if page == Page::Job {
        r#"<script defer src="/console/static/uPlot.iife.min.js"></script>"#
    } else {
        ""
    };
    let user = data.get("user").and_then(Value::as_str).unwrap_or_default();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - starload console</title>
<link rel="stylesheet" href="/console/static/console.css">{chart_css}
{chart_js}<script defer src="/console/static/console.js"></script>
</head>
<body data-page="{page}">
<header><a class="brand" href="/console">starload console</a>
<nav><a href="/console">Jobs</a><a href="/console/cluster">Cluster</a></nav>
<span class="user" id="user">{user}</span></header>
<main id="main"><h1>{title}</h1><p class="muted" id="loading">Loading...</p></main>
<script type="application/json" id="console-data">{data}</script>
</body></html>
"#,
        title = escape_html(title),
        page = page.id(),
        user = escape_html(user),
        data = script_json(data),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn data_cannot_close_the_script_element() {
        let html = render(
            Page::Jobs,
            "Jobs",
            &json!({"user": "'<b>'@'%'", "x": "</script><script>alert(1)</script>"}),
        );
        assert!(!html.contains("</script><script>alert"));
        assert!(html.contains("&#39;&lt;b&gt;&#39;@&#39;%&#39;"));
        assert_eq!(html.matches("</script>").count(), 2);
    }
}
