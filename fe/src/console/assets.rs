//! The console's static files, compiled into the binary (`include_bytes!`), so its pages work
//! with no network: our script and style sheet, and uPlot 1.6.32 (MIT; npm package `uplot`,
//! vendored unchanged under `assets/vendor/uplot/`, see SOURCE.md there).

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

/// Every file `/console/static/{name}` serves.
pub const ASSETS: &[Asset] = &[
    Asset {
        name: "console.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("assets/console.js"),
    },
    Asset {
        name: "console.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("assets/console.css"),
    },
    Asset {
        name: "uPlot.iife.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("assets/vendor/uplot/uPlot.iife.min.js"),
    },
    Asset {
        name: "uPlot.min.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("assets/vendor/uplot/uPlot.min.css"),
    },
];

/// The embedded file `name`.
pub fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_is_embedded() {
        for a in ASSETS {
            assert!(!a.body.is_empty(), "{}", a.name);
        }
        assert!(find("uPlot.iife.min.js").is_some_and(|a| a.body.len() > 40_000));
        assert!(find("../Cargo.toml").is_none());
    }
}
