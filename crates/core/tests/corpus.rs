//! Applies every manifest of the shared corpus (`../shared/corpus` beside the repository,
//! real-world examples from kubernetes/examples) to a fresh cluster, one cluster per file,
//! with `kubectl apply -f FILE`, and checks what DESIGN.md promises for user input:
//!
//! - nothing panics;
//! - every output line is a success line (`deployment.apps/web created`) or part of an
//!   error in kubectl's form (`error: ...`, `Error from server (Reason): ...`,
//!   `The Kind "name" is invalid: ...`) followed by our `  at FILE line L, column C`;
//! - a rejected document leaves the store exactly as it was: the only objects that change
//!   are the ones reported `created` or `configured`, and those exist afterwards;
//! - every rejection is one we looked at and know upstream makes too ([`EXPECTED`]): a
//!   new rejection is a regression (or a new corpus file to classify).
//!
//! Run with `cargo test -p kubeplay-core --test corpus -- --nocapture` for the summary.
//! When the corpus is absent the test prints a note and passes (CI always has it).

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use kubeplay_core::api::fields::FieldSelector;
use kubeplay_core::api::labels::Selector;
use kubeplay_core::api::Kind;
use kubeplay_core::kubectl::get::kind_name;
use kubeplay_core::shell::Shell;
use kubeplay_core::sim::ClusterConfig;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

