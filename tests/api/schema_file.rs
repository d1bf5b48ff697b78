//! `schema.graphql` is generated from the code and must match it.
//! Regenerate with `UPDATE_SCHEMA=1 cargo test schema_file`.

#[test]
fn schema_file__matches_the_built_schema() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let built = chat_server::graphql::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &built).expect("schema.graphql is writable");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == built,
        "schema.graphql is out of date: run `UPDATE_SCHEMA=1 cargo test schema_file` and commit it"
    );
}
