//! Browser tests: placeholder while the suite is written.
