//! The global allocator on single-threaded wasm: talc, which allocates faster than the
//! default dlmalloc, fed by a memory source that grows the wasm memory geometrically
//! (by at least an eighth of its size and 1 MiB at a time). Growing only by what one
//! allocation needs, as both allocators do by default, means thousands of
//! `memory.grow` calls for a large cluster; each one makes the browser replace the
//! memory's ArrayBuffer, and that cost (and the garbage it leaves) dominated the
//! scheduler benchmark in wasm.

use core::alloc::Layout;
use core::arch::wasm32::{memory_grow, memory_size};
use core::ptr::NonNull;

use talc::base::binning::Binning;
use talc::base::{Talc, CHUNK_UNIT};
use talc::cell::TalcSyncCell;
use talc::source::Source;
use talc::wasm::WasmBinning;

/// The wasm page size.
const PAGE: usize = 64 * 1024;
/// The smallest growth step, in pages (1 MiB).
const MIN_STEP_PAGES: usize = 16;

/// A talc memory source that extends one heap at the end of the wasm memory.
#[derive(Debug)]
pub struct GrowGeometric {
    end: Option<NonNull<u8>>,
}

// SAFETY: `acquire` only grows the wasm memory and hands the new pages to `talc`
// through `claim`/`extend`; it never allocates.
unsafe impl Source for GrowGeometric {
    fn acquire<B: Binning>(talc: &mut Talc<Self, B>, layout: Layout) -> Result<(), ()> {
        // Enough for the chunk (size, tag, alignment padding) whatever the step.
        let needed = (layout.size() + layout.align() + 3 * CHUNK_UNIT).div_ceil(PAGE);
        let step = needed.max(memory_size(0) / 8).max(MIN_STEP_PAGES);
        let (prev_end, pages) = match memory_grow(0, step) {
            usize::MAX => match memory_grow(0, needed) {
                usize::MAX => return Err(()),
                prev => (prev, needed),
            },
            prev => (prev, step),
        };
        let base = (prev_end * PAGE) as *mut u8;
        let new_end = base.wrapping_add(pages * PAGE);
        if let Some(old_end) = talc.source.end.take() {
            if old_end.as_ptr() == base {
                // SAFETY: the pages right after the heap's end are new and ours.
                talc.source.end = Some(unsafe { talc.extend(old_end, new_end) });
                return Ok(());
            }
        }
        // SAFETY: the new pages belong to no one else.
        talc.source.end = unsafe { talc.claim(base, pages * PAGE) };
        Ok(())
    }
}

#[global_allocator]
static ALLOCATOR: TalcSyncCell<GrowGeometric, WasmBinning> =
    TalcSyncCell::new_wasm(GrowGeometric { end: None });
