//! Job files for the schedulers clusters already run: a Kubernetes Indexed Job (one
//! completion index per shard) and a Slurm job array (one array task per shard). Both
//! run `cinegraph batch run PLAN -o OUT --shards N`, which takes its shard index from
//! the scheduler's environment (`JOB_COMPLETION_INDEX`, `SLURM_ARRAY_TASK_ID`); a
//! preempted or failed task just runs again and skips its finished items.

use std::fmt::Write as _;

/// What the job files need to know.
#[derive(Debug, Clone)]
pub struct JobSpec {
    /// The job's name (made DNS-safe for Kubernetes).
    pub name: String,
    /// How many shards (Kubernetes completions, Slurm array tasks).
    pub shards: usize,
    /// How many run at once.
    pub parallelism: usize,
    /// The plan file's text (Kubernetes carries it in a ConfigMap).
    pub plan_text: String,
    /// The base scene file's name and text, when the plan has one (carried beside the
    /// plan, which then names it `base: Scene("<name>")`).
    pub base: Option<(String, String)>,
    /// Ask for one NVIDIA GPU per task.
    pub gpu: bool,
    /// CPU cores per task.
    pub cpus: u32,
    /// Memory per task, GiB.
    pub memory_gib: u32,
    /// Retries per shard before it counts as failed.
    pub retries: u32,
}

/// A name Kubernetes accepts (RFC 1123 label: lowercase letters, digits and '-', at
/// most 63 characters, starting and ending with a letter or digit), made from `name`.
pub fn dns_name(name: &str) -> String {
    let mut s: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    // Room for the controller's suffixes on pod names: 52 characters.
    let s = s.trim_matches('-');
    let mut s: String = s.chars().take(52).collect();
    while s.ends_with('-') {
        s.pop();
    }
    if s.is_empty() {
        "cinegraph-batch".into()
    } else {
        s
    }
}

/// A YAML double-quoted scalar (JSON's string syntax is a subset of YAML's).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A YAML literal block holding `text`, indented by `indent` spaces.
fn block(text: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::from("|-\n");
    for line in text.trim_end_matches('\n').lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{pad}{line}");
        }
    }
    out.trim_end_matches('\n').to_string()
}

/// Where a Kubernetes job's pods write.
#[derive(Debug, Clone)]
pub enum K8sOut {
    /// A PersistentVolumeClaim (by name), mounted at `/out`.
    Pvc(String),
    /// An object store URL (`s3://bucket/prefix`, …), with the Secret whose keys become
    /// the pods' environment (`AWS_ACCESS_KEY_ID`, …), if any; items render in an
    /// `emptyDir` at `/tmp` before their upload.
    Store {
        /// The URL.
        url: String,
        /// The Secret's name.
        secret: Option<String>,
    },
}

