//! The `checkout` model (placeholder).
