//! Where the configuration is when `--config` is left out: the user's own
//! (`$XDG_CONFIG_HOME/scamguard/config.toml`, by default under `~/.config`), then the
//! system's (`/etc/scamguard/config.toml`, which the Debian package installs). Pure: the
//! environment and the file system are asked through the arguments.

use std::path::{Path, PathBuf};

/// The system-wide configuration, as the Debian package and the systemd unit place it.
pub const SYSTEM_CONFIG: &str = "/etc/scamguard/config.toml";

/// The places looked at, in order: the user's, then the system's. `xdg_config_home` and
/// `home` are the environment's `XDG_CONFIG_HOME` and `HOME`; an empty or relative
/// `XDG_CONFIG_HOME` is ignored, as the XDG base directory specification says.
pub fn candidates(xdg_config_home: Option<&str>, home: Option<&str>) -> Vec<PathBuf> {
    let user = match xdg_config_home.filter(|dir| Path::new(dir).is_absolute()) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => home.filter(|dir| Path::new(dir).is_absolute()).map(|home| Path::new(home).join(".config")),
    };
    let mut places: Vec<PathBuf> = user.map(|dir| dir.join("scamguard/config.toml")).into_iter().collect();
    places.push(PathBuf::from(SYSTEM_CONFIG));
    places
}

/// The first of `candidates` that `exists` says is there.
pub fn first_existing(candidates: &[PathBuf], exists: impl Fn(&Path) -> bool) -> Option<PathBuf> {
    candidates.iter().find(|path| exists(path)).cloned()
}

/// The configuration to use when none was named: the first that exists of the user's and
/// the system's, from this process's environment; `Err` lists where it looked.
pub fn default_config() -> Result<PathBuf, Vec<PathBuf>> {
    let xdg = std::env::var("XDG_CONFIG_HOME").ok();
    let home = std::env::var("HOME").ok();
    let places = candidates(xdg.as_deref(), home.as_deref());
    first_existing(&places, Path::is_file).ok_or(places)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_users_configuration_comes_before_the_systems() {
        assert_eq!(
            candidates(Some("/x/conf"), Some("/home/u")),
            [PathBuf::from("/x/conf/scamguard/config.toml"), PathBuf::from(SYSTEM_CONFIG)]
        );
        assert_eq!(
            candidates(None, Some("/home/u")),
            [PathBuf::from("/home/u/.config/scamguard/config.toml"), PathBuf::from(SYSTEM_CONFIG)]
        );
        for ignored in ["", "relative/dir"] {
            assert_eq!(
                candidates(Some(ignored), Some("/home/u")).first(),
                Some(&PathBuf::from("/home/u/.config/scamguard/config.toml")),
                "XDG_CONFIG_HOME={ignored:?} is ignored"
            );
        }
        assert_eq!(candidates(None, None), [PathBuf::from(SYSTEM_CONFIG)]);
    }

    #[test]
    fn the_first_that_exists_is_used() {
        let places = candidates(None, Some("/home/u"));
        assert_eq!(first_existing(&places, |_| true), places.first().cloned());
        assert_eq!(
            first_existing(&places, |p| p == Path::new(SYSTEM_CONFIG)),
            Some(PathBuf::from(SYSTEM_CONFIG))
        );
        assert_eq!(first_existing(&places, |_| false), None);
    }
}