/// Every rejection the corpus produces, classified as upstream behaviour: (file path
/// relative to the corpus, the characteristic part of the message, why upstream rejects
/// it too). A rejection not listed here fails the test.
const EXPECTED: &[(&str, &str, &str)] = &[
    (
        "kubernetes-examples/_archived/openshift-origin/etcd-controller.yaml",
        "strict decoding error: duplicate field \"spec.selector\"",
        "two selector keys; strict decoding reports duplicates (real kubectl would keep the last)",
    ),
    (
        "kubernetes-examples/_archived/openshift-origin/etcd-discovery-controller.yaml",
        "strict decoding error: duplicate field \"spec.selector\"",
        "two selector keys; strict decoding reports duplicates (real kubectl would keep the last)",
    ),
    (
        "kubernetes-examples/_archived/openshift-origin/openshift-controller.yaml",
        "strict decoding error: duplicate field \"spec.selector\"",
        "two selector keys; strict decoding reports duplicates (real kubectl would keep the last)",
    ),
    (
        "kubernetes-examples/_archived/volumes/scaleio/sc-pvc.yaml",
        "strict decoding error: duplicate field \"spec.storageClassName\"",
        "two storageClassName keys; strict decoding reports duplicates",
    ),
    (
        "kubernetes-examples/_archived/persistent-volume-provisioning/quobyte/quobyte-admin-secret.yaml",
        "strict decoding error: duplicate field \"type\"",
        "two type keys; strict decoding reports duplicates",
    ),
    (
        "kubernetes-examples/AI/vllm-deployment/hpa/gpu-service-monitor-generic.yaml",
        "no matches for kind \"ServiceMonitor\" in version \"monitoring.coreos.com/v1\"",
        "a CRD of the Prometheus operator",
    ),
    (
        "kubernetes-examples/AI/vllm-deployment/hpa/gpu-service-monitor-gke.yaml",
        "no matches for kind \"ServiceMonitor\" in version \"monitoring.coreos.com/v1\"",
        "a CRD of the Prometheus operator",
    ),
    (
        "kubernetes-examples/AI/vllm-deployment/hpa/vllm-service-monitor.yaml",
        "no matches for kind \"ServiceMonitor\" in version \"monitoring.coreos.com/v1\"",
        "a CRD of the Prometheus operator",
    ),
    (
        "kubernetes-examples/AI/vllm-deployment/hpa/prometheus-rule.yaml",
        "no matches for kind \"PrometheusRule\" in version \"monitoring.coreos.com/v1\"",
        "a CRD of the Prometheus operator",
    ),
    (
        "kubernetes-examples/AI/vllm-deployment/hpa/prometheus-adapter.yaml",
        "no matches for kind \"APIService\" in version \"apiregistration.k8s.io/v1\"",
        "NOT upstream: a real cluster serves APIService (kube-aggregator); Kubeplay does not serve that kind yet",
    ),
    (
        "kubernetes-examples/AI/vllm-deployment/hpa/prometheus-adapter.yaml",
        "namespaces \"monitoring\" not found",
        "the file never creates the namespace",
    ),
    (
        "kubernetes-examples/AI/vllm-deployment/hpa/gpu-dcgm-exporter-service-generic.yaml",
        "namespaces \"monitoring\" not found",
        "the file never creates the namespace",
    ),
    (
        "kubernetes-examples/AI/vllm-deployment/hpa/gpu-dcgm-exporter-service-gke.yaml",
        "namespaces \"gke-managed-system\" not found",
        "a GKE-only namespace",
    ),
    (
        "kubernetes-examples/_archived/spark/spark-gluster/glusterfs-endpoints.yaml",
        "namespaces \"spark-cluster\" not found",
        "namespace-spark-cluster.yaml creates it, in another file",
    ),
    (
        "kubernetes-examples/_archived/spark/spark-gluster/spark-master-controller.yaml",
        "namespaces \"spark-cluster\" not found",
        "namespace-spark-cluster.yaml creates it, in another file",
    ),
    (
        "kubernetes-examples/_archived/spark/spark-gluster/spark-master-service.yaml",
        "namespaces \"spark-cluster\" not found",
        "namespace-spark-cluster.yaml creates it, in another file",
    ),
    (
        "kubernetes-examples/_archived/spark/spark-gluster/spark-worker-controller.yaml",
        "namespaces \"spark-cluster\" not found",
        "namespace-spark-cluster.yaml creates it, in another file",
    ),
    (
        "kubernetes-examples/_archived/cloud-controller-manager/persistent-volume-label-initializer-config.yaml",
        "no matches for kind \"InitializerConfiguration\" in version \"admissionregistration.k8s.io/v1alpha1\"",
        "removed in v1.14",
    ),
    (
        "kubernetes-examples/_archived/cockroachdb/cockroachdb-statefulset.yaml",
        "no matches for kind \"PodDisruptionBudget\" in version \"policy/v1beta1\"",
        "removed in v1.25",
    ),
    (
        "kubernetes-examples/_archived/podsecuritypolicy/rbac/policies.yaml",
        "no matches for kind \"PodSecurityPolicy\" in version \"policy/v1beta1\"",
        "removed in v1.25",
    ),
    (
        "kubernetes-examples/_archived/newrelic-infrastructure/newrelic-infra-daemonset.yaml",
        "no matches for kind \"DaemonSet\" in version \"extensions/v1beta1\"",
        "removed in v1.16",
    ),
    (
        "kubernetes-examples/_archived/volumes/flexvolume/deploy/ds.yaml",
        "no matches for kind \"DaemonSet\" in version \"extensions/v1beta1\"",
        "removed in v1.16",
    ),
    (
        "kubernetes-examples/_archived/volumes/azure_disk/claim/blob-based-disk/account-specified-hdd/storageclass-account-hdd.yaml",
        "no matches for kind \"StorageClass\" in version \"storage.k8s.io/v1beta1\"",
        "removed in v1.22",
    ),
    (
        "kubernetes-examples/_archived/volumes/azure_disk/claim/blob-based-disk/dedicated-hdd/storageclass-dedicated-hdd.yaml",
        "no matches for kind \"StorageClass\" in version \"storage.k8s.io/v1beta1\"",
        "removed in v1.22",
    ),
    (
        "kubernetes-examples/_archived/volumes/azure_disk/claim/blob-based-disk/shared-hdd/storageclass-shared-hdd.yaml",
        "no matches for kind \"StorageClass\" in version \"storage.k8s.io/v1beta1\"",
        "removed in v1.22",
    ),
    (
        "kubernetes-examples/_archived/volumes/azure_disk/claim/blob-based-disk/shared-ssd/storageclass-shared-ssd.yaml",
        "no matches for kind \"StorageClass\" in version \"storage.k8s.io/v1beta1\"",
        "removed in v1.22",
    ),
    (
        "kubernetes-examples/_archived/volumes/azure_disk/claim/managed-disk/managed-hdd/storageclass-managed-hdd.yaml",
        "no matches for kind \"StorageClass\" in version \"storage.k8s.io/v1beta1\"",
        "removed in v1.22",
    ),
    (
        "kubernetes-examples/_archived/volumes/azure_disk/claim/managed-disk/managed-ssd/storageclass-managed-ssd.yaml",
        "no matches for kind \"StorageClass\" in version \"storage.k8s.io/v1beta1\"",
        "removed in v1.22",
    ),
    (
        "kubernetes-examples/_archived/storage/vitess/etcd-controller-template.yaml",
        "yaml: invalid map key: map[interface {}]interface {}{\"replicas\":interface {}(nil)}",
        "an unrendered {{template}}: go-yaml v2 refuses a mapping as a key",
    ),
    (
        "kubernetes-examples/_archived/storage/vitess/vtgate-controller-template.yaml",
        "yaml: invalid map key: map[interface {}]interface {}{\"replicas\":interface {}(nil)}",
        "an unrendered {{template}}: go-yaml v2 refuses a mapping as a key",
    ),
    (
        "kubernetes-examples/_archived/storage/vitess/etcd-service-template.yaml",
        "yaml: invalid map key: map[interface {}]interface {}{\"cell\":interface {}(nil)}",
        "an unrendered {{template}}: go-yaml v2 refuses a mapping as a key",
    ),
    (
        "kubernetes-examples/_archived/newrelic/newrelic-config-template.yaml",
        "yaml: invalid map key: map[interface {}]interface {}{\"config_data\":interface {}(nil)}",
        "an unrendered {{template}}: go-yaml v2 refuses a mapping as a key",
    ),
    (
        "kubernetes-examples/_archived/newrelic-infrastructure/newrelic-config-template.yaml",
        "yaml: invalid map key: map[interface {}]interface {}{\"config_data\":interface {}(nil)}",
        "an unrendered {{template}}: go-yaml v2 refuses a mapping as a key",
    ),
    (
        "kubernetes-examples/_archived/storage/vitess/vttablet-pod-template.yaml",
        "metadata.name: Invalid value: \"vttablet-{{uid}}\"",
        "an unrendered {{template}} in the name and labels",
    ),
    (
        "kubernetes-examples/_archived/volumes/fibre_channel/fc.yaml",
        "json: cannot unmarshal string into Go struct field FCVolumeSource.spec.volumes.fc.lun of type int32",
        "a placeholder (<ADD LUN ID Here>) where an integer belongs",
    ),
    (
        "kubernetes-examples/_archived/volumes/aws_ebs/aws-ebs-web.yaml",
        "spec.containers[0].ports[0].protocol: Unsupported value: \"tcp\"",
        "protocols are case-sensitive",
    ),
    (
        "kubernetes-examples/_archived/volumes/cinder/cinder-web.yaml",
        "spec.containers[0].ports[0].protocol: Unsupported value: \"tcp\"",
        "protocols are case-sensitive",
    ),
    (
        "kubernetes-examples/_archived/sysdig-cloud/sysdig-rc.yaml",
        "spec.selector: Required value",
        "no selector and no template labels to default it from",
    ),
    (
        "kubernetes-examples/_archived/volumes/rbd/rbd.yaml",
        "unknown field \"spec.volumes[0].rbd.imageformat\", unknown field \"spec.volumes[0].rbd.imagefeatures\"",
        "StorageClass parameters, not RBDVolumeSource fields",
    ),
    (
        "kubernetes-examples/_archived/volumes/scaleio/pod.yaml",
        "unknown field \"spec.volumes[0].scaleIO.protectionDoamin\"",
        "a typo of protectionDomain",
    ),
    (
        "kubernetes-examples/_archived/volumes/storageos/storageos-pod.yaml",
        "unknown field \"spec.volumes[0].storageos.pool\"",
        "StorageOSVolumeSource has no pool",
    ),
    (
        "kubernetes-examples/_archived/volumes/storageos/storageos-pv.yaml",
        "unknown field \"spec.storageos.secretName\"",
        "StorageOSPersistentVolumeSource has secretRef, not secretName",
    ),
];

