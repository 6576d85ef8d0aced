//! Tests of the race model.
