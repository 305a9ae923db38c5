//! Our storage under librqbit: the blocks of a piece being downloaded stay in memory until
//! the piece is verified, so the hash check reads them from memory and the file gets the
//! whole piece in one write per file it spans, instead of one `pwrite` per 16 KiB block
//! and a read back through the page cache.
//!
//! What librqbit 9.1 calls, and why this is correct (ARCHITECTURE.md, "The disk path"):
//! - `pwrite_all` / `pwrite_all_vectored`: a received block (never more than one piece;
//!   split per file by librqbit). It lands in its piece's buffer; a piece that gets no
//!   buffer (the memory cap is reached) is written through, as without this layer.
//! - `pread_exact`: the hash check (a whole piece, once all its blocks are in), uploads
//!   and file streams (pieces we have). Bytes a buffer holds come from it, the rest from
//!   the file, so a read sees the newest bytes whichever path wrote them.
//! - `on_piece_completed`: called after the piece's hash matched and before librqbit
//!   records it as had (`TorrentStateLive::on_piece_completed`). The buffer is written to
//!   the file and dropped. A failed write is logged as an error and makes every later
//!   call fail, so the torrent stops in error instead of going on with a piece it lacks.
//! - `take` (pause, and librqbit's other hand-overs): buffers whose every byte has arrived
//!   are written to the file (a verified piece may still be on its way to
//!   `on_piece_completed`; writing an unverified one is what librqbit does anyway), the
//!   rest are dropped. librqbit requeues every piece in flight on pause
//!   (`PieceTracker::into_chunks`), and only verified pieces are ever marked as had, so a
//!   dropped partial piece is fetched again whole. The same happens when the storage is
//!   dropped (remove, shutdown), and a crash loses only what was never verified.
//! - everything else (`init`, `ensure_file_length`, `remove_file`, ...) goes to the file
//!   storage unchanged; `is_type_id` answers for it too, so librqbit's session
//!   persistence still sees a file storage.

use std::{
    collections::HashMap,
    io::IoSlice,
    path::Path,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex, MutexGuard,
    },
};

use anyhow::{bail, Context};
use librqbit::{
    storage::{BoxStorageFactory, StorageFactory, StorageFactoryExt, TorrentStorage},
    ManagedTorrentShared, TorrentMetadata,
};
use librqbit_core::lengths::ValidPieceIndex;
use tracing::{debug, error};

/// Memory for pieces in flight across all torrents when nothing else is set: sixteen
/// 4 MiB pieces, or 256 pieces of 256 KiB.
pub const DEFAULT_PIECE_CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// The memory all torrents' buffers share.
#[derive(Debug)]
pub struct Budget {
    cap: u64,
    used: AtomicU64,
}

impl Budget {
    pub fn new(cap: u64) -> Arc<Self> {
        Arc::new(Self { cap, used: AtomicU64::new(0) })
    }

    /// Bytes held by buffers now.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Acquire)
    }

    fn reserve(&self, bytes: u64) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|total| *total <= self.cap)
            })
            .is_ok()
    }

    fn release(&self, bytes: u64) {
        self.used.fetch_sub(bytes, Ordering::AcqRel);
    }
}

/// Wraps librqbit's file storage factory (or any other) with the piece buffers.
#[derive(Clone)]
pub struct PieceCacheFactory<F> {
    inner: F,
    budget: Arc<Budget>,
}

impl<F> PieceCacheFactory<F> {
    pub fn new(inner: F, budget: Arc<Budget>) -> Self {
        Self { inner, budget }
    }
}

impl<F> std::fmt::Debug for PieceCacheFactory<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PieceCacheFactory").field("budget", &self.budget).finish_non_exhaustive()
    }
}

impl<F: StorageFactory + Clone> StorageFactory for PieceCacheFactory<F> {
    type Storage = PieceCache<F::Storage>;

    fn create(
        &self,
        shared: &ManagedTorrentShared,
        metadata: &TorrentMetadata,
    ) -> anyhow::Result<Self::Storage> {
        let lengths = metadata.info.lengths();
        let files = metadata
            .file_infos
            .iter()
            .map(|f| FileSpan { offset: f.offset_in_torrent, len: f.len, padding: f.attrs.padding })
            .collect();
        let layout = Layout::new(u64::from(lengths.default_piece_length()), lengths.total_length(), files)?;
        Ok(PieceCache::new(self.inner.create(shared, metadata)?, Arc::new(layout), self.budget.clone()))
    }

