//! The web channel's front-end: the chat widget (one script tag on any page), the demo page and the agent
//! console, as static files embedded at compile time (no build step, nothing fetched from another origin
//! at run time). The server serves them with [`CONTENT_SECURITY_POLICY`]; the HTTP API they talk to is
//! described in this crate's README.

/// One embedded file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    /// The path it is served at.
    pub path: &'static str,
    /// Its media type.
    pub content_type: &'static str,
    /// Its bytes.
    pub body: &'static [u8],
}

/// The content security policy of every page: scripts, styles, connections and frames from this origin
/// only; images also as data/blob URLs (photos the citizen picks, camera frames).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; \
     frame-ancestors 'self'; base-uri 'none'; form-action 'self'";

/// The embedded files.
pub const ASSETS: &[Asset] = &[
    Asset {
        path: "/",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../assets/index.html"),
    },
    Asset {
        path: "/widget.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/widget.js"),
    },
    Asset {
        path: "/widget.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../assets/widget.css"),
    },
    Asset {
        path: "/agent",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../assets/agent.html"),
    },
    Asset {
        path: "/agent.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/agent.js"),
    },
    Asset {
        path: "/agent.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../assets/agent.css"),
    },
];

/// The file served at a path.
pub fn asset(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_and_script_is_embedded_and_uses_no_inline_code() {
        for asset in ASSETS {
            assert!(!asset.body.is_empty(), "{} is empty", asset.path);
            let text = std::str::from_utf8(asset.body).unwrap();
            if asset.content_type.starts_with("text/html") {
                // The CSP forbids inline scripts and styles: pages must not rely on them.
                assert!(
                    !text.contains("<script>"),
                    "{} has an inline script",
                    asset.path
                );
                assert!(
                    !text.contains("style=\""),
                    "{} has an inline style",
                    asset.path
                );
                assert!(!text.contains("<style"), "{} has a style block", asset.path);
                assert!(
                    !text.contains("http://") && !text.contains("https://cdn"),
                    "{}",
                    asset.path
                );
            }
        }
        assert!(asset("/widget.js").is_some());
        assert!(asset("/nope").is_none());
    }
}
