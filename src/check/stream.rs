//! Checking units in parallel while handing their results on in order.
//!
//! Workers take units in order and may run ahead of the writer by a bounded window (units and
//! bytes of input): results wait in a reorder buffer until every unit before them is written.
//! Batches with a barrier between them left cores idle twice a batch, while its slowest unit
//! finished and while its findings were written. The writer is woken for a run of results, not
//! for each: a wake-up a unit was a context switch a unit.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
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

/// Results ready in order before a waiting writer is woken (sooner when a worker waits for the
/// window, or when every unit is taken).
const WAKE_AFTER: usize = 32;

struct State<R> {
    /// The next unit to take.
    next: usize,
    /// The next unit the writer takes from `ready`.
    written: usize,
    /// The units before this one are written (the writer hands a run on after taking it).
    flushed: usize,
    /// Bytes of the units taken and not yet written.
    ahead: u64,
    stop: bool,
    /// Results waiting for the units before them.
    ready: BTreeMap<usize, (u64, R)>,
    /// Workers waiting for the window, and whether the writer waits: a notification is a
    /// system call, made only for a thread that waits.
    workers_waiting: usize,
    writer_waiting: bool,
    /// Workers that have ended (also by a panic, so the writer never waits for them).
    ended: usize,
}

struct Shared<R> {
    state: Mutex<State<R>>,
    for_workers: Condvar,
    for_writer: Condvar,
    units: usize,
}

impl<R> Shared<R> {
    fn lock(&self) -> MutexGuard<'_, State<R>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes the writer if it waits and can write now: a run of results is ready, a worker
    /// waits for the window to move, or no unit is left to take.
    fn nudge(&self, st: &State<R>) {
        if st.writer_waiting
            && st.ready.contains_key(&st.written)
            && (st.ready.len() >= WAKE_AFTER || st.workers_waiting > 0 || st.next >= self.units)
        {
            self.for_writer.notify_one();
        }
    }
}

/// Counts a worker as ended when it returns or unwinds.
struct Ended<'a, R>(&'a Shared<R>);

impl<R> Drop for Ended<'_, R> {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.ended += 1;
        // A worker that panicked never gives its unit: stop the run rather than wait for it
        // (the scope then reports the panic).
        if std::thread::panicking() {
            st.stop = true;
            self.0.for_workers.notify_all();
        }
        if st.writer_waiting {
            self.0.for_writer.notify_one();
        }
    }
}

/// Runs `run` on every unit of `work` on up to `threads` threads (each with a stack of `stack`
/// bytes) and gives the results to `sink` in the order of `work`. `size` is a unit's bytes of
/// input, handed to `run` and `sink` too. `sink` can stop the run; the units being checked then
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
        state: Mutex::new(State {
            next: 0,
            written: 0,
            flushed: 0,
            ahead: 0,
            stop: false,
            ready: BTreeMap::new(),
            workers_waiting: 0,
            writer_waiting: false,
            ended: 0,
        }),
        for_workers: Condvar::new(),
        for_writer: Condvar::new(),
        units: work.len(),
    };
    std::thread::scope(|scope| {
        let mut started = 0;
        for _ in 0..threads.clamp(1, work.len().max(1)) {
            let shared = &shared;
            let worker = move || {
                let _ended = Ended(shared);
                while let Some((i, unit, bytes)) = take(work, size, window, shared) {
                    let result = run(unit, bytes);
                    let mut st = shared.lock();
                    st.ready.insert(i, (bytes, result));
                    shared.nudge(&st);
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
        if started == 0 {
            for unit in work {
                let bytes = size(unit);
                if sink(run(unit, bytes), bytes).is_break() {
                    return;
                }
            }
            return;
        }
        write(&shared, started, sink);
    });
}

/// The writer: waits for runs of results in order and hands them on.
fn write<R>(shared: &Shared<R>, started: usize, sink: &mut dyn FnMut(R, u64) -> ControlFlow<()>) {
    loop {
        let mut run = Vec::new();
        {
            let mut st = shared.lock();
            while !st.ready.contains_key(&st.written) {
                // Every worker ended and the next result is not there: all are written. Or a
                // worker panicked (the scope reports it).
                if st.ended == started || st.stop {
                    return;
                }
                st.writer_waiting = true;
                st = shared
                    .for_writer
                    .wait(st)
                    .unwrap_or_else(|e| e.into_inner());
                st.writer_waiting = false;
            }
            let mut at = st.written;
            while let Some(r) = st.ready.remove(&at) {
                run.push(r);
                at += 1;
            }
            st.written = at;
        }
        // The bytes are given back once written: the texts live until then.
        let mut bytes_written = 0u64;
        let mut stop = false;
        let flushed = shared.lock().written;
        for (bytes, result) in run {
            bytes_written = bytes_written.saturating_add(bytes);
            if sink(result, bytes).is_break() {
                stop = true;
                break;
            }
        }
        let mut st = shared.lock();
        st.ahead = st.ahead.saturating_sub(bytes_written);
        st.flushed = flushed;
        st.stop |= stop;
        if st.workers_waiting > 0 {
            shared.for_workers.notify_all();
        }
        if stop {
            return;
        }
    }
}

/// The next unit for a worker, once the window lets it start; None when all are taken or the
/// run stopped.
fn take<'w, T, R>(
    work: &'w [T],
    size: &(dyn Fn(&T) -> u64 + Sync),
    window: Window,
    shared: &Shared<R>,
) -> Option<(usize, &'w T, u64)> {
    let i = {
        let mut st = shared.lock();
        if st.stop {
            return None;
        }
        st.next += 1;
        st.next - 1
    };
    let unit = work.get(i)?;
    let bytes = size(unit);
    let mut st = shared.lock();
    // Units are taken in order, so every unit before `i` is being checked or waits to be
    // written: the writer reaches `i`, and `i` then runs whatever the window holds.
    while !st.stop
        && i != st.written
        && (i >= st.flushed.saturating_add(window.units)
            || st.ahead.saturating_add(bytes) > window.bytes)
    {
        st.workers_waiting += 1;
        shared.nudge(&st);
        st = shared
            .for_workers
            .wait(st)
            .unwrap_or_else(|e| e.into_inner());
        st.workers_waiting -= 1;
    }
    if st.stop {
        return None;
    }
    st.ahead = st.ahead.saturating_add(bytes);
    Some((i, unit, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

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

    #[test]
    fn a_worker_that_panics_ends_the_run_instead_of_hanging_it() {
        let work: Vec<usize> = (0..100).collect();
        let window = Window {
            units: 4,
            bytes: u64::MAX,
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ordered(
                &work,
                2,
                1 << 20,
                window,
                &|_| 1,
                &|w, _| {
                    assert!(*w != 7, "unit 7");
                    *w
                },
                &mut |_, _| ControlFlow::Continue(()),
            );
        }));
        assert!(outcome.is_err());
    }

    #[test]
    fn many_short_runs_never_lose_or_reorder_a_result() {
        for round in 0..200usize {
            let n = round % 37;
            let threads = 1 + round % 4;
            let w = Window {
                units: 1 + round % 9,
                bytes: 1 + (round as u64 % 5) * 3000,
            };
            assert_eq!(collect(n, threads, w), (0..n).collect::<Vec<_>>());
        }
    }
}
