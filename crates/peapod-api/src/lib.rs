//! API machinery with no I/O: the resource registry, defaulting, validation with field paths,
//! Status errors, label and field selectors, patches and server-side Table printing.
//!
//! Invariant: nothing in this crate performs I/O or panics on user input.

pub mod defaults;
pub mod error;
pub mod meta;
pub mod patch;
pub mod pod;
pub mod printers;
pub mod protobuf;
pub mod resources;
pub mod selector;
pub mod strict;
pub mod table;
pub mod validation;
