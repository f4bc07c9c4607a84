use super::InputInfo;
use crate::diagnosis::Diagnosis;

/// The documented JSON document: the diagnosis plus where it came from.
pub fn render(d: &Diagnosis, input: &InputInfo) -> String {
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        #[serde(flatten)]
        diagnosis: &'a Diagnosis,
        bptop_version: &'static str,
        input: &'a InputInfo,
    }
    let doc = Doc { diagnosis: d, bptop_version: env!("CARGO_PKG_VERSION"), input };
    // Serializing plain data with string keys cannot fail.
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}")) + "\n"
}
