//! A file over S3's 5 GiB single-PUT limit is refused at planning: exit 2, one line naming
//! the file, its size and the limit, and no presign spent on it (nor on the other files).

mod common;

use aymara_emulator::{Emulator, EmulatorConfig};
use common::Invocation;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_over_5_gib_is_refused_before_any_request() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Sparse: 5 GiB and one byte, with no block written.
    let size = aymara::MAX_FILE_SIZE + 1;
    std::fs::File::create(dir.path().join("huge video.mp4"))
        .unwrap()
        .set_len(size)
        .unwrap();
    std::fs::write(dir.path().join("small.csv"), "a,b\n").unwrap();

    let run = common::run(Invocation {
        base_url: emulator.base_url(),
        key: Some("k"),
        dir: dir.path(),
        args: &["files", "upload", "small.csv", "huge video.mp4"],
        rust_log: None,
    })
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!(
            "error: huge video.mp4: is {size} bytes, over the 5 GiB ({} bytes) limit of a \
             single presigned upload\n",
            aymara::MAX_FILE_SIZE
        )
    );
    assert_eq!(run.stdout, "");
    let stats = emulator.stats();
    assert_eq!((stats.presign_requests, stats.put_requests), (0, 0));
}
