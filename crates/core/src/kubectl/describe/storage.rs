//! Describers for storage: PersistentVolume (status, claim, node affinity, source),
//! PersistentVolumeClaim (the pods using it as `Used By`, conditions) and StorageClass,
//! as kubectl v1.32 prints them.

use std::collections::BTreeMap;

use super::pod::{csi_attributes, describe_volume_source};
use super::writer::*;
use super::{events_for, Settings};
use crate::api::core_v1::{PersistentVolume, PersistentVolumeClaim, Pod, Volume};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::storage_v1::StorageClass;
use crate::api::{Kind, Object};
use crate::apiserver::admission::is_default_class;
use crate::apiserver::ApiServer;
use crate::volume_util::{access_modes_string, claim_class, volume_class};

/// `labels.FormatLabels`: `k=v,k2=v2` in key order, `<none>` when empty.
fn format_labels(m: &BTreeMap<String, String>) -> String {
    if m.is_empty() {
        return "<none>".into();
    }
    m.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn storage_string(m: &BTreeMap<String, crate::api::Quantity>) -> String {
    m.get("storage")
        .map_or_else(|| "0".to_string(), |q| q.canonical())
}

/// `kubectl describe persistentvolume`.
pub fn describe_persistent_volume(api: &ApiServer, pv: &PersistentVolume, s: &Settings) -> String {
    let m = &pv.metadata;
    let st = pv.status.clone().unwrap_or_default();
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    wr!(w, LEVEL_0, "Finalizers:\t[{}]\n", m.finalizers.join(" "));
    wr!(w, LEVEL_0, "StorageClass:\t{}\n", volume_class(pv));
    if m.deletion_timestamp.is_some() {
        wr!(
            w,
            LEVEL_0,
            "Status:\tTerminating (lasts {})\n",
            since(m.deletion_timestamp, s.now)
        );
    } else {
        wr!(w, LEVEL_0, "Status:\t{}\n", st.phase);
    }
    match &pv.spec.claim_ref {
        Some(r) => wr!(w, LEVEL_0, "Claim:\t{}/{}\n", r.namespace, r.name),
        None => w.write(LEVEL_0, "Claim:\t\n"),
    }
    wr!(
        w,
        LEVEL_0,
        "Reclaim Policy:\t{}\n",
        pv.spec.persistent_volume_reclaim_policy
    );
    wr!(
        w,
        LEVEL_0,
        "Access Modes:\t{}\n",
        access_modes_string(&pv.spec.access_modes)
    );
    if let Some(vm) = &pv.spec.volume_mode {
        wr!(w, LEVEL_0, "VolumeMode:\t{vm}\n");
    }
    wr!(
        w,
        LEVEL_0,
        "Capacity:\t{}\n",
        storage_string(&pv.spec.capacity)
    );
    w.write(LEVEL_0, "Node Affinity:\t");
    match pv
        .spec
        .node_affinity
        .as_ref()
        .and_then(|a| a.required.as_ref())
    {
        None => w.write_line("<none>"),
        Some(req) => {
            w.write_line("");
            w.write(LEVEL_1, "Required Terms:\t");
            if req.node_selector_terms.is_empty() {
                w.write_line("<none>");
            } else {
                w.write_line("");
                for (i, t) in req.node_selector_terms.iter().enumerate() {
                    wr!(w, LEVEL_2, "Term {i}:\t");
                    if t.match_expressions.is_empty() {
                        w.write_line("<none>");
                        continue;
                    }
                    for (j, e) in t.match_expressions.iter().enumerate() {
                        if j != 0 {
                            w.write(LEVEL_2, "\t");
                        }
                        let mut expr = format!("{} {}", e.key, e.operator.to_lowercase());
                        if !e.values.is_empty() {
                            expr = format!("{expr} [{}]", e.values.join(", "));
                        }
                        wr!(w, LEVEL_0, "{expr}\n");
                    }
                }
            }
        }
    }
    wr!(w, LEVEL_0, "Message:\t{}\n", st.message);
    w.write(LEVEL_0, "Source:\n");
    let spec = &pv.spec;
    if let Some(l) = &spec.local {
        wr!(
            w,
            LEVEL_2,
            "Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n    Path:\t{}\n",
            l.path
        );
    } else if let Some(c) = &spec.csi {
        wr!(
            w,
            LEVEL_2,
            "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t{}\n    FSType:\t{}\n    VolumeHandle:\t{}\n    ReadOnly:\t{}\n",
            c.driver,
            c.fs_type,
            c.volume_handle,
            c.read_only
        );
        csi_attributes(&mut w, &c.volume_attributes);
    } else {
        // The sources a pod can use directly print the same way.
        let v = Volume {
            host_path: spec.host_path.clone(),
            gce_persistent_disk: spec.gce_persistent_disk.clone().map(Box::new),
            aws_elastic_block_store: spec.aws_elastic_block_store.clone().map(Box::new),
            nfs: spec.nfs.clone().map(Box::new),
            fc: spec.fc.clone().map(Box::new),
            flocker: spec.flocker.clone().map(Box::new),
            vsphere_volume: spec.vsphere_volume.clone().map(Box::new),
            quobyte: spec.quobyte.clone().map(Box::new),
            azure_disk: spec.azure_disk.clone().map(Box::new),
            photon_persistent_disk: spec.photon_persistent_disk.clone().map(Box::new),
            portworx_volume: spec.portworx_volume.clone().map(Box::new),
            ..Default::default()
        };
        if v == Volume::default() {
            w.write(LEVEL_1, "<unknown>\n");
        } else {
            describe_volume_source(&mut w, &v);
        }
    }
    if s.show_events {
        let evs = events_for(api, m, Some("PersistentVolume"));
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}

/// The pods whose volumes name the claim, by name (kubectl's `getPodsForPVC`).
fn pods_for_claim(api: &ApiServer, c: &PersistentVolumeClaim) -> Vec<String> {
    let mut names: Vec<String> = api
        .list(
            Kind::Pod,
            Some(&c.metadata.namespace),
            &Selector::everything(),
            &FieldSelector::everything(),
        )
        .iter()
        .filter_map(|o| match &**o {
            Object::Pod(p) if uses(p, &c.metadata.name) => Some(p.metadata.name.clone()),
            _ => None,
        })
        .collect();
    names.sort();
    names
}

fn uses(p: &Pod, claim: &str) -> bool {
    p.spec.volumes.iter().any(|v| {
        v.persistent_volume_claim
            .as_ref()
            .is_some_and(|c| c.claim_name == claim)
    })
}

/// `kubectl describe persistentvolumeclaim`.
pub fn describe_persistent_volume_claim(
    api: &ApiServer,
    c: &PersistentVolumeClaim,
    s: &Settings,
) -> String {
    let m = &c.metadata;
    let st = c.status.clone().unwrap_or_default();
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", m.namespace);
    wr!(w, LEVEL_0, "StorageClass:\t{}\n", claim_class(c));
    if m.deletion_timestamp.is_some() {
        wr!(
            w,
            LEVEL_0,
            "Status:\tTerminating (lasts {})\n",
            since(m.deletion_timestamp, s.now)
        );
    } else {
        wr!(w, LEVEL_0, "Status:\t{}\n", st.phase);
    }
    wr!(w, LEVEL_0, "Volume:\t{}\n", c.spec.volume_name);
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    wr!(w, LEVEL_0, "Finalizers:\t[{}]\n", m.finalizers.join(" "));
    let (capacity, modes) = if c.spec.volume_name.is_empty() {
        (String::new(), String::new())
    } else {
        (
            storage_string(&st.capacity),
            access_modes_string(&st.access_modes),
        )
    };
    wr!(w, LEVEL_0, "Capacity:\t{capacity}\n");
    wr!(w, LEVEL_0, "Access Modes:\t{modes}\n");
    if let Some(vm) = &c.spec.volume_mode {
        wr!(w, LEVEL_0, "VolumeMode:\t{vm}\n");
    }
    if let Some(ds) = &c.spec.data_source {
        w.write(LEVEL_0, "DataSource:\n");
        if let Some(g) = &ds.api_group {
            wr!(w, LEVEL_1, "APIGroup:\t{g}\n");
        }
        wr!(w, LEVEL_1, "Kind:\t{}\n", ds.kind);
        wr!(w, LEVEL_1, "Name:\t{}\n", ds.name);
    }
    let pods = pods_for_claim(api, c);
    w.write(LEVEL_0, "Used By:\t");
    if pods.is_empty() {
        w.write_line("<none>");
    }
    for (i, p) in pods.iter().enumerate() {
        if i != 0 {
            w.write(LEVEL_0, "\t");
        }
        wr!(w, LEVEL_0, "{p}\n");
    }
    if !st.conditions.is_empty() {
        w.write(LEVEL_0, "Conditions:\n");
        w.write(
            LEVEL_1,
            "Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n",
        );
        w.write(
            LEVEL_1,
            "----\t------\t-----------------\t------------------\t------\t-------\n",
        );
        for cond in &st.conditions {
            wr!(
                w,
                LEVEL_1,
                "{} \t{} \t{} \t{} \t{} \t{}\n",
                cond.type_,
                cond.status,
                rfc1123z(cond.last_probe_time),
                rfc1123z(cond.last_transition_time),
                cond.reason,
                cond.message
            );
        }
    }
    if s.show_events {
        let evs = events_for(api, m, Some("PersistentVolumeClaim"));
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}

/// `kubectl describe storageclass`.
pub fn describe_storage_class(api: &ApiServer, sc: &StorageClass, s: &Settings) -> String {
    let m = &sc.metadata;
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    let default = if is_default_class(sc) { "Yes" } else { "No" };
    wr!(w, LEVEL_0, "IsDefaultClass:\t{default}\n");
    wr!(
        w,
        LEVEL_0,
        "Annotations:\t{}\n",
        format_labels(&m.annotations)
    );
    wr!(w, LEVEL_0, "Provisioner:\t{}\n", sc.provisioner);
    wr!(
        w,
        LEVEL_0,
        "Parameters:\t{}\n",
        format_labels(&sc.parameters)
    );
    let expansion = match sc.allow_volume_expansion {
        None => "<unset>",
        Some(b) => print_bool(b),
    };
    wr!(w, LEVEL_0, "AllowVolumeExpansion:\t{expansion}\n");
    if sc.mount_options.is_empty() {
        w.write(LEVEL_0, "MountOptions:\t<none>\n");
    } else {
        w.write(LEVEL_0, "MountOptions:\n");
        for o in &sc.mount_options {
            wr!(w, LEVEL_1, "{o}\n");
        }
    }
    if let Some(r) = &sc.reclaim_policy {
        wr!(w, LEVEL_0, "ReclaimPolicy:\t{r}\n");
    }
    if let Some(b) = &sc.volume_binding_mode {
        wr!(w, LEVEL_0, "VolumeBindingMode:\t{b}\n");
    }
    if !sc.allowed_topologies.is_empty() {
        w.write(LEVEL_0, "AllowedTopologies:\t");
        w.write_line("");
        for (i, t) in sc.allowed_topologies.iter().enumerate() {
            wr!(w, LEVEL_1, "Term {i}:\t");
            if t.match_label_expressions.is_empty() {
                w.write_line("<none>");
                continue;
            }
            for (j, e) in t.match_label_expressions.iter().enumerate() {
                if j != 0 {
                    w.write(LEVEL_1, "\t");
                }
                let mut expr = format!("{} in", e.key);
                if !e.values.is_empty() {
                    expr = format!("{expr} [{}]", e.values.join(", "));
                }
                wr!(w, LEVEL_0, "{expr}\n");
            }
        }
    }
    if s.show_events {
        let evs = events_for(api, m, Some("StorageClass"));
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}
