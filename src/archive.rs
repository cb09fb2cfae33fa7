//! Tar entries with fixed metadata, so that equal files make equal archives
//! (content hashes, the engine's layer cache, uploads).

/// A header for a file of `size` bytes and `mode`: no time, owned by root.
pub fn fixed_header(size: u64, mode: u32) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(mode);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    header
}
