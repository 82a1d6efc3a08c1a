//! `aistack schema`: the JSON Schema of the scenario format, generated from
//! the types that read scenario files (see `stack::reference`).

/// Prints the JSON Schema of a scenario file, or of a variant file.
pub fn schema(variant: bool) -> anyhow::Result<()> {
    let schema = if variant {
        stack::reference::variant_schema()
    } else {
        stack::reference::scenario_schema()
    };
    println!("{}", serde_json::to_string_pretty(&schema)?);
    Ok(())
}
