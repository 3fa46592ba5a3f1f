//! After every run the store must hold exactly the data set: each file once, with its size
//! and SHA-256. Checked against the set's one digest, so a million files cost no table of
//! expected hashes; only a mismatch recomputes files, to name the first wrong one.

use anyhow::{Context, Result, bail};
use aymara_emulator::StoredObject;
use sha2::{Digest, Sha256};

use super::data::DataSet;

/// Fails, naming the object, unless `objects` are exactly the files of `data`.
pub fn verify(objects: &[StoredObject], data: &DataSet) -> Result<()> {
    let spec = data.spec();
    if objects.len() != spec.count {
        bail!(
            "the store holds {} objects, expected {}",
            objects.len(),
            spec.count
        );
    }
    let mut stored = Vec::with_capacity(objects.len());
    for object in objects {
        let Some(index) = data.index_of(&object.name) else {
            bail!("unexpected object {:?}", object.name);
        };
        if object.size != spec.size {
            bail!(
                "{:?}: stored {} bytes, expected {}",
                object.name,
                object.size,
                spec.size
            );
        }
        stored.push((index, object));
    }
    stored.sort_unstable_by_key(|&(index, _)| index);
    // As many objects as files, none twice: then every file is there.
    if let Some(pair) = stored.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        bail!("{:?} stored twice", pair[0].1.name);
    }
    let mut all = Sha256::new();
    for (_, object) in &stored {
        let mut sha256 = [0; 32];
        hex::decode_to_slice(&object.sha256, &mut sha256)
            .with_context(|| format!("{:?}: the store's SHA-256 is not hex", object.name))?;
        all.update(sha256);
    }
    if <[u8; 32]>::from(all.finalize()) == data.digest() {
        return Ok(());
    }
    for (index, object) in stored {
        let want = hex::encode(data.sha256(index));
        if object.sha256 != want {
            bail!(
                "{:?}: stored {} bytes with SHA-256 {}, expected {} bytes with {want}",
                object.name,
                object.size,
                object.sha256,
                spec.size,
            );
        }
    }
    bail!("the stored objects' digests do not add up to the data set's")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::data::DataSpec;

    fn stored(data: &DataSet) -> Vec<StoredObject> {
        (0..data.spec().count)
            .map(|index| StoredObject {
                file_uuid: format!("uuid-{index}"),
                name: data.name(index),
                remote_file_path: String::new(),
                size: data.spec().size,
                sha256: hex::encode(data.sha256(index)),
                content_type: "application/octet-stream".to_owned(),
                puts: 1,
                path: Default::default(),
            })
            .collect()
    }

    fn error(objects: &[StoredObject], data: &DataSet) -> String {
        format!("{:#}", verify(objects, data).unwrap_err())
    }

    #[test]
    fn accepts_the_data_set_in_any_order_and_names_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataSet::generate(dir.path(), "s", DataSpec::files(4, 100)).unwrap();
        let mut objects = stored(&data);
        objects.reverse();
        verify(&objects, &data).unwrap();

        let mut wrong = objects.clone();
        wrong[1].sha256 = hex::encode([7; 32]);
        assert!(
            error(&wrong, &data).starts_with("\"s-00002.bin\": stored 100 bytes with SHA-256 0707")
        );

        let mut twice = objects.clone();
        twice[0] = twice[1].clone();
        assert_eq!(error(&twice, &data), "\"s-00002.bin\" stored twice");

        let mut short = objects.clone();
        short[3].size = 99;
        assert_eq!(
            error(&short, &data),
            "\"s-00000.bin\": stored 99 bytes, expected 100"
        );

        let mut stranger = objects.clone();
        stranger[0].name = "other.bin".to_owned();
        assert_eq!(error(&stranger, &data), "unexpected object \"other.bin\"");

        assert_eq!(
            error(&objects[1..], &data),
            "the store holds 3 objects, expected 4"
        );
    }
}
