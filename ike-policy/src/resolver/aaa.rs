//! Local AAA: Xauth user names and passwords checked against `username`.

use crate::model::{AaaMethod, Config, Credential};

/// Whether `password` is the local user's password (constant-time
/// comparison). Users with `nopassword` accept any password, as IOS's
/// local login does; hashed secrets (`secret 5 ...`) cannot be checked
/// here and never verify.
pub fn verify_local_user(config: &Config, user: &str, password: &[u8]) -> bool {
    match config.user(user).map(|u| &u.credential) {
        Some(Credential::Password { plain, .. }) => plain.ct_eq_bytes(password),
        Some(Credential::NoPassword) => true,
        Some(Credential::Hashed { .. }) | None => false,
    }
}

/// The verdict of an `aaa authentication login` list for an Xauth user:
/// `Some(true/false)` when the list's first method answers here (`local`,
/// `local-case`, `none`; an unknown user fails), `None` when it needs
/// something this library does not have (a RADIUS or TACACS+ group, the
/// enable or line password), or when the list does not exist.
pub fn authenticate_xauth(
    config: &Config,
    list: &str,
    user: &str,
    password: &[u8],
) -> Option<bool> {
    match config.authentication_login_list(list)?.methods.first()? {
        AaaMethod::Local => {
            // `local` matches user names case-insensitively.
            let found = config
                .users
                .iter()
                .find(|u| u.name.eq_ignore_ascii_case(user));
            Some(found.is_some_and(|u| verify_local_user(config, &u.name, password)))
        }
        AaaMethod::LocalCase => Some(verify_local_user(config, user, password)),
        AaaMethod::None => Some(true),
        _ => None,
    }
}
