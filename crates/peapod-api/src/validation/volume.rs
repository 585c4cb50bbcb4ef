//! Pod volumes (`ValidateVolumes`): unique names and exactly one source each.

use super::names::is_dns1123_label;
use super::{field, int_field, required, str_field, Errs};
use crate::error::FieldError;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Volume source members, in the order upstream checks them.
const VOLUME_SOURCES: &[&str] = &[
    "emptyDir",
    "hostPath",
    "gitRepo",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "flocker",
    "persistentVolumeClaim",
    "rbd",
    "cinder",
    "cephfs",
    "quobyte",
    "downwardAPI",
    "fc",
    "flexVolume",
    "configMap",
    "azureFile",
    "vsphereVolume",
    "photonPersistentDisk",
    "portworxVolume",
    "azureDisk",
    "storageos",
    "projected",
    "scaleIO",
    "csi",
    "ephemeral",
    "image",
];

/// Whether a volume carries any source (used by defaulting to add `emptyDir: {}`).
pub(crate) fn has_volume_source(vol: &Map<String, Value>) -> bool {
    VOLUME_SOURCES
        .iter()
        .any(|k| vol.get(*k).is_some_and(|v| !v.is_null()))
}

/// `ValidateVolumes`: unique DNS-label names and exactly one source each. Returns the names of
/// the valid volumes, which container volume mounts may refer to.
pub(super) fn validate_volumes(volumes: &[Value], path: &str) -> (BTreeSet<String>, Errs) {
    let mut names = BTreeSet::new();
    let mut errs = Vec::new();
    for (i, vol) in volumes.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let name = str_field(vol, "name");
        let mut el = volume_source(vol, &p);
        if name.is_empty() {
            el.push(required(format!("{p}.name")));
        } else {
            el.extend(
                is_dns1123_label(name)
                    .into_iter()
                    .map(|m| FieldError::invalid(format!("{p}.name"), name, m)),
            );
        }
        if names.contains(name) {
            el.push(FieldError::duplicate(format!("{p}.name"), name));
        }
        if el.is_empty() {
            names.insert(name.to_string());
        }
        errs.extend(el);
    }
    (names, errs)
}

fn volume_source(vol: &Value, p: &str) -> Errs {
    let mut errs = Vec::new();
    let mut count = 0;
    for &kind in VOLUME_SOURCES {
        let Some(src) = field(vol, kind) else {
            continue;
        };
        let sp = format!("{p}.{kind}");
        if count > 0 {
            errs.push(FieldError::forbidden(
                sp,
                "may not specify more than 1 volume type",
            ));
            continue;
        }
        count += 1;
        let required_member = match kind {
            "secret" => Some("secretName"),
            "configMap" => Some("name"),
            "hostPath" => Some("path"),
            "persistentVolumeClaim" => Some("claimName"),
            "nfs" => Some("server"),
            _ => None,
        };
        if let Some(member) = required_member.filter(|m| str_field(src, m).is_empty()) {
            errs.push(required(format!("{sp}.{member}")));
        }
        if kind == "hostPath" {
            let hp = str_field(src, "path");
            if hp.split('/').any(|part| part == "..") {
                errs.push(FieldError::invalid(
                    format!("{sp}.path"),
                    hp,
                    "must not contain '..'",
                ));
            }
        }
        if let Some(mode) = int_field(src, "defaultMode").filter(|m| !(0..=0o777).contains(m)) {
            let msg = "must be a number between 0 and 0777 (octal), both inclusive";
            errs.push(FieldError::invalid(format!("{sp}.defaultMode"), mode, msg));
        }
    }
    if count == 0 {
        errs.push(FieldError::required(p, "must specify a volume type"));
    }
    errs
}