/// What the store holds: (kind, namespace, name) -> (resourceVersion, `kind/name`).
type Snapshot = BTreeMap<(Kind, String, String), (String, String)>;

/// The annotation `kubectl apply` writes: objects from a file carry it.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

fn snapshot(shell: &Shell) -> Snapshot {
    let mut out = Snapshot::new();
    // Events are what the cluster's components record about the new objects (the
    // scheduler's `Scheduled`, for one), not objects from the file; objects with an
    // owner are what controllers made for them (a Deployment's ReplicaSet and pods).
    for &kind in Kind::ALL.iter().filter(|k| **k != Kind::Event) {
        for o in shell.cluster.api.list(
            kind,
            None,
            &Selector::everything(),
            &FieldSelector::everything(),
        ) {
            let m = o.meta();
            if !m.owner_references.is_empty() && !m.annotations.contains_key(LAST_APPLIED) {
                continue;
            }
            // A DaemonSet's or StatefulSet's revisions copy its annotations, and a
            // StatefulSet's claims have no owner under the default Retain policy.
            let from_claim_template =
                kind == Kind::PersistentVolumeClaim && !m.annotations.contains_key(LAST_APPLIED);
            if kind == Kind::ControllerRevision || from_claim_template {
                continue;
            }
            out.insert(
                (kind, m.namespace.clone(), m.name.clone()),
                (m.resource_version.clone(), kind_name(&o)),
            );
        }
    }
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            collect(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(p);
        }
    }
}

