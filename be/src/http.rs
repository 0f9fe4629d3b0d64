//! BE HTTP server: /api/health, /metrics, /api/_load_error_log.
