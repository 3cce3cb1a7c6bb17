//! Parameters (path, query, header) are text: utoipa writes an `Option<T>` one as `type: [T,
//! "null"]`, but such a parameter is absent or present, never JSON `null`; `required: false`
//! already says it may be left out. This pass drops the `null`, for every parameter.

use serde_json::Value;

pub fn not_null(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    let operations =
        paths.values_mut().filter_map(Value::as_object_mut).flat_map(|i| i.values_mut());
    for operation in operations {
        let Some(parameters) = operation.get_mut("parameters").and_then(Value::as_array_mut) else {
            continue;
        };
        for schema in parameters.iter_mut().filter_map(|p| p.get_mut("schema")) {
            if let Some(Value::Array(types)) = schema.get_mut("type") {
                types.retain(|t| t != "null");
                if let [only] = types.as_slice() {
                    schema["type"] = only.clone();
                }
            }
        }
    }
}
