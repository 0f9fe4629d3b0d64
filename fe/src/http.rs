//! FE HTTP server: `/api/health`, `/metrics`.
