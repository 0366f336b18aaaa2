//! `kubectl edit (TYPE NAME | TYPE/NAME)`: the object as YAML under kubectl's comment
//! header goes to an editor; what comes back is sent as a patch. In scripts and the
//! terminal the edited text is the command's stdin (a heredoc); the page's editor uses
//! [`edit_text`] and [`apply_edit`] directly. Messages as kubectl v1.32: `Edit
//! cancelled, no changes made.`, `deployment.apps/web edited`.

use super::{resources, server_error, Ctx, Output};
use crate::api::Kind;
use crate::apiserver::decode;
use crate::apiserver::patch::{PatchType, Subresource};
use crate::sim::Cluster;

/// The comment kubectl puts above the object.
pub const HEADER: &str = "# Please edit the object below. Lines beginning with a '#' will be ignored,\n# and an empty file will abort the edit. If an error occurs while saving this file will be\n# reopened with the relevant failures.\n#\n";

/// The text an editor opens for an object: the header and the object as YAML.
pub fn edit_text(
    cluster: &Cluster,
    kind: Kind,
    namespace: &str,
    name: &str,
) -> Result<String, String> {
    let obj = cluster
        .api
        .get(kind, namespace, name)
        .map_err(|e| server_error(&e))?;
    Ok(format!("{HEADER}{}", super::yaml::to_yaml(&obj.to_json())))
}

fn strip_comments(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Applies the edited text to the object; returns kubectl's output line, or its error.
pub fn apply_edit(
    cluster: &mut Cluster,
    kind: Kind,
    namespace: &str,
    name: &str,
    edited: &str,
) -> Result<String, String> {
    let cur = cluster
        .api
        .get(kind, namespace, name)
        .map_err(|e| server_error(&e))?;
    let original = cur.to_json();
    let body = strip_comments(edited);
    if body.trim().is_empty() {
        return Ok("Edit cancelled, saved file was empty.\n".into());
    }
    if strip_comments(&super::yaml::to_yaml(&original)) == body {
        return Ok("Edit cancelled, no changes made.\n".into());
    }
    let docs = decode::decode_stream(&body);
    let d = match docs.into_iter().next() {
        Some(Ok(d)) => d,
        Some(Err(e)) => {
            return Err(format!(
                "{}error: Edit cancelled, no valid changes were saved.\n",
                super::apply::render_decode_error(&e, "edited file", "patching")
            ))
        }
        None => return Ok("Edit cancelled, saved file was empty.\n".into()),
    };
    let json = d.json;
    if json == original {
        return Ok("Edit cancelled, no changes made.\n".into());
    }
    let shown = format!("{}/{name}", kind.info().group_singular());
    if json["kind"] != original["kind"] || json["metadata"]["name"] != original["metadata"]["name"]
    {
        return Err("error: At least one of apiVersion, kind and name was changed\n".to_string());
    }
    let patch = super::apply::merge_patch(&original, &json);
    let patch_body = super::apply::go_json(&patch);
    match cluster.api.patch(
        kind,
        namespace,
        name,
        PatchType::Merge,
        &patch_body,
        Subresource::Main,
        false,
    ) {
        Ok(p) if p.before == p.after => Ok("Edit cancelled, no changes made.\n".into()),
        Ok(_) => Ok(format!("{shown} edited\n")),
        Err(e) => Err(format!(
            "error: {} {name:?} could not be patched: {}error: Edit cancelled, no valid changes were saved.\n",
            kind.info().group_resource(),
            server_error(&e)
        )),
    }
}

/// `kubectl edit TYPE NAME` with the edited text on stdin.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> Output {
    let a = match super::args::parse(
        "edit",
        argv,
        &[
            super::args::flag("output", Some('o'), true),
            super::args::flag("output-patch", None, false),
            super::args::flag("windows-line-endings", None, false),
            super::args::flag("save-config", None, false),
            super::args::flag("validate", None, true),
            super::args::flag("field-manager", None, true),
            super::args::flag("subresource", None, true),
            super::args::flag("filename", Some('f'), true),
        ],
    ) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let targets = match resources::parse(&a.positionals) {
        Ok(t) => t,
        Err(e) => return Output::err(e),
    };
    let Some((kind, name)) = targets
        .targets
        .first()
        .and_then(|t| t.names.first().map(|n| (t.kind, n.clone())))
    else {
        return Output::err(
            "error: kubectl edit needs TYPE NAME (the edited object comes from stdin)\n",
        );
    };
    let ns = a.get("namespace").unwrap_or(&ctx.namespace).to_string();
    if let Err(e) = ctx.cluster.api.get(kind, &ns, &name) {
        return Output::err(server_error(&e));
    }
    let Some(edited) = ctx.stdin else {
        // Nothing came back from the editor: as if it was saved unchanged.
        return Output::out("Edit cancelled, no changes made.\n");
    };
    let edited = edited.to_string();
    match apply_edit(ctx.cluster, kind, &ns, &name, &edited) {
        Ok(line) => Output::out(line),
        Err(e) => Output::err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::ClusterConfig;
    use serde_json::Value;

    #[test]
    fn edit_round_trip() {
        let mut c = Cluster::new(ClusterConfig::default());
        let text = edit_text(&c, Kind::Namespace, "", "default").unwrap();
        assert!(text.starts_with(HEADER));
        assert_eq!(
            apply_edit(&mut c, Kind::Namespace, "", "default", &text).unwrap(),
            "Edit cancelled, no changes made.\n"
        );
        let changed = text.replacen("  labels:\n", "  labels:\n    team: a\n", 1);
        assert_eq!(
            apply_edit(&mut c, Kind::Namespace, "", "default", &changed).unwrap(),
            "namespace/default edited\n"
        );
        let v: Value = c.api.get(Kind::Namespace, "", "default").unwrap().to_json();
        assert_eq!(v["metadata"]["labels"]["team"], "a");
    }
}
