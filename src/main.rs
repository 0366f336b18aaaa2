//! The Kubeplay page (placeholder).
fn main() {}
