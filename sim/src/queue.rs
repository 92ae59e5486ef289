//! `EventQueue`: a priority queue of events ordered by (time, phase, sequence), with cancellation.
//!
//! # Ordering guarantees
//!
//! Every scheduled event gets a key `(t, phase, seq)` where `seq` is a counter incremented on
//! every call to [`EventQueue::schedule`]. Events leave the queue in increasing key order
//! (lexicographic), so:
//!
//! 1. **Time never goes back**: the times of popped events never decrease.
//! 2. **Phases at one instant**: at one time `t`, every event of a lower [`Phase`] runs
//!    before any event of a higher phase (measure → control → dispatch → solve → record).
//! 3. **FIFO within (time, phase)**: events with equal time and phase run in the order in
//!    which they were scheduled, including events scheduled *while* that (time, phase) is
//!    being processed: they run after everything already queued for it, in the same instant.
//! 4. **No scheduling into the past**: scheduling at a key `(t, phase)` lower than the
//!    (time, phase) of the last popped event is an error ([`SimError::ScheduledInPast`]).
//!    Scheduling at the current (time, phase) is allowed and obeys rule 3.
//! 5. **Cancellation** ([`EventQueue::cancel`]) marks a pending event with a tombstone; it
//!    is dropped when it reaches the front and never delivered. Cancelling does not change
//!    the order of the other events.
//!
//! The queue is a 4-ary heap of packed keys `(t, phase·2⁵⁶ + seq)` compared as one 128-bit
//! integer: schedule and pop are `O(log n)`, cancel is `O(1)`; [`EventQueue::reschedule`] is
//! a cancel and a schedule of the same payload (so it ranks as newly scheduled, rule 3).

use crate::error::{SimError, SimResult};
use crate::time::{Phase, SimTime};

/// Identifies one scheduled event, for [`EventQueue::cancel`]: its sequence number (never
/// reused within one queue) and its payload slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId {
    seq: u64,
    slot: u32,
}

impl EventId {
    /// The sequence number: the rank of this event among all scheduled so far.
    pub const fn seq(self) -> u64 {
        self.seq
    }
}

/// An event taken from the queue with its key.
#[derive(Clone, Debug, PartialEq)]
pub struct Scheduled<T> {
    /// When it runs.
    pub t: SimTime,
    /// In which phase of that instant.
    pub phase: Phase,
    /// Its id (sequence number).
    pub id: EventId,
    /// What it carries.
    pub payload: T,
}

const SEQ_BITS: u32 = 56;
const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;
/// Arity of the heap: four children share one or two cache lines and halve the depth.
const ARITY: usize = 4;

/// A heap node: the packed key `t_key·2⁶⁴ + phase·2⁵⁶ + seq` (with `t_key` the time with
/// its sign bit flipped, so unsigned order is signed time order) and the payload's slot.
#[derive(Clone, Copy)]
struct Node {
    key: u128,
    slot: u32,
}

impl Node {
    fn new(t: SimTime, phase: Phase, seq: u64, slot: u32) -> Self {
        let t_key = (t.as_ms() as u64) ^ (1 << 63);
        let phase_seq = (u64::from(phase.rank()) << SEQ_BITS) | seq;
        Node {
            key: (u128::from(t_key) << 64) | u128::from(phase_seq),
            slot,
        }
    }
    fn t(self) -> SimTime {
        SimTime::from_ms(((self.key >> 64) as u64 ^ (1 << 63)) as i64)
    }
    fn phase(self) -> Phase {
        Phase::new((self.key as u64 >> SEQ_BITS) as u8)
    }
    fn seq(self) -> u64 {
        self.key as u64 & SEQ_MASK
    }
}

/// A payload slot: the sequence number of its event and the payload (`None` once cancelled).
struct Slot<T> {
    seq: u64,
    payload: Option<T>,
}