    fn is_type_id(&self, type_id: std::any::TypeId) -> bool {
        self.inner.is_type_id(type_id)
    }

    fn clone_box(&self) -> BoxStorageFactory {
        self.clone().boxed()
    }
}

/// Where a file sits in the torrent's byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSpan {
    pub offset: u64,
    pub len: u64,
    /// BEP 47 padding: never written, reads as zeros.
    pub padding: bool,
}

/// The torrent's pieces and files, as offsets into one byte stream.
#[derive(Debug)]
pub struct Layout {
    piece_len: u64,
    total_len: u64,
    files: Vec<FileSpan>,
}

impl Layout {
    pub fn new(piece_len: u64, total_len: u64, files: Vec<FileSpan>) -> anyhow::Result<Self> {
        if piece_len == 0 {
            bail!("a piece length of 0");
        }
        Ok(Self { piece_len, total_len, files })
    }

    fn piece_of(&self, absolute: u64) -> u32 {
        u32::try_from(absolute / self.piece_len).unwrap_or(u32::MAX)
    }

    fn piece_start(&self, piece: u32) -> u64 {
        u64::from(piece) * self.piece_len
    }

    fn piece_size(&self, piece: u32) -> u64 {
        self.total_len.saturating_sub(self.piece_start(piece)).min(self.piece_len)
    }

    fn absolute(&self, file_id: usize, offset: u64, len: usize) -> anyhow::Result<u64> {
        let file = self.files.get(file_id).with_context(|| format!("no file {file_id} in this torrent"))?;
        if offset.checked_add(len as u64).is_none_or(|end| end > file.len) {
            bail!("{len} bytes at {offset} run past file {file_id}'s {} bytes", file.len);
        }
        Ok(file.offset + offset)
    }
}

/// One piece's bytes as they arrive, and which of them have.
struct Buffer {
    bytes: Box<[u8]>,
    /// Sorted, disjoint, non-adjacent byte ranges within the piece that hold data.
    filled: Vec<(usize, usize)>,
}

impl Buffer {
    fn new(size: usize) -> Self {
        Self { bytes: vec![0; size].into_boxed_slice(), filled: Vec::new() }
    }

    fn put(&mut self, at: usize, data: &[u8]) {
        self.bytes[at..at + data.len()].copy_from_slice(data);
        let (mut start, mut end) = (at, at + data.len());
        self.filled.retain(|&(s, e)| {
            let touches = s <= end && start <= e;
            if touches {
                start = start.min(s);
                end = end.max(e);
            }
            !touches
        });
        let place = self.filled.partition_point(|&(s, _)| s < start);
        self.filled.insert(place, (start, end));
    }

    fn holds(&self, start: usize, end: usize) -> bool {
        self.filled.iter().any(|&(s, e)| s <= start && end <= e)
    }

    fn complete(&self) -> bool {
        self.holds(0, self.bytes.len())
    }
}

pub struct PieceCache<S: TorrentStorage> {
    inner: S,
    layout: Arc<Layout>,
    budget: Arc<Budget>,
    /// Pieces being downloaded into memory; a piece without an entry is written through.
    buffers: Mutex<HashMap<u32, Buffer>>,
    /// A verified piece could not be written: nothing more is accepted.
    failed: AtomicBool,
}

