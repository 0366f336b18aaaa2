//! Bad input never panics: every prefix of a real manifest, and the manifest with single
//! characters replaced by YAML's special characters, go through `kubectl apply`. Each run
//! must print either success lines or kubectl-style errors.

use kubeplay_core::shell::Shell;
use kubeplay_core::sim::ClusterConfig;

const MANIFEST: &str = include_str!("../../../tests/scenarios/manifests/flask.yaml");

fn check(sh: &mut Shell, text: &str) {
    sh.put_file("m.yaml", text);
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        sh.exec("kubectl apply -f m.yaml", None)
    }));
    let out = match out {
        Ok(o) => o,
        Err(_) => panic!("kubectl apply panicked on:\n{text}"),
    };
    for line in out.lines() {
        let ok = line.ends_with(" created")
            || line.ends_with(" configured")
            || line.ends_with(" unchanged")
            || line.starts_with("error: ")
            || line.starts_with("Error from server (")
            || line.starts_with("The ")
            || line.starts_with("* ")
            || line.starts_with("  at m.yaml line ")
            || line == "ensure CRDs are installed first";
        assert!(
            ok,
            "unexpected output line {line:?} for input:\n{text}\noutput:\n{out}"
        );
    }
}

#[test]
fn every_prefix_is_handled() {
    let mut sh = Shell::new(ClusterConfig::default());
    for (i, _) in MANIFEST.char_indices() {
        check(&mut sh, &MANIFEST[..i]);
    }
}

#[test]
fn special_characters_anywhere_are_handled() {
    let mut sh = Shell::new(ClusterConfig::default());
    let specials = [
        ":", "-", "\"", "'", "\t", "{", "[", "&", "*", "!", "%", "|", ">", "#", "?", " ", "\n",
        "é", "\u{0}",
    ];
    let positions: Vec<usize> = MANIFEST.char_indices().map(|(i, _)| i).collect();
    for (n, &i) in positions.iter().enumerate() {
        let s = specials[n % specials.len()];
        let end = positions.get(n + 1).copied().unwrap_or(MANIFEST.len());
        let text = format!("{}{}{}", &MANIFEST[..i], s, &MANIFEST[end..]);
        check(&mut sh, &text);
    }
}

/// Odd pod specs and commands for the kubelet and its kubectl commands: huge grace
/// periods and sleeps, broken scripts, probes on ports that do not exist, unterminated
/// variable references, unknown containers. Nothing may panic, and time must go on.
#[test]
fn odd_pods_and_commands_never_panic() {
    let mut sh = Shell::new(ClusterConfig::default());
    let script = r#"kubectl apply -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: odd
spec:
  terminationGracePeriodSeconds: 9223372036854775807
  containers:
  - name: a
    image: busybox:1.36
    command: ["sh", "-c", "sleep 99999999999999999999d; echo 'unterminated; exit é"]
    env:
    - name: X
      value: "$(X"
    - name: YY
      value: "$(X)$$(YY)$("
    livenessProbe:
      httpGet:
        port: nosuchport
      periodSeconds: 2147483647
    readinessProbe:
      exec:
        command: ["sh", "-c", "exit $(("]
    lifecycle:
      preStop:
        sleep:
          seconds: 9223372036854775807
  - name: b
    image: polinux/stress
    args: ["--vm", "99999999999999999999", "--vm-bytes", "9999999999G"]
    resources:
      limits:
        memory: 1Ki
  - name: c
    image: hashicorp/http-echo
    args: ["-listen=:notaport"]
    startupProbe:
      tcpSocket:
        port: 65535
      failureThreshold: 1
EOF
sleep 30s
kubectl logs odd -c a --tail -1 --since 1h --timestamps
kubectl logs odd -c nope -p
kubectl logs odd --tail x
kubectl logs odd --since x
kubectl logs -l 'bad selector'
kubectl exec odd -c a -- sh -c "echo $(( ; && || ;; 'x"
kubectl exec odd -c a -- cat
kubectl exec odd -c c -- sh
kubectl exec odd -- 
kubectl exec -it odd -c a -- sh
echo "unterminated
ls /nope /etc
exit 99999999999
kubectl run r --image=busybox:1.36 --port=x
kubectl run r --image=busybox:1.36 --labels=a
kubectl run r2 --image=busybox:1.36 --env=NOEQUALS -- sh -c 'exit 300'
kubectl delete pod odd --wait=false
sleep 10m
kubectl get pods
"#;
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sh.run_script(script)));
    let Ok(out) = out else {
        panic!("the kubelet or a kubectl command panicked");
    };
    // The odd pod was accepted, ran, and was deleted.
    assert!(out.contains("pod/odd created"), "{out}");
    assert!(out.contains("pod \"odd\" deleted"), "{out}");
}
