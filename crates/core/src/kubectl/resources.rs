//! Resolving kubectl's resource arguments (`pods`, `po web`, `deploy,svc`, `pods/web`,
//! `all`) to kinds and names, with upstream's errors.

use crate::api::Kind;

/// One kind and the names asked for (empty: all of them).
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub kind: Kind,
    pub names: Vec<String>,
}

/// Parsed resource arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Targets {
    pub targets: Vec<Target>,
    /// Several kinds were asked for, so names print as `kind.group/name`.
    pub with_kind: bool,
    /// A single object by name (`get pod x`): -o yaml prints the object, not a List.
    pub single: bool,
}

/// The kinds `all` expands to, in the order kubectl prints them.
pub const ALL_CATEGORY: &[Kind] = &[
    Kind::Pod,
    Kind::ReplicationController,
    Kind::Service,
    Kind::DaemonSet,
    Kind::Deployment,
    Kind::ReplicaSet,
    Kind::StatefulSet,
    Kind::HorizontalPodAutoscaler,
    Kind::CronJob,
    Kind::Job,
];

/// Resolves one resource word (`po`, `deployments.apps`, `all`).
pub fn resolve(word: &str) -> Result<Vec<Kind>, String> {
    if word.eq_ignore_ascii_case("all") {
        return Ok(ALL_CATEGORY.to_vec());
    }
    Kind::lookup(word)
        .map(|k| vec![k])
        .ok_or_else(|| format!("error: the server doesn't have a resource type {word:?}\n"))
}

/// Parses `get`/`describe`/`delete` positionals.
pub fn parse(positionals: &[String]) -> Result<Targets, String> {
    let Some(first) = positionals.first() else {
        return Ok(Targets {
            targets: vec![],
            with_kind: false,
            single: false,
        });
    };
    if first.contains('/') {
        // resource/name form, every argument must use it.
        let mut targets: Vec<Target> = Vec::new();
        for p in positionals {
            let Some((r, name)) = p.split_once('/') else {
                return Err("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'\n".into());
            };
            if name.is_empty() {
                return Err(
                    "error: arguments in resource/name form must have a single resource and name\n"
                        .to_string(),
                );
            }
            let kinds = resolve(r)?;
            for k in kinds {
                match targets.iter_mut().find(|t| t.kind == k) {
                    Some(t) => t.names.push(name.to_string()),
                    None => targets.push(Target {
                        kind: k,
                        names: vec![name.to_string()],
                    }),
                }
            }
        }
        let with_kind = targets.len() > 1;
        let single = positionals.len() == 1;
        return Ok(Targets {
            targets,
            with_kind,
            single,
        });
    }
    if positionals[1..].iter().any(|p| p.contains('/')) {
        return Err("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'\n".into());
    }
    let mut kinds: Vec<Kind> = Vec::new();
    let mut expanded = false;
    for w in first.split(',').filter(|w| !w.is_empty()) {
        let ks = resolve(w)?;
        expanded |= ks.len() > 1;
        for k in ks {
            if !kinds.contains(&k) {
                kinds.push(k);
            }
        }
    }
    let names: Vec<String> = positionals[1..].to_vec();
    let with_kind = kinds.len() > 1 || expanded;
    let single = kinds.len() == 1 && names.len() == 1;
    Ok(Targets {
        targets: kinds
            .into_iter()
            .map(|kind| Target {
                kind,
                names: names.clone(),
            })
            .collect(),
        with_kind,
        single,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn resolves_names_like_kubectl() {
        let t = parse(&v(&["po", "web"])).unwrap();
        assert_eq!(
            t.targets,
            vec![Target {
                kind: Kind::Pod,
                names: v(&["web"])
            }]
        );
        assert!(t.single && !t.with_kind);
        let t = parse(&v(&["deploy,svc"])).unwrap();
        assert_eq!(t.targets.len(), 2);
        assert!(t.with_kind);
        let t = parse(&v(&["pods/a", "svc/b"])).unwrap();
        assert_eq!(
            t.targets[1],
            Target {
                kind: Kind::Service,
                names: v(&["b"])
            }
        );
        assert_eq!(
            parse(&v(&["pdos"])).unwrap_err(),
            "error: the server doesn't have a resource type \"pdos\"\n"
        );
        assert_eq!(
            parse(&v(&["deployments.apps"])).unwrap().targets[0].kind,
            Kind::Deployment
        );
        assert!(parse(&v(&["all"])).unwrap().with_kind);
    }
}
