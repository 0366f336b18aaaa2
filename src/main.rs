//! The Kubeplay page: a thin Yew app over `kubeplay-core`. It renders and forwards
//! commands; every bit of cluster behaviour lives in the core (`crates/core`).
//!
//! The page exists only in wasm (`trunk build`); natively this package is a stub so that
//! `cargo test --workspace` needs no web dependencies.

#[cfg(target_arch = "wasm32")]
mod app;

#[cfg(target_arch = "wasm32")]
fn main() {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"))
        .expect("index.html has an element with id \"app\"");
    // Replace the static "loading" text that index.html shows while the wasm loads.
    root.set_inner_html("");
    yew::Renderer::<app::App>::with_root(root).render();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "kubeplay-web is the browser page: serve it with `scripts/serve.sh`.\n\
         The native binary is `cargo run -p kubeplay -- run SCRIPT | shell | bench`."
    );
}
