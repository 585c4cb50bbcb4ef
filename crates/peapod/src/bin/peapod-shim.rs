//! The per-container supervisor (see peapod_runtime::shim). Kept apart from the main binary so
//! the process that lives beside every container maps as little as possible.

fn main() {
    std::process::exit(peapod_runtime::shim::main());
}
