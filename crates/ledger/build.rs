// `sqlx::migrate!` embeds migrations/ at compile time; without this a new migration
// would not be built in until some Rust file of the crate changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
