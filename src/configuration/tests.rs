use clap::CommandFactory;

use super::*;

/// Words in the name of an environment variable that may hold a secret.
const SECRET_WORDS: [&str; 6] = ["TOKEN", "PASSWORD", "SECRET", "KEY", "URL", "CREDENTIAL"];

#[test]
fn help_hides_the_value_of_every_variable_that_may_hold_a_secret() {
    let command = Settings::command();
    let mut checked = 0;
    for arg in command.get_arguments() {
        let Some(env) = arg.get_env().and_then(|env| env.to_str()) else { continue };
        if SECRET_WORDS.iter().any(|word| env.contains(word)) {
            assert!(arg.is_hide_env_values_set(), "--help would print the value of {env}");
            checked += 1;
        }
    }
    assert!(checked >= 2, "DATABASE_URL and SCORECAST_ADMIN_TOKENS at least");
}
