//! Tauri's build step, plus one thing: the window embeds the built web UI (`ui/dist`),
//! and a checkout where it is not built yet (CI's `cargo test` runs before the UI build)
//! embeds a page saying so instead of failing to compile.

use std::path::{Path, PathBuf};

fn main() {
    let dist = Path::new("../ui/dist");
    println!("cargo:rerun-if-changed=../ui/dist/index.html");
    if !dist.join("index.html").exists() {
        let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
        let placeholder = out.join("ui-not-built");
        std::fs::create_dir_all(&placeholder).expect("OUT_DIR is writable");
        std::fs::write(placeholder.join("index.html"), PLACEHOLDER).expect("OUT_DIR is writable");
        println!("cargo:warning=ui/dist is not built: the window shows a placeholder (make run builds it)");
        // generate_context! reads TAURI_CONFIG at compile time and merges it into the config.
        let config = format!(r#"{{"build":{{"frontendDist":{:?}}}}}"#, placeholder.display().to_string());
        println!("cargo:rustc-env=TAURI_CONFIG={config}");
    }
    tauri_build::build()
}

const PLACEHOLDER: &str = "<!doctype html><meta charset=utf-8><title>Bidswarm</title>\
<body style='font-family:sans-serif;max-width:40em;margin:4em auto'><h1>Bidswarm is running</h1>\
<p>This build has no web UI: it was compiled before <code>ui/dist</code> was built. \
Run <code>make run</code>, or <code>cd ui &amp;&amp; npm ci &amp;&amp; npm run build</code> and build again.</p></body>";