impl<S: TorrentStorage> std::fmt::Debug for PieceCache<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PieceCache")
            .field("layout", &self.layout)
            .field("buffered_pieces", &self.buffers().len())
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl<S: TorrentStorage> PieceCache<S> {
    pub fn new(inner: S, layout: Arc<Layout>, budget: Arc<Budget>) -> Self {
        Self { inner, layout, budget, buffers: Mutex::new(HashMap::new()), failed: AtomicBool::new(false) }
    }

    fn buffers(&self) -> MutexGuard<'_, HashMap<u32, Buffer>> {
        self.buffers.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn check_usable(&self) -> anyhow::Result<()> {
        if self.failed.load(Ordering::Acquire) {
            bail!("a verified piece could not be written to disk earlier; this torrent needs a restart and a recheck");
        }
        Ok(())
    }

    /// Writes `bytes`, which start at `absolute` in the torrent, to the files they cover.
    fn write_through(&self, absolute: u64, bytes: &[u8]) -> anyhow::Result<()> {
        let end = absolute + bytes.len() as u64;
        for (file_id, file) in self.layout.files.iter().enumerate() {
            let (from, to) = (absolute.max(file.offset), end.min(file.offset + file.len));
            if from >= to || file.padding {
                continue;
            }
            let part = &bytes[(from - absolute) as usize..(to - absolute) as usize];
            self.inner.pwrite_all(file_id, from - file.offset, part)?;
        }
        Ok(())
    }

    /// Takes a buffer out and gives its memory back to the budget.
    fn remove(&self, buffers: &mut HashMap<u32, Buffer>, piece: u32) -> Option<Buffer> {
        let buffer = buffers.remove(&piece)?;
        self.budget.release(buffer.bytes.len() as u64);
        Some(buffer)
    }

    /// Writes every buffer whose bytes have all arrived and drops the others.
    fn settle(&self) -> anyhow::Result<()> {
        let pieces: Vec<u32> = self.buffers().keys().copied().collect();
        let mut result = Ok(());
        for piece in pieces {
            let Some(buffer) = self.remove(&mut self.buffers(), piece) else { continue };
            if buffer.complete() {
                if let Err(e) = self.write_through(self.layout.piece_start(piece), &buffer.bytes) {
                    result = Err(e.context(format!("writing piece {piece}")));
                }
            }
        }
        result
    }

    fn write(&self, file_id: usize, offset: u64, data: &[u8]) -> anyhow::Result<()> {
        self.check_usable()?;
        let absolute = self.layout.absolute(file_id, offset, data.len())?;
        let mut written = 0;
        while written < data.len() {
            let at = absolute + written as u64;
            let piece = self.layout.piece_of(at);
            let in_piece = (at - self.layout.piece_start(piece)) as usize;
            let size = self.layout.piece_size(piece) as usize;
            let take = (data.len() - written).min(size - in_piece);
            let part = &data[written..written + take];
            let mut buffers = self.buffers();
            let buffered = match buffers.get_mut(&piece) {
                Some(buffer) => {
                    buffer.put(in_piece, part);
                    true
                }
                None if self.budget.reserve(size as u64) => {
                    let mut buffer = Buffer::new(size);
                    buffer.put(in_piece, part);
                    buffers.insert(piece, buffer);
                    true
                }
                None => false,
            };
            drop(buffers);
            if !buffered {
                self.inner.pwrite_all(file_id, offset + written as u64, part)?;
            }
            written += take;
        }
        Ok(())
    }
}

impl<S: TorrentStorage> TorrentStorage for PieceCache<S> {
    fn init(&mut self, shared: &ManagedTorrentShared, metadata: &TorrentMetadata) -> anyhow::Result<()> {
        self.inner.init(shared, metadata)
    }

    fn pread_exact(&self, file_id: usize, offset: u64, buf: &mut [u8]) -> anyhow::Result<()> {
        self.check_usable()?;
        let absolute = self.layout.absolute(file_id, offset, buf.len())?;
        let mut done = 0;
        while done < buf.len() {
            let at = absolute + done as u64;
            let piece = self.layout.piece_of(at);
            let in_piece = (at - self.layout.piece_start(piece)) as usize;
            let take = (buf.len() - done).min(self.layout.piece_size(piece) as usize - in_piece);
            let out = &mut buf[done..done + take];
            let from_memory = {
                let buffers = self.buffers();
                match buffers.get(&piece) {
                    Some(b) if b.holds(in_piece, in_piece + take) => {
                        out.copy_from_slice(&b.bytes[in_piece..in_piece + take]);
                        true
                    }
                    Some(b) => {
                        // Partly here: the file first, then what the buffer has on top.
                        read_then_overlay(&self.inner, file_id, offset + done as u64, out, b, in_piece)?;
                        true
                    }
                    None => false,
                }
            };
            if !from_memory {
                self.inner.pread_exact(file_id, offset + done as u64, out)?;
            }
            done += take;
        }
        Ok(())
    }

    fn pwrite_all(&self, file_id: usize, offset: u64, buf: &[u8]) -> anyhow::Result<()> {
        self.write(file_id, offset, buf)
    }

