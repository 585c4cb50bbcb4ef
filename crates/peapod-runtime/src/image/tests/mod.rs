//! Store-level tests on archives built in a temp dir (fixtures), plus the shared seed images
//! and skopeo when they are available.

mod archives;
mod fixtures;
mod layers;
mod seed;
mod store;
