//! Tables in the docs that tests hold to the code: the rows of the Markdown table that follows a
//! marker comment (`<!-- name -->`), each as its cells without surrounding backquotes.

/// The body rows of the first table after `marker` in `doc`.
pub fn rows(doc: &str, marker: &str) -> Vec<Vec<String>> {
    let start = doc.find(marker).unwrap_or_else(|| panic!("the docs mark a table with {marker}"));
    doc[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|line| {
            line.trim_matches('|')
                .split('|')
                .map(|c| c.trim().trim_matches('`').to_owned())
                .collect()
        })
        .collect()
}