    fn pwrite_all_vectored(
        &self,
        file_id: usize,
        offset: u64,
        bufs: [IoSlice<'_>; 2],
    ) -> anyhow::Result<usize> {
        let mut at = offset;
        for part in &bufs {
            self.write(file_id, at, part)?;
            at += part.len() as u64;
        }
        Ok((at - offset) as usize)
    }

    fn remove_file(&self, file_id: usize, filename: &Path) -> anyhow::Result<()> {
        self.inner.remove_file(file_id, filename)
    }

    fn remove_directory_if_empty(&self, path: &Path) -> anyhow::Result<()> {
        self.inner.remove_directory_if_empty(path)
    }

    fn ensure_file_length(&self, file_id: usize, length: u64) -> anyhow::Result<()> {
        self.inner.ensure_file_length(file_id, length)
    }

    fn take(&self) -> anyhow::Result<Box<dyn TorrentStorage>> {
        self.settle()?;
        Ok(Box::new(PieceCache::new(self.inner.take()?, self.layout.clone(), self.budget.clone())))
    }

    fn on_piece_completed(&self, piece: ValidPieceIndex) -> anyhow::Result<()> {
        let piece = piece.get();
        let Some(buffer) = self.remove(&mut self.buffers(), piece) else { return Ok(()) };
        // Only what arrived in memory: a piece whose first blocks were written through
        // (no room then) has its buffer made later, and the file already holds the rest.
        let start = self.layout.piece_start(piece);
        let written = buffer
            .filled
            .iter()
            .try_for_each(|&(s, e)| self.write_through(start + s as u64, &buffer.bytes[s..e]));
        if let Err(e) = &written {
            // librqbit records the piece as had whatever this returns; stop the torrent
            // rather than let it serve or keep a piece that is not on disk.
            self.failed.store(true, Ordering::Release);
            error!(piece, "a verified piece could not be written to disk: {e:#}");
        }
        written
    }
}

impl<S: TorrentStorage> Drop for PieceCache<S> {
    /// Remove and shutdown: pieces whose bytes have all arrived go to the file, the rest
    /// are dropped. librqbit lets go of a storage only when no task can still verify a
    /// piece in it, and a `take`n one's file handles are already closed, which the error
    /// here then only says.
    fn drop(&mut self) {
        if let Err(e) = self.settle() {
            debug!("pieces left in memory were not written: {e:#}");
        }
    }
}

/// Reads `out` from the file, then lays over it the ranges `buffer` holds.
fn read_then_overlay<S: TorrentStorage>(
    inner: &S,
    file_id: usize,
    offset: u64,
    out: &mut [u8],
    buffer: &Buffer,
    in_piece: usize,
) -> anyhow::Result<()> {
    inner.pread_exact(file_id, offset, out)?;
    let end = in_piece + out.len();
    for &(s, e) in &buffer.filled {
        let (from, to) = (s.max(in_piece), e.min(end));
        if from < to {
            out[from - in_piece..to - in_piece].copy_from_slice(&buffer.bytes[from..to]);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use librqbit_core::lengths::Lengths;

    use super::*;

    const KIB: usize = 1024;

    /// Files in memory that count the calls reaching them, as the file storage would see them.
    #[derive(Debug, Default)]
    struct Disk {
        files: Mutex<Vec<Vec<u8>>>,
        writes: AtomicUsize,
        reads: AtomicUsize,
        broken: AtomicBool,
    }

    #[derive(Debug, Clone)]
    struct Files(Arc<Disk>);

    impl Files {
        fn new(lens: &[usize]) -> Self {
            let disk =
                Disk { files: Mutex::new(lens.iter().map(|&l| vec![0; l]).collect()), ..Default::default() };
            Self(Arc::new(disk))
        }
        fn file(&self, id: usize) -> Vec<u8> {
            self.0.files.lock().unwrap()[id].clone()
        }
        fn writes(&self) -> usize {
            self.0.writes.load(Ordering::SeqCst)
        }
        fn reads(&self) -> usize {
            self.0.reads.load(Ordering::SeqCst)
        }
    }

    impl TorrentStorage for Files {
        fn init(&mut self, _: &ManagedTorrentShared, _: &TorrentMetadata) -> anyhow::Result<()> {
            Ok(())
        }
        fn pread_exact(&self, file_id: usize, offset: u64, buf: &mut [u8]) -> anyhow::Result<()> {
            self.0.reads.fetch_add(1, Ordering::SeqCst);
            let files = self.0.files.lock().unwrap();
            let at = offset as usize;
            buf.copy_from_slice(&files[file_id][at..at + buf.len()]);
            Ok(())
        }
        fn pwrite_all(&self, file_id: usize, offset: u64, buf: &[u8]) -> anyhow::Result<()> {
            if self.0.broken.load(Ordering::SeqCst) {
                bail!("No space left on device");
            }
            self.0.writes.fetch_add(1, Ordering::SeqCst);
            let mut files = self.0.files.lock().unwrap();
            let at = offset as usize;
            files[file_id][at..at + buf.len()].copy_from_slice(buf);
            Ok(())
        }
        fn remove_file(&self, _: usize, _: &Path) -> anyhow::Result<()> {
            Ok(())
        }
        fn remove_directory_if_empty(&self, _: &Path) -> anyhow::Result<()> {
            Ok(())
        }
        fn ensure_file_length(&self, _: usize, _: u64) -> anyhow::Result<()> {
            Ok(())
        }
        fn take(&self) -> anyhow::Result<Box<dyn TorrentStorage>> {
            Ok(Box::new(self.clone()))
        }
    }

    /// 32 KiB pieces over two files of 50 and 30 KiB: piece 1 spans both, piece 2 is the
    /// 16 KiB tail.
    struct Torrent {
        data: Vec<u8>,
        files: Files,
        cache: PieceCache<Files>,
        budget: Arc<Budget>,
        lengths: Lengths,
    }

    const FILES: [usize; 2] = [50 * KIB, 30 * KIB];
    const PIECE: usize = 32 * KIB;

    fn torrent(cap: u64) -> Torrent {
        torrent_with(cap, false)
    }

    fn torrent_with(cap: u64, second_is_padding: bool) -> Torrent {
        let total: usize = FILES.iter().sum();
        let data: Vec<u8> = (0..total).map(|i| (i * 7 % 251) as u8).collect();
        let spans = vec![
            FileSpan { offset: 0, len: FILES[0] as u64, padding: false },
            FileSpan { offset: FILES[0] as u64, len: FILES[1] as u64, padding: second_is_padding },
        ];
        let layout = Arc::new(Layout::new(PIECE as u64, total as u64, spans).unwrap());
        let files = Files::new(&FILES);
        let budget = Budget::new(cap);
        let cache = PieceCache::new(files.clone(), layout, budget.clone());
        let lengths = Lengths::new(total as u64, PIECE as u32).unwrap();
        Torrent { data, files, cache, budget, lengths }
    }

    impl Torrent {
        /// Writes a 16 KiB block of the torrent as librqbit does: split at file ends.
        fn block(&self, absolute: usize, bytes: &[u8]) {
            let mut at = absolute;
            let mut rest = bytes;
            while !rest.is_empty() {
                let (file, offset) = if at < FILES[0] { (0, at) } else { (1, at - FILES[0]) };
                let take = rest.len().min(FILES[file] - offset);
                self.cache.pwrite_all(file, offset as u64, &rest[..take]).unwrap();
                at += take;
                rest = &rest[take..];
            }
        }
        fn blocks_of(&self, piece: usize) -> Vec<usize> {
            let start = piece * PIECE;
            let end = (start + PIECE).min(self.data.len());
            (start..end).step_by(16 * KIB).collect()
        }
        fn receive(&self, piece: usize, order: impl Fn(Vec<usize>) -> Vec<usize>) {
            for at in order(self.blocks_of(piece)) {
                let end = (at + 16 * KIB).min(self.data.len());
                self.block(at, &self.data[at..end]);
            }
        }
        /// Reads the whole torrent through the cache, per file.
        fn read_all(&self) -> Vec<u8> {
            let mut out = Vec::new();
            for (file, len) in FILES.iter().enumerate() {
                let mut buf = vec![0; *len];
                self.cache.pread_exact(file, 0, &mut buf).unwrap();
                out.extend(buf);
            }
            out
        }
        fn piece_via_cache(&self, piece: usize) -> Vec<u8> {
            let start = piece * PIECE;
            let end = (start + PIECE).min(self.data.len());
            let mut out = vec![0; end - start];
            let mut at = start;
            while at < end {
                let (file, offset) = if at < FILES[0] { (0, at) } else { (1, at - FILES[0]) };
                let take = (end - at).min(FILES[file] - offset);
                self.cache.pread_exact(file, offset as u64, &mut out[at - start..at - start + take]).unwrap();
                at += take;
            }
            out
        }
        fn verified(&self, piece: u32) -> anyhow::Result<()> {
            self.cache.on_piece_completed(self.lengths.validate_piece_index(piece).unwrap())
        }
        fn on_disk(&self) -> Vec<u8> {
            [self.files.file(0), self.files.file(1)].concat()
        }
    }

    #[test]
    fn blocks_in_any_order_stay_in_memory_and_a_verified_piece_is_written_once_per_file() {
        let t = torrent(1 << 20);
        t.receive(1, |mut b| {
            b.reverse();
            b
        });
        assert_eq!(t.files.writes(), 0, "no block reaches the file before the piece is verified");
        assert_eq!(
            t.piece_via_cache(1),
            t.data[PIECE..2 * PIECE],
            "the hash check reads the piece from memory"
        );
        assert_eq!(t.files.reads(), 0);
        assert_eq!(t.budget.used(), PIECE as u64);

        t.verified(1).unwrap();
        assert_eq!(t.files.writes(), 2, "piece 1 spans two files: one write each");
        assert_eq!(t.on_disk()[PIECE..2 * PIECE], t.data[PIECE..2 * PIECE]);
        assert_eq!(t.budget.used(), 0, "the memory goes back");

        for piece in [2, 0] {
            t.receive(piece, |b| b);
            t.verified(piece as u32).unwrap();
        }
        assert_eq!(t.on_disk(), t.data);
        assert_eq!(t.read_all(), t.data);
    }

    #[test]
    fn a_piece_that_fails_its_hash_is_fetched_again_and_only_the_good_bytes_are_written() {
        let t = torrent(1 << 20);
        let bad = vec![0xEE; 16 * KIB];
        t.block(0, &bad);
        t.block(16 * KIB, &t.data[16 * KIB..PIECE]);
        assert_eq!(t.piece_via_cache(0)[..16 * KIB], bad[..], "the check sees the bad block");
        // librqbit requests the whole piece again after a failed check.
        t.receive(0, |b| b);
        assert_eq!(t.piece_via_cache(0), t.data[..PIECE]);
        t.verified(0).unwrap();
        assert_eq!(t.on_disk()[..PIECE], t.data[..PIECE]);
        assert_eq!(t.files.writes(), 1);
    }

    #[test]
    fn past_the_memory_cap_blocks_go_straight_to_the_file_and_reads_still_see_them() {
        let t = torrent(PIECE as u64);
        t.receive(0, |b| b);
        assert_eq!(t.files.writes(), 0);
        t.receive(1, |b| b);
        assert!(t.files.writes() >= 2, "piece 1 had no room and was written through");
        assert_eq!(t.piece_via_cache(1), t.data[PIECE..2 * PIECE]);
        t.verified(1).unwrap(); // nothing buffered: nothing more to write
        let writes = t.files.writes();
        t.verified(0).unwrap();
        assert_eq!(t.files.writes(), writes + 1);
        assert_eq!(t.budget.used(), 0);
        t.receive(2, |b| b);
        assert_eq!(t.budget.used(), 16 * KIB as u64, "with room again, the next piece is buffered");
    }

    #[test]
    fn a_piece_begun_on_disk_and_finished_in_memory_keeps_its_first_blocks() {
        let t = torrent(PIECE as u64);
        t.receive(0, |b| b); // takes all the room
        t.block(PIECE, &t.data[PIECE..PIECE + 16 * KIB]); // no room: written through
        t.verified(0).unwrap(); // room again
        t.block(PIECE + 16 * KIB, &t.data[PIECE + 16 * KIB..2 * PIECE]); // buffered
        assert_eq!(t.piece_via_cache(1), t.data[PIECE..2 * PIECE], "the check sees both halves");
        t.verified(1).unwrap();
        assert_eq!(t.on_disk()[..2 * PIECE], t.data[..2 * PIECE], "the half on disk is not overwritten");
    }

    #[test]
    fn pausing_writes_whole_pieces_drops_partial_ones_and_the_new_storage_buffers_again() {
        let t = torrent(1 << 20);
        t.receive(0, |b| b); // all bytes in, not yet verified
        t.block(PIECE, &t.data[PIECE..PIECE + 16 * KIB]); // half of piece 1
        let resumed = t.cache.take().unwrap();
        assert_eq!(t.on_disk()[..PIECE], t.data[..PIECE], "a whole piece is kept");
        assert!(t.on_disk()[PIECE..PIECE + 16 * KIB].iter().all(|&b| b == 0), "a partial one is dropped");
        assert_eq!(t.budget.used(), 0);

        let writes = t.files.writes();
        resumed.pwrite_all(1, 0, &t.data[FILES[0]..FILES[0] + KIB]).unwrap();
        assert_eq!(t.files.writes(), writes, "after resume blocks are buffered again");
        assert!(t.budget.used() > 0);
        drop(resumed);
        assert_eq!(t.budget.used(), 0, "dropping the storage gives its memory back");
    }

    #[test]
    fn removing_or_shutting_down_keeps_whole_pieces_and_drops_partial_ones() {
        let t = torrent(1 << 20);
        t.receive(2, |b| b);
        t.block(0, &t.data[..16 * KIB]);
        let Torrent { data, files, cache, budget, .. } = t;
        drop(cache);
        let disk = [files.file(0), files.file(1)].concat();
        assert_eq!(disk[2 * PIECE..], data[2 * PIECE..]);
        assert!(disk[..16 * KIB].iter().all(|&b| b == 0));
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn a_verified_piece_that_cannot_be_written_stops_the_torrent_instead_of_being_lost() {
        let t = torrent(1 << 20);
        t.receive(0, |b| b);
        t.files.0.broken.store(true, Ordering::SeqCst);
        let err = t.verified(0).unwrap_err();
        assert!(format!("{err:#}").contains("No space left"), "{err:#}");
        t.files.0.broken.store(false, Ordering::SeqCst);
        let later = t.cache.pwrite_all(0, 0, &[1]).unwrap_err();
        assert!(later.to_string().contains("recheck"), "{later}");
        assert!(t.cache.pread_exact(0, 0, &mut [0; 4]).is_err());
    }

    #[test]
    fn writes_and_reads_outside_the_files_are_refused_and_change_nothing() {
        let t = torrent(1 << 20);
        assert!(t.cache.pwrite_all(0, FILES[0] as u64 - 4, &[1; 8]).is_err(), "past the end of a file");
        assert!(t.cache.pwrite_all(2, 0, &[1]).is_err(), "no such file");
        assert!(t.cache.pwrite_all(0, u64::MAX - 2, &[1; 8]).is_err(), "an offset that overflows");
        assert!(t.cache.pread_exact(1, FILES[1] as u64, &mut [0; 1]).is_err());
        assert_eq!(t.budget.used(), 0);
        assert_eq!(t.files.writes(), 0);
    }

    #[test]
    fn padding_files_are_never_written() {
        let t = torrent_with(1 << 20, true);
        t.receive(1, |b| b);
        t.verified(1).unwrap();
        assert_eq!(t.files.writes(), 1, "only the part in the real file");
        assert!(t.files.file(1).iter().all(|&b| b == 0));
    }

    #[test]
    fn a_read_across_pieces_mixes_memory_and_file() {
        let t = torrent(1 << 20);
        t.receive(0, |b| b);
        t.verified(0).unwrap();
        t.block(PIECE, &t.data[PIECE..PIECE + 16 * KIB]); // piece 1 half in memory
        let mut buf = vec![0; 24 * KIB];
        t.cache.pread_exact(0, (PIECE - 8 * KIB) as u64, &mut buf).unwrap();
        assert_eq!(buf, t.data[PIECE - 8 * KIB..PIECE + 16 * KIB]);
        // Piece 1 whole: its first half from memory, the rest from the file, where an
        // earlier session left it.
        let on_disk_before = (PIECE + 16 * KIB)..(2 * PIECE);
        t.files.pwrite_all(0, on_disk_before.start as u64, &t.data[on_disk_before.start..FILES[0]]).unwrap();
        t.files.pwrite_all(1, 0, &t.data[FILES[0]..on_disk_before.end]).unwrap();
        assert_eq!(t.piece_via_cache(1), t.data[PIECE..2 * PIECE]);
        assert!(t.files.reads() > 0);
    }

    #[test]
    fn buffers_merge_the_ranges_they_hold() {
        let mut b = Buffer::new(100);
        b.put(50, &[1; 10]);
        b.put(0, &[1; 10]);
        b.put(10, &[1; 40]);
        assert_eq!(b.filled, vec![(0, 60)]);
        assert!(!b.complete());
        b.put(60, &[1; 40]);
        assert!(b.complete());
        b.put(20, &[2; 5]); // a block sent twice
        assert_eq!(b.filled, vec![(0, 100)]);
    }
}