/// A Kubernetes manifest: a ConfigMap with the plan (and its base scene), and an
/// Indexed Job (`completions` = shards, `completionMode: Indexed`,
/// `backoffLimitPerIndex`) whose pods render one shard each into `out` (a
/// PersistentVolumeClaim mounted at `/out`, or an object store), with the image
/// `image`. With `gpu`: one `nvidia.com/gpu` per pod and a node selector for GPU nodes.
pub fn kubernetes(spec: &JobSpec, image: &str, out: &K8sOut) -> String {
    let name = dns_name(&spec.name);
    let (target, where_) = match out {
        K8sOut::Pvc(pvc) => ("/out".to_string(), format!("the PVC \"{pvc}\"")),
        K8sOut::Store { url, .. } => (url.clone(), url.clone()),
    };
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# cinegraph batch: {} shards of plan \"{}\".",
        spec.shards, spec.name
    );
    let _ = writeln!(
        y,
        "# kubectl apply -f this.yaml; watch: kubectl get job {name}; the items land in {where_}."
    );
    let _ = writeln!(y, "apiVersion: v1");
    let _ = writeln!(y, "kind: ConfigMap");
    let _ = writeln!(y, "metadata:");
    let _ = writeln!(y, "  name: {name}-plan");
    let _ = writeln!(y, "  labels:");
    let _ = writeln!(y, "    app.kubernetes.io/name: cinegraph");
    let _ = writeln!(y, "data:");
    let _ = writeln!(y, "  plan.ron: {}", block(&spec.plan_text, 4));
    if let Some((file, text)) = &spec.base {
        // portable_plan keeps the name to ConfigMap key characters: [-._a-zA-Z0-9].
        let _ = writeln!(y, "  {file}: {}", block(text, 4));
    }
    let _ = writeln!(y, "---");
    let _ = writeln!(y, "apiVersion: batch/v1");
    let _ = writeln!(y, "kind: Job");
    let _ = writeln!(y, "metadata:");
    let _ = writeln!(y, "  name: {name}");
    let _ = writeln!(y, "  labels:");
    let _ = writeln!(y, "    app.kubernetes.io/name: cinegraph");
    let _ = writeln!(y, "spec:");
    let _ = writeln!(y, "  completions: {}", spec.shards);
    let _ = writeln!(
        y,
        "  parallelism: {}",
        spec.parallelism.min(spec.shards).max(1)
    );
    let _ = writeln!(y, "  completionMode: Indexed");
    let _ = writeln!(y, "  backoffLimitPerIndex: {}", spec.retries);
    let _ = writeln!(y, "  maxFailedIndexes: {}", spec.shards);
    let _ = writeln!(y, "  template:");
    let _ = writeln!(y, "    metadata:");
    let _ = writeln!(y, "      labels:");
    let _ = writeln!(y, "        app.kubernetes.io/name: cinegraph");
    let _ = writeln!(y, "    spec:");
    let _ = writeln!(y, "      restartPolicy: Never");
    if spec.gpu {
        let _ = writeln!(y, "      nodeSelector:");
        let _ = writeln!(y, "        nvidia.com/gpu.present: \"true\"");
    }
    let _ = writeln!(y, "      containers:");
    let _ = writeln!(y, "        - name: cinegraph");
    let _ = writeln!(y, "          image: {}", quoted(image));
    let args = [
        "cinegraph".to_string(),
        "batch".into(),
        "run".into(),
        "/plan/plan.ron".into(),
        "--out".into(),
        target,
        "--shards".into(),
        spec.shards.to_string(),
    ];
    let _ = writeln!(
        y,
        "          command: [{}]",
        args.iter()
            .map(|a| quoted(a))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(y, "          resources:");
    let _ = writeln!(y, "            requests:");
    let _ = writeln!(y, "              cpu: \"{}\"", spec.cpus);
    let _ = writeln!(y, "              memory: \"{}Gi\"", spec.memory_gib);
    let _ = writeln!(y, "            limits:");
    let _ = writeln!(y, "              memory: \"{}Gi\"", spec.memory_gib);
    if spec.gpu {
        let _ = writeln!(y, "              nvidia.com/gpu: 1");
    }
    if let K8sOut::Store {
        secret: Some(secret),
        ..
    } = out
    {
        let _ = writeln!(y, "          envFrom:");
        let _ = writeln!(y, "            - secretRef:");
        let _ = writeln!(y, "                name: {}", quoted(secret));
    }
    let _ = writeln!(y, "          volumeMounts:");
    let _ = writeln!(y, "            - name: plan");
    let _ = writeln!(y, "              mountPath: /plan");
    let _ = writeln!(y, "              readOnly: true");
    let (mount, path) = match out {
        K8sOut::Pvc(_) => ("out", "/out"),
        K8sOut::Store { .. } => ("scratch", "/tmp"),
    };
    let _ = writeln!(y, "            - name: {mount}");
    let _ = writeln!(y, "              mountPath: {path}");
    let _ = writeln!(y, "      volumes:");
    let _ = writeln!(y, "        - name: plan");
    let _ = writeln!(y, "          configMap:");
    let _ = writeln!(y, "            name: {name}-plan");
    match out {
        K8sOut::Pvc(pvc) => {
            let _ = writeln!(y, "        - name: out");
            let _ = writeln!(y, "          persistentVolumeClaim:");
            let _ = writeln!(y, "            claimName: {}", quoted(pvc));
        }
        K8sOut::Store { .. } => {
            let _ = writeln!(y, "        - name: scratch");
            let _ = writeln!(y, "          emptyDir: {{}}");
        }
    }
    y
}

