//! Object keys: `<organization uuid>/<file uuid>/<name>` for a file's bytes, and
//! `<organization uuid>/<file uuid>/frames/<nnnnnn>.png` for a processed video's frames.
//! The key is what the API calls `remote_file_path`.

use crate::names::{is_canonical_uuid, is_safe_name};

/// The directory segment that holds a video's frames.
const FRAMES: &str = "frames";

/// A key the store knows how to hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Key {
    /// A file's bytes.
    Object {
        org: String,
        file_uuid: String,
        name: String,
    },
    /// Frame `index` (from 1) of a processed video.
    Frame {
        org: String,
        file_uuid: String,
        index: u32,
    },
}

/// The key of a file's bytes.
pub(crate) fn object_key(org: &str, file_uuid: &str, name: &str) -> String {
    format!("{org}/{file_uuid}/{name}")
}

/// The key of a video's frame `index` (from 1); zero-padded so keys sort by frame.
pub(crate) fn frame_key(org: &str, file_uuid: &str, index: u32) -> String {
    format!("{org}/{file_uuid}/{FRAMES}/{index:06}.png")
}

impl Key {
    /// Parses a decoded key; `None` for anything else, including names that could leave
    /// the data directory and uuids in other spellings (one object, one directory).
    pub(crate) fn parse(key: &str) -> Option<Key> {
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            [org, file_uuid, name]
                if is_canonical_uuid(org) && is_canonical_uuid(file_uuid) && is_safe_name(name) =>
            {
                Some(Key::Object {
                    org: (*org).to_owned(),
                    file_uuid: (*file_uuid).to_owned(),
                    name: (*name).to_owned(),
                })
            }
            [org, file_uuid, FRAMES, frame]
                if is_canonical_uuid(org) && is_canonical_uuid(file_uuid) =>
            {
                let digits = frame.strip_suffix(".png")?;
                if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                Some(Key::Frame {
                    org: (*org).to_owned(),
                    file_uuid: (*file_uuid).to_owned(),
                    index: digits.parse().ok()?,
                })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_unsafe_ones_are_refused() {
        let org = uuid::Uuid::new_v4().to_string();
        let file = uuid::Uuid::new_v4().to_string();
        assert_eq!(
            Key::parse(&object_key(&org, &file, "a b.csv")),
            Some(Key::Object {
                org: org.clone(),
                file_uuid: file.clone(),
                name: "a b.csv".into()
            })
        );
        assert_eq!(
            Key::parse(&frame_key(&org, &file, 12)),
            Some(Key::Frame {
                org: org.clone(),
                file_uuid: file.clone(),
                index: 12
            })
        );
        for bad in [
            format!("{org}/{file}/.."),
            format!("{org}/{file}/a/b"),
            format!("{org}/{file}"),
            format!("{org}/{}/a", file.to_uppercase()),
            format!("{org}/{file}/frames/1.png"),
            format!("x/{file}/a"),
        ] {
            assert_eq!(Key::parse(&bad), None, "{bad}");
        }
    }
}
