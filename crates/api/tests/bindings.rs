//! The TypeScript the UI imports is generated from the Rust types. This test writes it
//! when `UPDATE_BINDINGS=1` and otherwise fails if the committed copy is stale, so CI
//! catches a Rust change that the UI was not told about.

#![allow(clippy::unwrap_used)] // a test: a failure here should panic

use std::path::PathBuf;

fn bindings_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings/index.ts")
}

fn generate() -> String {
    let mut out = String::from(
        "// Generated from crates/api by `UPDATE_BINDINGS=1 cargo test -p bidswarm-api --test bindings`.\n\
         // Do not edit by hand.\n\n",
    );
    for decl in bidswarm_api::typescript_declarations() {
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.push_str(
        "/** The `type` of the response that answers each request type (`answers!` in crates/api). */\n\
         export const ANSWERS = {\n",
    );
    for (request, response) in bidswarm_api::answer_table() {
        out.push_str(&format!("  {request}: \"{response}\",\n"));
    }
    out.push_str(
        "} as const satisfies Record<Request[\"type\"], Response[\"type\"]>;\n\n\
         /** The response a request of type `T` is answered with. */\n\
         export type AnswerTo<T extends Request[\"type\"]> = Extract<Response, { type: (typeof ANSWERS)[T] }>;\n",
    );
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[test]
fn typescript_bindings_are_up_to_date() {
    let path = bindings_path();
    let fresh = generate();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == fresh, "{} is stale; run `make bindings` and commit the result", path.display());
}

#[test]
fn bindings_declare_every_request_variant() {
    let ts = generate();
    for variant in ["\"add_torrent\"", "\"preview_torrent\"", "\"remove\"", "\"update_settings\""] {
        assert!(ts.contains(variant), "missing {variant} in:\n{ts}");
    }
    assert!(ts.contains("export type ApiErrorKind"));
}

/// The README lists every error kind a client may meet (issue 20: it listed 11 of 18).
#[test]
fn the_readme_lists_every_error_kind() {
    let ts = generate();
    let line = ts.lines().find(|l| l.starts_with("export type ApiErrorKind =")).unwrap();
    let kinds: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
    assert!(kinds.len() >= 20, "{kinds:?}");
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md")).unwrap();
    let missing: Vec<&&str> = kinds.iter().filter(|k| !readme.contains(&format!("`{k}`"))).collect();
    assert!(missing.is_empty(), "README.md does not list the error kinds {missing:?}");
}