/// One error block of the output: its lines, the last being the location line.
#[derive(Debug)]
struct Rejection {
    file: String,
    lines: Vec<String>,
}

impl Rejection {
    fn message(&self) -> String {
        self.lines[..self.lines.len() - 1].join("\n")
    }

    /// A short reason to group rejections by: the message without names and file.
    fn reason(&self) -> String {
        let head = &self.lines[0];
        if let Some(i) = head.find(": no matches for kind ") {
            return format!("resource mapping not found:{}", &head[i + 1..]);
        }
        if head.starts_with("Error from server (NotFound)") && head.contains("namespaces \"") {
            return "namespace not found".into();
        }
        if let Some(i) = head.find("strict decoding error: ") {
            return head[i..].to_string();
        }
        if let Some(i) = head.find(" is invalid: ") {
            let rest = &head[i + " is invalid: ".len()..];
            if rest.is_empty() {
                return format!(
                    "invalid: {}",
                    self.lines[1..self.lines.len() - 1].join("; ")
                );
            }
            return format!("invalid: {rest}");
        }
        if let Some(i) = head.find("cannot be handled as a ") {
            return head[i..].to_string();
        }
        head.clone()
    }
}

fn is_location(line: &str, source: &str) -> bool {
    let Some(rest) = line.strip_prefix(&format!("  at {source} line ")) else {
        return false;
    };
    let Some((l, c)) = rest.split_once(", column ") else {
        return false;
    };
    l.parse::<u32>().is_ok() && c.parse::<u32>().is_ok()
}

fn is_error_head(line: &str) -> bool {
    if line.starts_with("error: ") {
        return true;
    }
    if let Some(rest) = line.strip_prefix("Error from server (") {
        return rest.split_once("): ").is_some_and(|(reason, msg)| {
            !reason.is_empty() && reason.chars().all(|c| c.is_ascii_alphabetic()) && !msg.is_empty()
        });
    }
    if let Some(rest) = line.strip_prefix("The ") {
        // `The Deployment "web" is invalid: ...`
        return rest.split_once(' ').is_some_and(|(kind, more)| {
            kind.chars().all(|c| c.is_ascii_alphanumeric())
                && more.starts_with('"')
                && more.contains("\" is invalid: ")
        });
    }
    false
}