/// A single-quoted shell word.
fn sh(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// An sbatch script: a job array of `shards` tasks (`%parallelism` at once), each
/// running its shard of the plan at `plan` into `out` (paths as the compute nodes see
/// them), requeued when preempted.
pub fn slurm(spec: &JobSpec, plan: &str, out: &str, cinegraph: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "#!/bin/bash");
    let _ = writeln!(
        s,
        "# cinegraph batch: {} shards of plan \"{}\". Submit: sbatch this.sh",
        spec.shards, spec.name
    );
    let _ = writeln!(s, "#SBATCH --job-name={}", dns_name(&spec.name));
    let _ = writeln!(
        s,
        "#SBATCH --array=0-{}%{}",
        spec.shards.saturating_sub(1),
        spec.parallelism.min(spec.shards).max(1)
    );
    let _ = writeln!(s, "#SBATCH --cpus-per-task={}", spec.cpus);
    let _ = writeln!(s, "#SBATCH --mem={}G", spec.memory_gib);
    let _ = writeln!(s, "#SBATCH --requeue");
    if spec.gpu {
        let _ = writeln!(s, "#SBATCH --gres=gpu:1");
    }
    let _ = writeln!(s, "#SBATCH --output=slurm-%A_%a.out");
    let _ = writeln!(s, "set -euo pipefail");
    let _ = writeln!(
        s,
        ": \"${{SLURM_ARRAY_TASK_ID:?run this with sbatch: it is one task of a job array}}\""
    );
    let _ = writeln!(
        s,
        "exec {} batch run {} --out {} --shard \"${{SLURM_ARRAY_TASK_ID}}/{}\"",
        sh(cinegraph),
        sh(plan),
        sh(out),
        spec.shards
    );
    s
}

/// The plan as a cluster task reads it beside its base scene: the plan's text with its
/// base renamed to the scene's file name, and that name with the scene's text (`None`
/// for a plan of prompts). The items are the same: the plan's hash leaves out the
/// base's path. Meshes and set files the base scene names by path are not carried (the
/// image or a volume must hold them at the same relative paths).
///
/// # Errors
/// [`super::PlanError::Read`] if the base scene cannot be read again.
pub fn portable_plan(
    plan: &super::Plan,
) -> Result<(String, Option<(String, String)>), super::PlanError> {
    let mut file = plan.file.clone();
    let base = match &mut file.base {
        super::Base::Scene(rel) => {
            let path = plan.base_dir.join(&*rel);
            let text = std::fs::read_to_string(&path).map_err(|source| super::PlanError::Read {
                path: path.display().to_string(),
                source,
            })?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .filter(|n| {
                    n.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
                })
                .unwrap_or_else(|| "base.ron".into());
            *rel = name.clone();
            Some((name, text))
        }
        super::Base::Prompts(_) => None,
    };
    let text =
        ron::ser::to_string_pretty(&file, ron::ser::PrettyConfig::default().struct_names(true))
            .map_err(|e| super::PlanError::Item {
                index: 0,
                message: format!("cannot write the plan: {e}"),
            })?;
    Ok((
        format!(
            "// {} as a cluster task reads it\n{text}\n",
            plan.path.display()
        ),
        base,
    ))
}
