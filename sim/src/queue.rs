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
//! The queue is a binary heap: schedule and pop are `O(log n)`; cancel is `O(n)` (a scan to
//! tell a pending event from one already delivered) and meant for rare events such as an EV
//! leaving early.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

use crate::error::{SimError, SimResult};
use crate::time::{Phase, SimTime};

/// Identifies one scheduled event, for [`EventQueue::cancel`]. Ids are the sequence numbers
/// and are never reused within one queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(u64);

impl EventId {
    /// The sequence number: the rank of this event among all scheduled so far.
    pub const fn seq(self) -> u64 {
        self.0
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

/// Heap entry; `Ord` is reversed so that `BinaryHeap` (a max-heap) pops the smallest key.
struct Entry<T> {
    t_ms: i64,
    /// `phase << 56 | seq`: one integer compare orders phase then sequence.
    phase_seq: u64,
    payload: T,
}

const SEQ_BITS: u32 = 56;
const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;

impl<T> Entry<T> {
    fn key(&self) -> (i64, u64) {
        (self.t_ms, self.phase_seq)
    }
    fn seq(&self) -> u64 {
        self.phase_seq & SEQ_MASK
    }
}
impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<T> Eq for Entry<T> {}
impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// A future-event list ordered by (time, phase, sequence); see the module docs for the
/// guarantees.
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
    heap: BinaryHeap<Entry<T>>,
    next_seq: u64,
    now: SimTime,
    now_phase: Phase,
    cancelled: HashSet<u64>,
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
            heap: BinaryHeap::new(),
            next_seq: 0,
            now: SimTime::ZERO,
            now_phase: Phase::new(0),
            cancelled: HashSet::new(),
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
        self.heap.len() - self.cancelled.len()
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
        if (t, phase) < (self.now, self.now_phase) {
            return Err(SimError::ScheduledInPast {
                now: self.now,
                now_phase: self.now_phase,
                at: t,
                at_phase: phase,
            });
        }
        let seq = self.next_seq;
        // 2^56 events at 10^8 per second would take 22 years of wall time.
        self.next_seq = (seq + 1) & SEQ_MASK;
        self.heap.push(Entry {
            t_ms: t.as_ms(),
            phase_seq: (u64::from(phase.rank()) << SEQ_BITS) | seq,
            payload,
        });
        Ok(EventId(seq))
    }

    /// Cancels a pending event. Returns `false` (and does nothing) when the event was already
    /// delivered or cancelled.
    pub fn cancel(&mut self, id: EventId) -> bool {
        if self.cancelled.contains(&id.0) || !self.heap.iter().any(|e| e.seq() == id.0) {
            return false;
        }
        self.cancelled.insert(id.0);
        true
    }

    /// Drops cancelled events sitting at the front of the heap.
    fn skip_cancelled(&mut self) {
        if self.cancelled.is_empty() {
            return;
        }
        while let Some(front) = self.heap.peek() {
            let seq = front.seq();
            if !self.cancelled.remove(&seq) {
                break;
            }
            self.heap.pop();
        }
    }

    /// The key (time, phase) of the next event, without removing it.
    pub fn peek(&mut self) -> Option<(SimTime, Phase)> {
        self.skip_cancelled();
        self.heap.peek().map(|e| {
            (
                SimTime::from_ms(e.t_ms),
                Phase::new((e.phase_seq >> SEQ_BITS) as u8),
            )
        })
    }

    /// Removes the next event and moves the clock to its (time, phase).
    pub fn pop(&mut self) -> Option<Scheduled<T>> {
        self.skip_cancelled();
        let e = self.heap.pop()?;
        let seq = e.seq();
        let t = SimTime::from_ms(e.t_ms);
        let phase = Phase::new((e.phase_seq >> SEQ_BITS) as u8);
        self.now = t;
        self.now_phase = phase;
        Some(Scheduled {
            t,
            phase,
            id: EventId(seq),
            payload: e.payload,
        })
    }

    /// Moves the clock forward to `t` (start of the instant, before any phase) without
    /// popping; used when a run stops at a horizon with no event on it. Does nothing if `t`
    /// is not after the current time.
    pub fn advance_to(&mut self, t: SimTime) {
        if t > self.now {
            self.now = t;
            self.now_phase = Phase::new(0);
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