/// A success line: `kind[.group]/name created|configured|unchanged`.
fn success(line: &str) -> Option<(&str, &str)> {
    let (obj, verb) = line.rsplit_once(' ')?;
    if !matches!(verb, "created" | "configured" | "unchanged") {
        return None;
    }
    let (kind, name) = obj.split_once('/')?;
    if kind.is_empty() || name.is_empty() || kind.contains(' ') || name.contains(' ') {
        return None;
    }
    Some((obj, verb))
}

#[derive(Default)]
struct Report {
    files: usize,
    /// Files without a document (only comments).
    empty: usize,
    applied: usize,
    rejections: Vec<Rejection>,
    failures: Vec<String>,
}

fn run_file(root: &Path, path: &Path, report: &mut Report) {
    let rel = path
        .strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned();
    let text = match std::fs::read(path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            report.failures.push(format!("{rel}: cannot read: {e}"));
            return;
        }
    };
    report.files += 1;
    // The name kubectl shows in messages; a bare name keeps `-f` free of spaces.
    let source = "manifest.yaml";
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut shell = Shell::new(ClusterConfig::default());
        shell.put_file(source, &text);
        let before = snapshot(&shell);
        let out = shell.exec(&format!("kubectl apply -f {source}"), None);
        let after = snapshot(&shell);
        (out, before, after)
    }));
    let (out, before, after) = match result {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            report.failures.push(format!("{rel}: PANIC: {msg}"));
            return;
        }
    };

    // A file holding only comments: kubectl's one-line error, about the whole file.
    if out == "error: no objects passed to apply\n" {
        report.empty += 1;
        if before != after {
            report
                .failures
                .push(format!("{rel}: the store changed on an empty apply"));
        }
        return;
    }

    // Parse the output into success lines and error blocks.
    let mut written: Vec<String> = Vec::new(); // `kind/name` reported created or configured
    let mut unchanged: Vec<String> = Vec::new();
    let mut block: Vec<String> = Vec::new();
    for line in out.lines() {
        if block.is_empty() {
            if let Some((obj, verb)) = success(line) {
                report.applied += 1;
                if verb == "unchanged" {
                    unchanged.push(obj.to_string());
                } else {
                    written.push(obj.to_string());
                }
                continue;
            }
            // kubectl's warnings (deprecated fields, PodSecurity) precede the results.
            if line.starts_with("Warning: ") {
                continue;
            }
            if !is_error_head(line) {
                report
                    .failures
                    .push(format!("{rel}: unexpected output line: {line:?}\n{out}"));
                return;
            }
            block.push(line.to_string());
            continue;
        }
        block.push(line.to_string());
        if is_location(line, source) {
            report.rejections.push(Rejection {
                file: rel.clone(),
                lines: std::mem::take(&mut block),
            });
            continue;
        }
        let ok_continuation = line.starts_with("* ")
            || line == "ensure CRDs are installed first"
            || (block.len() == 2 && block[0].ends_with(" is invalid: "));
        if !ok_continuation {
            report.failures.push(format!(
                "{rel}: error without a location line, or an unexpected line {line:?}:\n{out}"
            ));
            return;
        }
    }
    if !block.is_empty() {
        report.failures.push(format!(
            "{rel}: error without a location line:\n{}",
            block.join("\n")
        ));
    }

    // The store changed exactly where apply said it did.
    let mut changed: Vec<String> = Vec::new();
    for (key, (rv, name)) in &after {
        if before.get(key).is_none_or(|(old, _)| old != rv) {
            changed.push(name.clone());
        }
    }
    for (key, (_, name)) in &before {
        if !after.contains_key(key) {
            report
                .failures
                .push(format!("{rel}: apply removed {name} ({key:?})"));
        }
    }
    let mut a = changed.clone();
    let mut b = written.clone();
    a.sort();
    b.sort();
    if a != b {
        report.failures.push(format!(
            "{rel}: the store changed for {a:?} but apply reported {b:?} created/configured\n{out}"
        ));
    }
    for u in &unchanged {
        if !after.values().any(|(_, n)| n == u) {
            report
                .failures
                .push(format!("{rel}: {u} reported unchanged but is not stored"));
        }
    }
}