/// A future-event list ordered by (time, phase, sequence); see the module docs for the
/// guarantees.
///
/// Internally a 4-ary min-heap stored as two parallel arrays, 16-byte keys (a node's four
/// children are one 64-byte run) and payload slots; payloads sit in a slab and move only on
/// schedule and pop, so large events cost no more to order than small ones.
///
/// ```
/// use gridsim_sim::{EventQueue, Phase, SimTime};
/// let mut q = EventQueue::new();
/// let t = SimTime::from_minutes(15);
/// q.schedule(t, Phase::RECORD, "record")?;
/// q.schedule(t, Phase::MEASURE, "measure a")?;
/// q.schedule(t, Phase::MEASURE, "measure b")?;
/// let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|e| e.payload).collect();
/// assert_eq!(order, ["measure a", "measure b", "record"]);
/// // The clock is now at (15 min, record): earlier keys are the past.
/// assert!(q.schedule(SimTime::ZERO, Phase::MEASURE, "late").is_err());
/// # Ok::<(), gridsim_sim::SimError>(())
/// ```
pub struct EventQueue<T> {
    /// Heap keys; `heap_slots[i]` is the payload slot of `heap_keys[i]`.
    heap_keys: Vec<u128>,
    heap_slots: Vec<u32>,
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    next_seq: u64,
    now: SimTime,
    now_phase: Phase,
    /// Cancelled events still in the heap.
    tombstones: usize,
}

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> EventQueue<T> {
    /// An empty queue at `t = 0`, before the first phase.
    pub fn new() -> Self {
        EventQueue {
            heap_keys: Vec::new(),
            heap_slots: Vec::new(),
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            now: SimTime::ZERO,
            now_phase: Phase::new(0),
            tombstones: 0,
        }
    }

    /// The time of the last popped event (or 0).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The phase of the last popped event (or `Phase::new(0)` before the first).
    pub fn phase(&self) -> Phase {
        self.now_phase
    }

    /// Number of pending (scheduled, not cancelled, not yet popped) events.
    pub fn len(&self) -> usize {
        self.heap_keys.len() - self.tombstones
    }

    /// `true` when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Schedules `payload` at `(t, phase)`.
    ///
    /// # Errors
    /// [`SimError::ScheduledInPast`] when `(t, phase)` is before the current (time, phase).
    pub fn schedule(&mut self, t: SimTime, phase: Phase, payload: T) -> SimResult<EventId> {
        self.check_not_past(t, phase)?;
        let seq = self.next_seq;
        // 2^56 events at 10^8 per second would take 22 years of wall time.
        self.next_seq = (seq + 1) & SEQ_MASK;
        let slot = match self.free.pop() {
            Some(slot) => {
                if let Some(s) = self.slots.get_mut(slot as usize) {
                    *s = Slot {
                        seq,
                        payload: Some(payload),
                    };
                }
                slot
            }
            None => {
                self.slots.push(Slot {
                    seq,
                    payload: Some(payload),
                });
                (self.slots.len() - 1) as u32
            }
        };
        self.push_node(Node::new(t, phase, seq, slot));
        Ok(EventId { seq, slot })
    }

    fn check_not_past(&self, t: SimTime, phase: Phase) -> SimResult<()> {
        if (t, phase) < (self.now, self.now_phase) {
            return Err(SimError::ScheduledInPast {
                now: self.now,
                now_phase: self.now_phase,
                at: t,
                at_phase: phase,
            });
        }
        Ok(())
    }

    /// Moves a pending event to `(t, phase)`: it is cancelled and its payload scheduled
    /// anew, so among events at its new (time, phase) it ranks as if scheduled now. Returns
    /// the new id, or `None` (and does nothing) when the event was already delivered or
    /// cancelled.
    ///
    /// # Errors
    /// [`SimError::ScheduledInPast`] when `(t, phase)` has passed; the event is then left
    /// where it was.
    pub fn reschedule(
        &mut self,
        id: EventId,
        t: SimTime,
        phase: Phase,
    ) -> SimResult<Option<EventId>> {
        self.check_not_past(t, phase)?;
        let payload = match self.slots.get_mut(id.slot as usize) {
            Some(s) if s.seq == id.seq => s.payload.take(),
            _ => None,
        };
        let Some(payload) = payload else {
            return Ok(None);
        };
        self.tombstones += 1;
        self.schedule(t, phase, payload).map(Some)
    }

    /// Cancels a pending event in `O(1)`. Returns `false` (and does nothing) when the event
    /// was already delivered or cancelled.
    pub fn cancel(&mut self, id: EventId) -> bool {
        match self.slots.get_mut(id.slot as usize) {
            Some(s) if s.seq == id.seq && s.payload.is_some() => {
                s.payload = None;
                self.tombstones += 1;
                true
            }
            _ => false,
        }
    }

    /// Drops cancelled events sitting at the root of the heap.
    fn skip_cancelled(&mut self) {
        while self.tombstones > 0 {
            let Some(root) = self.root() else {
                return;
            };
            let cancelled = self
                .slots
                .get(root.slot as usize)
                .is_some_and(|s| s.payload.is_none());
            if !cancelled {
                return;
            }
            self.pop_node();
            self.free.push(root.slot);
            self.tombstones -= 1;
        }
    }

    /// The key (time, phase) of the next event, without removing it.
    pub fn peek(&mut self) -> Option<(SimTime, Phase)> {
        self.skip_cancelled();
        self.root().map(|n| (n.t(), n.phase()))
    }

    /// Removes the next event and moves the clock to its (time, phase).
    pub fn pop(&mut self) -> Option<Scheduled<T>> {
        self.skip_cancelled();
        let node = self.pop_node()?;
        self.free.push(node.slot);
        let payload = self.slots.get_mut(node.slot as usize)?.payload.take()?;
        let (t, phase) = (node.t(), node.phase());
        self.now = t;
        self.now_phase = phase;
        Some(Scheduled {
            t,
            phase,
            id: EventId {
                seq: node.seq(),
                slot: node.slot,
            },
            payload,
        })
    }

    /// The root node, if any.
    fn root(&self) -> Option<Node> {
        Some(Node {
            key: *self.heap_keys.first()?,
            slot: *self.heap_slots.first()?,
        })
    }

    /// Puts `node` at position `i`.
    #[inline(always)]
    fn set(&mut self, i: usize, node: Node) {
        self.heap_keys[i] = node.key;
        self.heap_slots[i] = node.slot;
    }

    /// Moves the node at `from` to `to`.
    #[inline(always)]
    fn move_node(&mut self, from: usize, to: usize) {
        self.heap_keys[to] = self.heap_keys[from];
        self.heap_slots[to] = self.heap_slots[from];
    }

    /// Sifts `node` up from the hole at `i` and places it.
    fn sift_up(&mut self, mut i: usize, node: Node) {
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if self.heap_keys[parent] <= node.key {
                break;
            }
            self.move_node(parent, i);
            i = parent;
        }
        self.set(i, node);
    }

    /// Inserts `node` (sift up from the end).
    fn push_node(&mut self, node: Node) {
        let i = self.heap_keys.len();
        self.heap_keys.push(node.key);
        self.heap_slots.push(node.slot);
        self.sift_up(i, node);
    }

    /// Removes the root: the hole descends along the smallest children to a leaf, the last
    /// node fills it and sifts up (Floyd's method, fewer comparisons than a plain sift-down).
    fn pop_node(&mut self) -> Option<Node> {
        let last = Node {
            key: self.heap_keys.pop()?,
            slot: self.heap_slots.pop()?,
        };
        let Some(top) = self.root() else {
            return Some(last);
        };
        let n = self.heap_keys.len();
        let mut hole = 0;
        loop {
            let first = ARITY * hole + 1;
            if first >= n {
                break;
            }
            let best = if let Some(k) = self.heap_keys.get(first..first + ARITY) {
                // Full family: a branch-free tournament of two pairs.
                let (a, ka) = if k[1] < k[0] { (1, k[1]) } else { (0, k[0]) };
                let (b, kb) = if k[3] < k[2] { (3, k[3]) } else { (2, k[2]) };
                first + if kb < ka { b } else { a }
            } else {
                let mut best = first;
                for c in first + 1..n {
                    if self.heap_keys[c] < self.heap_keys[best] {
                        best = c;
                    }
                }
                best
            };
            self.move_node(best, hole);
            hole = best;
        }
        self.sift_up(hole, last);
        Some(top)
    }

    /// Moves the clock forward to `t` (start of the instant, before any phase) without
    /// popping; used when a run stops at a horizon with no event on it. Does nothing if `t`
    /// is not after the current time.
    pub fn advance_to(&mut self, t: SimTime) {
        self.advance_to_key(t, Phase::new(0));
    }

    /// Moves the clock forward to `(t, phase)` without popping (an outer loop that does the
    /// work of that phase itself). Does nothing if `(t, phase)` is not after the current key.
    pub fn advance_to_key(&mut self, t: SimTime, phase: Phase) {
        if (t, phase) > (self.now, self.now_phase) {
            self.now = t;
            self.now_phase = phase;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_phase_then_fifo() {
        let mut q = EventQueue::new();
        let t1 = SimTime::from_minutes(5);
        let t0 = SimTime::ZERO;
        q.schedule(t1, Phase::MEASURE, 1).unwrap();
        q.schedule(t0, Phase::RECORD, 2).unwrap();
        q.schedule(t0, Phase::CONTROL, 3).unwrap();
        q.schedule(t0, Phase::CONTROL, 4).unwrap();
        q.schedule(t0, Phase::MEASURE, 5).unwrap();
        let order: Vec<i32> = std::iter::from_fn(|| q.pop()).map(|e| e.payload).collect();
        assert_eq!(order, [5, 3, 4, 2, 1]);
    }

    #[test]
    fn same_instant_scheduling_runs_after_queued_events_of_that_phase() {
        let mut q = EventQueue::new();
        q.schedule(SimTime::ZERO, Phase::CONTROL, "a").unwrap();
        q.schedule(SimTime::ZERO, Phase::CONTROL, "b").unwrap();
        assert_eq!(q.pop().unwrap().payload, "a");
        // Scheduled while (0, control) runs: after "b", same instant; a later phase is fine.
        q.schedule(SimTime::ZERO, Phase::RECORD, "d").unwrap();
        q.schedule(SimTime::ZERO, Phase::CONTROL, "c").unwrap();
        let rest: Vec<_> = std::iter::from_fn(|| q.pop()).map(|e| e.payload).collect();
        assert_eq!(rest, ["b", "c", "d"]);
    }

    #[test]
    fn scheduling_into_the_past_is_an_error() {
        let mut q = EventQueue::new();
        q.schedule(SimTime::from_hours(1), Phase::DISPATCH, ())
            .unwrap();
        q.pop().unwrap();
        let earlier_time = q.schedule(SimTime::from_minutes(59), Phase::RECORD, ());
        assert!(matches!(
            earlier_time,
            Err(SimError::ScheduledInPast { .. })
        ));
        let earlier_phase = q.schedule(SimTime::from_hours(1), Phase::CONTROL, ());
        let msg = earlier_phase.unwrap_err().to_string();
        assert!(msg.contains("0d01:00:00.000 (control)"), "{msg}");
        assert!(q
            .schedule(SimTime::from_hours(1), Phase::DISPATCH, ())
            .is_ok());
    }

    #[test]
    fn a_stale_id_cannot_cancel_the_event_that_reused_its_slot() {
        let mut q = EventQueue::new();
        let old = q
            .schedule(SimTime::from_ms(1), Phase::MEASURE, "old")
            .unwrap();
        assert_eq!(q.pop().unwrap().payload, "old");
        let new = q
            .schedule(SimTime::from_ms(2), Phase::MEASURE, "new")
            .unwrap();
        assert_ne!(old, new);
        assert!(!q.cancel(old));
        assert_eq!(q.pop().unwrap().payload, "new");
    }

    #[test]
    fn a_large_heap_pops_in_key_order() {
        // 10 000 keys from a fixed LCG: the pops must come out sorted, as a sort does.
        let mut q = EventQueue::new();
        let mut x: u64 = 12_345;
        let mut keys = Vec::new();
        for i in 0..10_000u64 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let (t, ph) = ((x >> 40) as i64 % 500, Phase::new((x >> 20) as u8 % 3 * 10));
            q.schedule(SimTime::from_ms(t), ph, i).unwrap();
            keys.push((t, ph, i));
        }
        keys.sort();
        let popped: Vec<_> = std::iter::from_fn(|| q.pop())
            .map(|e| (e.t.as_ms(), e.phase, e.payload))
            .collect();
        assert_eq!(popped, keys);
    }

    #[test]
    fn reschedule_moves_an_event_and_refuses_the_past() {
        let mut q = EventQueue::new();
        let a = q
            .schedule(SimTime::from_ms(10), Phase::MEASURE, 'a')
            .unwrap();
        q.schedule(SimTime::from_ms(5), Phase::MEASURE, 'b')
            .unwrap();
        q.schedule(SimTime::from_ms(20), Phase::MEASURE, 'c')
            .unwrap();
        assert_eq!(q.pop().unwrap().payload, 'b');
        let past = q.reschedule(a, SimTime::from_ms(4), Phase::MEASURE);
        assert!(matches!(past, Err(SimError::ScheduledInPast { .. })));
        // Moved behind 'c' at the same key: FIFO by the time of rescheduling.
        let a2 = q
            .reschedule(a, SimTime::from_ms(20), Phase::MEASURE)
            .unwrap();
        assert!(a2.is_some());
        assert_eq!(
            q.reschedule(a, SimTime::from_ms(30), Phase::MEASURE)
                .unwrap(),
            None
        );
        assert_eq!(q.len(), 2);
        let rest: Vec<char> = std::iter::from_fn(|| q.pop()).map(|e| e.payload).collect();
        assert_eq!(rest, ['c', 'a']);
    }

    #[test]
    fn cancelled_events_are_never_delivered() {
        let mut q = EventQueue::new();
        let a = q
            .schedule(SimTime::from_ms(1), Phase::MEASURE, 'a')
            .unwrap();
        let b = q
            .schedule(SimTime::from_ms(2), Phase::MEASURE, 'b')
            .unwrap();
        q.schedule(SimTime::from_ms(3), Phase::MEASURE, 'c')
            .unwrap();
        assert!(q.cancel(b));
        assert!(!q.cancel(b), "second cancel is a no-op");
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop().unwrap().id, a);
        assert!(!q.cancel(a), "already delivered");
        assert_eq!(q.peek(), Some((SimTime::from_ms(3), Phase::MEASURE)));
        assert_eq!(q.pop().unwrap().payload, 'c');
        assert!(q.pop().is_none());
        assert!(q.is_empty());
    }
}
