//! Ruby's `Enumerable#sort_by` over Integer keys, step for step: the order it leaves equal
//! keys in, which is the order dalli's ring holds the points two servers share.
//!
//! Since Ruby 3.3 (Feature #19643), `sort_by` whose keys are all Fixnums sorts the key/value
//! pairs with an introsort of Ruby's own instead of `qsort_r`: nothing when the keys are
//! already in order; else a quicksort on the median of the first, middle and last keys, with
//! Hoare's partition, the right part sorted before the left, runs of at most 16 pairs left to
//! an insertion sort, and a heapsort past twice the depth `floor(log2(n))`. It is not stable,
//! and where it leaves equal keys is a property of the whole input: so this runs the same
//! steps on the same input (the points in dalli's order: server by server, each server's in
//! index order) and compares what Ruby compares, the key (the point) alone. Before 3.3, Ruby
//! sorted with glibc's `qsort_r`, a stable merge sort (the `dalli-ruby3.2` flavor).

/// The key of an entry `point << 32 | server`: its point.
#[inline]
fn key(entry: u64) -> u64 {
    entry >> 32
}

#[inline]
fn less(a: u64, b: u64) -> bool {
    key(a) < key(b)
}

/// Sorts `entries` by point as Ruby 3.3's `sort_by { |e| e.point }` sorts them.
pub fn sort_by_point(entries: &mut [u64]) {
    let n = entries.len();
    if n < 2 || entries.windows(2).all(|w| key(w[0]) <= key(w[1])) {
        return;
    }
    quicksort(entries, 2 * n.ilog2());
}

/// The median of three keys, with the comparisons Ruby makes in the order it makes them.
fn median(a: u64, b: u64, c: u64) -> u64 {
    if less(a, b) {
        if less(b, c) {
            b
        } else if less(c, a) {
            a
        } else {
            c
        }
    } else if less(c, b) {
        b
    } else if less(a, c) {
        a
    } else {
        c
    }
}

fn quicksort(v: &mut [u64], depth: u32) {
    let n = v.len();
    if n <= 16 {
        insertion_sort(v);
        return;
    }
    if depth == 0 {
        heapsort(v);
        return;
    }
    let pivot = median(v[0], v[n >> 1], v[n - 1]);
    // Hoare's partition; `j` may step below 0, hence signed.
    let (mut i, mut j) = (0isize, n as isize - 1);
    loop {
        while less(v[i as usize], pivot) {
            i += 1;
        }
        while less(pivot, v[j as usize]) {
            j -= 1;
        }
        if i <= j {
            v.swap(i as usize, j as usize);
            i += 1;
            j -= 1;
        }
        if i > j {
            break;
        }
    }
    // The two parts share a pair when one equal to the pivot ended between them, as in Ruby.
    let (left_end, right_start) = (i as usize, (j + 1) as usize);
    if n - right_start > 1 {
        quicksort(&mut v[right_start..], depth - 1);
    }
    if left_end > 1 {
        quicksort(&mut v[..left_end], depth - 1);
    }
}

/// A stable insertion sort (Ruby's moves a key smaller than the first straight to the front,
/// which leaves the same order).
fn insertion_sort(v: &mut [u64]) {
    for at in 1..v.len() {
        let moving = v[at];
        let mut j = at;
        while j > 0 && less(moving, v[j - 1]) {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = moving;
    }
}

/// Sifts `v[at]` down the max-heap `v[..=last]`.
fn sift_down(v: &mut [u64], mut at: usize, last: usize) {
    let moving = v[at];
    loop {
        let mut child = 2 * at + 1;
        if child > last {
            break;
        }
        if child < last && less(v[child], v[child + 1]) {
            child += 1;
        }
        if !less(moving, v[child]) {
            break;
        }
        v[at] = v[child];
        at = child;
    }
    v[at] = moving;
}

fn heapsort(v: &mut [u64]) {
    let n = v.len();
    if n < 2 {
        return;
    }
    for at in (0..n / 2).rev() {
        sift_down(v, at, n - 1);
    }
    for last in (1..n).rev() {
        v.swap(0, last);
        sift_down(v, 0, last - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries of few distinct points (many ties), the server an entry's position.
    fn tied(n: u64, distinct: u64, seed: u64) -> Vec<u64> {
        let mut next = crate::xorshift::stream(seed);
        (0..n).map(|i| (next() % distinct) << 32 | i).collect()
    }

    #[test]
    fn sorts_by_point_with_each_entry_kept() {
        for (n, distinct) in [(0, 1), (1, 1), (2, 1), (16, 3), (17, 3), (40, 3), (5000, 7)] {
            for seed in 1..20 {
                let entries = tied(n, distinct, seed);
                let mut sorted = entries.clone();
                sort_by_point(&mut sorted);
                assert!(sorted.windows(2).all(|w| key(w[0]) <= key(w[1])));
                let (mut a, mut b) = (sorted.clone(), entries);
                a.sort_unstable();
                b.sort_unstable();
                assert_eq!(a, b, "a permutation of the input");
            }
        }
    }

    #[test]
    fn leaves_sorted_input_as_it_is() {
        let entries: Vec<u64> = (0..100u64).map(|i| (i / 10) << 32 | (99 - i)).collect();
        let mut sorted = entries.clone();
        sort_by_point(&mut sorted);
        assert_eq!(sorted, entries);
    }

    #[test]
    fn heapsort_and_insertion_sort_sort() {
        let entries = tied(1000, 50, 7);
        for sort in [heapsort as fn(&mut [u64]), insertion_sort] {
            let mut v = entries.clone();
            sort(&mut v);
            assert!(v.windows(2).all(|w| key(w[0]) <= key(w[1])));
        }
        // insertion sort is stable: equal points keep their order
        let mut v = entries.clone();
        insertion_sort(&mut v);
        assert!(v.windows(2).all(|w| key(w[0]) < key(w[1]) || w[0] < w[1]));
    }
}
