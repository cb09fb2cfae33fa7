//! Spreading work over the machine's cores: bootstrapping every cell of a
//! large run is the slow part of a report, and reading each run the slow
//! part of adding many to a history.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

/// `items.iter().map(f)`, spread over the machine's cores.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let mut out = Vec::with_capacity(items.len());
    let done: Result<(), std::convert::Infallible> = parallel_in_order(items, f, |r| {
        out.push(r);
        Ok(())
    });
    let Ok(()) = done;
    out
}

/// `f` of each item, spread over the machine's cores, handed to `take` in
/// the items' order as soon as each and those before it are done. Each
/// core takes the next item as it finishes one, rather than a fixed share:
/// a core that other work keeps busy then holds up no more than one item.
/// The first error of `take` stops the work and is returned.
pub(crate) fn parallel_in_order<T: Sync, R: Send, E>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    mut take: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        // Bounded: results wait for `take` rather than pile up in memory.
        let (send, receive) = mpsc::sync_channel(workers);
        for _ in 0..workers {
            let send = send.clone();
            let (next, stop, f) = (&next, &stop, &f);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else {
                        return;
                    };
                    if send.send((index, f(item))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(send);
        let mut early = BTreeMap::new();
        let mut wanted = 0;
        for (index, result) in &receive {
            early.insert(index, result);
            while let Some(result) = early.remove(&wanted) {
                wanted += 1;
                if let Err(error) = take(result) {
                    stop.store(true, Ordering::Relaxed);
                    return Err(error);
                }
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_order_of_the_items() {
        let items: Vec<u64> = (0..1000).collect();
        let squares = parallel_map(&items, |i| i * i);
        assert_eq!(squares, items.iter().map(|i| i * i).collect::<Vec<_>>());
        assert!(parallel_map(&[] as &[u64], |i| *i).is_empty());
    }

    #[test]
    fn the_first_error_stops_the_work_after_the_items_before_it() {
        let items: Vec<u64> = (0..1000).collect();
        let mut taken = Vec::new();
        let done = parallel_in_order(
            &items,
            |i| *i,
            |i| {
                if i == 10 {
                    return Err(i);
                }
                taken.push(i);
                Ok(())
            },
        );
        assert_eq!(done, Err(10));
        assert_eq!(taken, (0..10).collect::<Vec<_>>());
    }
}
