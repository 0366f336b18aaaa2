//! `kubectl describe`: upstream's describers, section by section.

use super::{Ctx, Output};

pub fn run(_ctx: &mut Ctx, _argv: &[String]) -> Output {
    Output::err("error: kubectl describe is not available in Kubeplay yet\n")
}