#[test]
fn corpus_applies_or_is_rejected_clearly() {
    let root = PathBuf::from(CORPUS);
    if !root.is_dir() {
        println!(
            "note: no corpus at {}; skipping (CI always has ../shared/corpus)",
            root.display()
        );
        return;
    }
    let mut paths = Vec::new();
    collect(&root, &mut paths);
    assert!(
        !paths.is_empty(),
        "the corpus at {} holds no manifests",
        root.display()
    );

    // Keep panics of the core quiet: they are reported with the file name below.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut report = Report::default();
    for p in &paths {
        run_file(&root, p, &mut report);
    }
    std::panic::set_hook(hook);

    // Every rejection must be one we classified.
    let mut unexpected = Vec::new();
    let mut seen: BTreeSet<usize> = BTreeSet::new();
    let mut by_reason: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &report.rejections {
        by_reason
            .entry(r.reason())
            .or_default()
            .push(r.file.clone());
        let msg = r.message();
        match EXPECTED
            .iter()
            .position(|(f, m, _)| *f == r.file && msg.contains(m))
        {
            Some(i) => {
                seen.insert(i);
            }
            None => unexpected.push(format!("{}:\n{}", r.file, r.lines.join("\n"))),
        }
    }

    println!(
        "corpus: {} files ({} without documents), {} documents applied, {} documents rejected",
        report.files,
        report.empty,
        report.applied,
        report.rejections.len()
    );
    println!("rejections by reason:");
    for (reason, files) in &by_reason {
        println!("  {:4}  {reason}", files.len());
        for f in files {
            println!("          {f}");
        }
    }
    let stale: Vec<String> = EXPECTED
        .iter()
        .enumerate()
        .filter(|(i, _)| !seen.contains(i))
        .map(|(_, (f, m, why))| format!("{f}: {m} ({why})"))
        .collect();
    for s in &stale {
        println!("expected rejection no longer happens: {s}");
    }
    if !unexpected.is_empty() {
        println!("\nunclassified rejections:");
        for u in &unexpected {
            println!("{u}\n");
        }
    }
    assert!(
        report.failures.is_empty(),
        "{} corpus failures:\n{}",
        report.failures.len(),
        report.failures.join("\n\n")
    );
    assert!(
        stale.is_empty(),
        "{} expected rejections no longer happen: upstream rejects them (update EXPECTED if \
         Kubeplay learned a kind upstream serves)",
        stale.len()
    );
    assert!(
        unexpected.is_empty(),
        "{} rejections are not classified in EXPECTED (see above)",
        unexpected.len()
    );
}

/// kubectl applies a file's documents in order: a Namespace created earlier in the file
/// can hold the objects that follow it; without it they are refused, and nothing is stored.
#[test]
fn namespace_created_earlier_in_the_same_file() {
    let mut shell = Shell::new(ClusterConfig::default());
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: monitoring\ndata:\n  a: b\n";
    shell.put_file("cm.yaml", cm);
    assert_eq!(
        shell.exec("kubectl apply -f cm.yaml", None),
        "Error from server (NotFound): error when creating \"cm.yaml\": namespaces \"monitoring\" not found\n  at cm.yaml line 1, column 1\n"
    );
    assert!(shell
        .exec("kubectl get configmap settings -n monitoring", None)
        .contains("NotFound"));
    let both = format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n---\n{cm}");
    shell.put_file("both.yaml", &both);
    assert_eq!(
        shell.exec("kubectl apply -f both.yaml", None),
        "namespace/monitoring created\nconfigmap/settings created\n"
    );
}
