// `sqlx::migrate!` embeds the migration folders at compile time; rebuild when they change
// (a new file included), not only when an already embedded file is edited.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
