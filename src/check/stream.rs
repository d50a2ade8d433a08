//! Checking units in parallel while handing their results on in order, as soon as each is next.
//!
//! Workers take units in order and may run ahead of the writer by a bounded window (units and
//! bytes of input): results wait in a reorder buffer until every unit before them is written.
//! Batches with a barrier between them left cores idle twice a batch, while its slowest unit
//! finished and while its findings were written.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

/// How far the workers may run ahead of the writer.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// Units taken but not yet written.
    pub units: usize,
    /// Bytes of input of those units: their texts stay in memory until their findings are
    /// written. The next unit to write always runs, whatever its size.
    pub bytes: u64,
}

#[derive(Default)]
struct Progress {
    /// The next unit to write.
    written: usize,
    /// Bytes of the units taken and not yet written.
    ahead: u64,
    stop: bool,
}

struct Shared {
    progress: Mutex<Progress>,
    moved: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Runs `run` on every unit of `work` on up to `threads` threads (each with a stack of
/// `stack` bytes) and gives the results to `sink` in the order of `work`. `size` is a unit's
/// bytes of input, handed to `run` and `sink` too. `sink` can stop the run; the units being checked then
/// finish, and no more are taken. With no thread to be had, runs on this one.
#[allow(clippy::too_many_arguments)]
pub fn ordered<T: Sync, R: Send>(
    work: &[T],
    threads: usize,
    stack: usize,
    window: Window,
    size: &(dyn Fn(&T) -> u64 + Sync),
    run: &(dyn Fn(&T, u64) -> R + Sync),
    sink: &mut dyn FnMut(R, u64) -> ControlFlow<()>,
) {
    let shared = Shared {
        progress: Mutex::new(Progress::default()),
        moved: Condvar::new(),
    };
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel::<(usize, u64, R)>();
        let mut started = 0;
        for _ in 0..threads.clamp(1, work.len().max(1)) {
            let tx = tx.clone();
            let (shared, next) = (&shared, &next);
            let worker = move || {
                while let Some((i, bytes)) = take(work, size, window, shared, next) {
                    let Some(unit) = work.get(i) else { break };
                    if tx.send((i, bytes, run(unit, bytes))).is_err() {
                        break;
                    }
                }
            };
            let spawned = std::thread::Builder::new()
                .name("kmslint-check".into())
                .stack_size(stack)
                .spawn_scoped(scope, worker);
            if spawned.is_ok() {
                started += 1;
            }
        }
        drop(tx);
        if started == 0 {
            for unit in work {
                let bytes = size(unit);
                if sink(run(unit, bytes), bytes).is_break() {
                    return;
                }
            }
            return;
        }
        let mut waiting: BTreeMap<usize, (u64, R)> = BTreeMap::new();
        let mut written = 0;
        for (i, bytes, result) in rx {
            waiting.insert(i, (bytes, result));
            while let Some((bytes, result)) = waiting.remove(&written) {
                written += 1;
                {
                    let mut p = shared.lock();
                    p.written = written;
                    p.ahead = p.ahead.saturating_sub(bytes);
                }
                shared.moved.notify_all();
                if sink(result, bytes).is_break() {
                    shared.lock().stop = true;
                    shared.moved.notify_all();
                    return;
                }
            }
        }
    });
}

/// The next unit for a worker and its size, once the window lets it start; None when all are
/// taken or the run stopped.
fn take<T>(
    work: &[T],
    size: &(dyn Fn(&T) -> u64 + Sync),
    window: Window,
    shared: &Shared,
    next: &AtomicUsize,
) -> Option<(usize, u64)> {
    if shared.lock().stop {
        return None;
    }
    let i = next.fetch_add(1, Ordering::Relaxed);
    let bytes = size(work.get(i)?);
    let mut p = shared.lock();
    // Units are taken in order, so every unit before `i` is being checked or waits to be
    // written: the writer reaches `i`, and `i` then runs whatever the window holds.
    while !p.stop
        && i != p.written
        && (i >= p.written.saturating_add(window.units)
            || p.ahead.saturating_add(bytes) > window.bytes)
    {
        p = shared.moved.wait(p).unwrap_or_else(|e| e.into_inner());
    }
    if p.stop {
        return None;
    }
    p.ahead = p.ahead.saturating_add(bytes);
    Some((i, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(n: usize, threads: usize, window: Window) -> Vec<usize> {
        let work: Vec<usize> = (0..n).collect();
        let mut out = Vec::new();
        ordered(
            &work,
            threads,
            1 << 20,
            window,
            &|w| (*w % 7) as u64 * 1000,
            &|w, _| {
                // Later units finish first now and then: the order must still hold.
                if w % 5 == 0 {
                    std::thread::sleep(std::time::Duration::from_micros(200));
                }
                *w
            },
            &mut |r, _| {
                out.push(r);
                ControlFlow::Continue(())
            },
        );
        out
    }

    #[test]
    fn results_come_in_the_order_of_the_work_whatever_the_threads() {
        let all: Vec<usize> = (0..500).collect();
        for threads in [1, 2, 3, 8] {
            let w = Window {
                units: 16,
                bytes: 10_000,
            };
            assert_eq!(collect(500, threads, w), all, "{threads} threads");
        }
    }

    #[test]
    fn a_unit_larger_than_the_window_still_runs() {
        let w = Window { units: 1, bytes: 1 };
        assert_eq!(collect(50, 4, w), (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn the_window_bounds_the_units_taken_ahead_of_the_writer() {
        let work: Vec<usize> = (0..200).collect();
        let window = Window {
            units: 8,
            bytes: u64::MAX,
        };
        let taken = std::sync::atomic::AtomicUsize::new(0);
        let most = std::sync::atomic::AtomicUsize::new(0);
        let mut written = 0usize;
        let written_at = std::sync::atomic::AtomicUsize::new(0);
        ordered(
            &work,
            4,
            1 << 20,
            window,
            &|_| 1,
            &|w, _| {
                taken.fetch_add(1, Ordering::SeqCst);
                let ahead = *w - written_at.load(Ordering::SeqCst);
                most.fetch_max(ahead, Ordering::SeqCst);
                *w
            },
            &mut |_, _| {
                written += 1;
                written_at.store(written, Ordering::SeqCst);
                ControlFlow::Continue(())
            },
        );
        assert_eq!(taken.load(Ordering::SeqCst), 200);
        // The writer counts a unit written just before handing it on.
        assert!(most.load(Ordering::SeqCst) <= 8, "ran ahead by {most:?}");
    }

    #[test]
    fn a_stop_takes_no_more_units() {
        let work: Vec<usize> = (0..10_000).collect();
        let taken = AtomicUsize::new(0);
        let mut seen = Vec::new();
        let window = Window {
            units: 32,
            bytes: u64::MAX,
        };
        ordered(
            &work,
            2,
            1 << 20,
            window,
            &|_| 1,
            &|w, _| {
                taken.fetch_add(1, Ordering::SeqCst);
                *w
            },
            &mut |r, _| {
                seen.push(r);
                if r == 9 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        );
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        assert!(taken.load(Ordering::SeqCst) < 10 + 32 + 2);
    }
}
