//! Adding an image from outside the catalogue module: one `Image` value with its own
//! behaviour, registered in a catalogue the cluster's kubelets use. A pod running it
//! starts, logs what the image says and exits as the image says.

use std::sync::Arc;

use kubeplay_core::kubelet::images::{Catalogue, Exec, Image, Process};
use kubeplay_core::shell::Shell;
use kubeplay_core::sim::ClusterConfig;

/// A greeter: prints a greeting for `$NAME` (or "world") and exits with code 3.
fn greeter(e: &Exec) -> Process {
    let who = e.env.get("NAME").map_or("world", String::as_str);
    Process {
        exit: Some((2_000, 3)),
        logs: vec![(0, format!("hello, {who}!"))],
        ..Default::default()
    }
}

#[test]
fn a_new_image_in_a_few_lines() {
    let mut images = Catalogue::builtin();
    images.register(Image {
        repository: "example/greeter",
        size_bytes: 5_000_000,
        entrypoint: &["/greeter"],
        cmd: &[],
        preloaded: false,
        shell: false,
        behave: greeter,
    });
    let mut sh = Shell::new(ClusterConfig {
        images: Arc::new(images),
        ..Default::default()
    });
    let out = sh.run_script(
        "kubectl apply -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: greet
spec:
  restartPolicy: Never
  containers:
  - name: greeter
    image: ghcr.io/example/greeter:v1
    env:
    - name: NAME
      value: kubeplay
EOF
sleep 5s
kubectl get pod greet
kubectl logs greet
",
    );
    assert!(
        out.contains("greet   0/1     Error    0          5s"),
        "{out}"
    );
    assert!(out.contains("\nhello, kubeplay!\n"), "{out}");
}
