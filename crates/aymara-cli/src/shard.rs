//! `files upload --shard K/N`: what the summary says of the split. Which files a shard
//! takes is decided while the paths are expanded (`paths`), by [`aymara::Shard`].

use aymara::Shard;

use crate::Failure;
use crate::output::Stdout;
use crate::paths::Expanded;

/// `shard 2/4: 250 of 1000 files`: the files this run took, of all those found.
pub fn line(shard: Option<Shard>, expanded: &Expanded) -> Option<String> {
    let taken = expanded.files.len();
    let total = taken + expanded.other_shards;
    shard.map(|shard| format!("shard {shard}: {taken} of {total} files"))
}

/// Prints the shard's line, if the run has one.
pub fn print(out: &mut Stdout, line: Option<&str>) -> Result<(), Failure> {
    line.map_or(Ok(()), |line| out.line(format_args!("{line}")))
}
