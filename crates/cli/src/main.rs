//! The native `kubeplay` binary: `run SCRIPT`, `shell`, `bench`.

fn main() {
    println!("kubeplay");
}
