//! The `terminal` model (placeholder).
