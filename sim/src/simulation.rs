//! `Simulation`: owns the models, the shared world state, the event queue, the random streams and the recorder, and runs to a horizon.
//!
//! # The model contract
//!
//! A model is a state machine implementing [`Model<W, E>`]: `W` is the *world*, a state shared
//! by all models of a simulation (in gridsim, the network state that agents write injections
//! into and the power flow reads); `E` is the event type of the simulation (usually an enum).
//! A model sees the outside only through its [`Context`]: the current time and phase, the
//! world, its own random stream, the recorder, and scheduling. It never reads globals or the
//! wall clock, so a run is a pure function of (models, world, seed, replication).
//!
//! # Running
//!
//! Each event is addressed to one model ([`ModelId`]) and delivered in the queue order of
//! [`crate::queue`]: time, then [`Phase`], then first-in first-out. The outside world
//! (a co-simulation loop) takes part in two ways:
//!
//! - as a model: a grid model handles events in the [`Phase::SOLVE`] phase, reads what the
//!   agents wrote into the world during [`Phase::DISPATCH`] and writes back the solution for
//!   the [`Phase::RECORD`] phase (see the example in the crate docs);
//! - from outside, between events: [`Simulation::peek`], [`Simulation::step`],
//!   [`Simulation::run_through`] (up to and including a (time, phase)) and
//!   [`Simulation::run_until`] advance the clock, and [`Simulation::world_mut`] /
//!   [`Simulation::schedule`] act between calls.
//!
//! # Periodic processes
//!
//! [`Periodic`] fires an event at `offset + k·period` for `k = 0, 1, …` while the time is
//! before `until`. Occurrence `k + 1` is enqueued when occurrence `k` is delivered (just before
//! its handler runs), so among events at the same (time, phase) it ranks by that moment.
//!
//! # Errors
//!
//! A handler returns `Result<(), SimError>`; a failure stops the run and comes back wrapped in
//! [`SimError::Model`] with the model's name and the time.

use std::collections::HashMap;

use crate::error::{SimError, SimResult};
use crate::queue::{EventId, EventQueue};
use crate::recorder::Recorder;
use crate::rng::{RandomStreams, StreamId, StreamRng};
use crate::time::{Phase, SimDuration, SimTime};

/// The dense index of a model in its simulation, handed out by [`Simulation::add_model`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModelId(usize);

impl ModelId {
    /// The index (models are numbered in the order they were added).
    pub const fn index(self) -> usize {
        self.0
    }
}

/// The identifier of a periodic process, for [`Context::cancel_process`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProcessId(usize);

/// A state machine driven by events. See the module docs for the contract.
pub trait Model<W, E> {
    /// Called once when the model is added, to schedule its first events. The default does
    /// nothing.
    ///
    /// # Errors
    /// Whatever the model reports; scheduling errors propagate with `?`.
    fn init(&mut self, ctx: &mut Context<'_, W, E>) -> SimResult<()> {
        let _ = ctx;
        Ok(())
    }

    /// Handles one event addressed to this model.
    ///
    /// # Errors
    /// Whatever the model reports ([`Context::error`] wraps a model's own error type).
    fn handle(&mut self, event: E, ctx: &mut Context<'_, W, E>) -> SimResult<()>;
}

/// A boxed model is a model, so models built at run time (from a scenario file) can be
/// added as `Box<dyn Model<W, E>>`.
impl<W, E, M: Model<W, E> + ?Sized> Model<W, E> for Box<M> {
    fn init(&mut self, ctx: &mut Context<'_, W, E>) -> SimResult<()> {
        (**self).init(ctx)
    }
    fn handle(&mut self, event: E, ctx: &mut Context<'_, W, E>) -> SimResult<()> {
        (**self).handle(event, ctx)
    }
}

/// A periodic schedule: at `offset + k·period` (k = 0, 1, …) while before `until`, in `phase`.
///
/// ```
/// use gridsim_sim::{Periodic, Phase, SimDuration, SimTime};
/// let every_15_min = Periodic::every(SimDuration::from_minutes(15))
///     .offset(SimDuration::from_minutes(5))
///     .phase(Phase::CONTROL)
///     .until(SimTime::from_hours(24));
/// assert_eq!(every_15_min.phase, Phase::CONTROL);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Periodic {
    /// Time between occurrences (must be positive).
    pub period: SimDuration,
    /// Time of occurrence 0, from the scenario start (default 0).
    pub offset: SimDuration,
    /// The phase the events run in (default [`Phase::MEASURE`]).
    pub phase: Phase,
    /// Occurrences at or after this time are not generated (default: never stop).
    pub until: SimTime,
}

impl Periodic {
    /// Every `period`, from `t = 0`, in the measure phase, forever.
    pub const fn every(period: SimDuration) -> Self {
        Periodic {
            period,
            offset: SimDuration::ZERO,
            phase: Phase::MEASURE,
            until: SimTime::MAX,
        }
    }
    /// Sets the time of the first occurrence.
    pub const fn offset(mut self, offset: SimDuration) -> Self {
        self.offset = offset;
        self
    }
    /// Sets the phase.
    pub const fn phase(mut self, phase: Phase) -> Self {
        self.phase = phase;
        self
    }
    /// Sets the stop time (exclusive).
    pub const fn until(mut self, until: SimTime) -> Self {
        self.until = until;
        self
    }

    /// The first occurrence at or after `(now, now_phase)`, as a time.
    fn first_at_or_after(&self, now: SimTime, now_phase: Phase) -> SimTime {
        let t0 = SimTime::ZERO + self.offset;
        if t0 > now || (t0 == now && self.phase >= now_phase) {
            return t0;
        }
        // k = smallest integer with t0 + k·period ≥ now (and > now if the phase has passed).
        let lag_ms = (now - t0).as_ms();
        let p = self.period.as_ms();
        let mut k = lag_ms / p + i64::from(lag_ms % p != 0);
        if t0 + self.period * k == now && self.phase < now_phase {
            k += 1;
        }
        t0 + self.period * k
    }
}

enum Payload<E> {
    Event(E),
    Tick(usize),
}

/// What the queue holds: an event and its addressee.
struct Envelope<E> {
    target: ModelId,
    payload: Payload<E>,
}

struct Process<E> {
    target: ModelId,
    schedule: Periodic,
    make: Box<dyn FnMut() -> E>,
    next: Option<EventId>,
}

struct Slot<W, E> {
    name: String,
    rng: StreamRng,
    model: Box<dyn Model<W, E>>,
}

/// Everything a model may touch while it handles an event.
pub struct Context<'a, W, E> {
    world: &'a mut W,
    queue: &'a mut EventQueue<Envelope<E>>,
    processes: &'a mut Vec<Process<E>>,
    rng: &'a mut StreamRng,
    recorder: &'a mut Recorder,
    streams: &'a RandomStreams,
    me: ModelId,
    name: &'a str,
}

impl<'a, W, E> Context<'a, W, E> {
    /// The current time.
    pub fn now(&self) -> SimTime {
        self.queue.now()
    }
    /// The phase being processed.
    pub fn phase(&self) -> Phase {
        self.queue.phase()
    }
    /// The id of the model handling the event.
    pub fn me(&self) -> ModelId {
        self.me
    }
    /// The name of the model handling the event.
    pub fn name(&self) -> &str {
        self.name
    }
    /// The replication number.
    pub fn replication(&self) -> u64 {
        self.streams.replication()
    }
    /// The shared world state.
    pub fn world(&mut self) -> &mut W {
        self.world
    }
    /// This model's random stream, derived from (seed, replication, model name).
    pub fn rng(&mut self) -> &mut StreamRng {
        self.rng
    }
    /// The world, this model's random stream and the recorder at once, for a handler that
    /// draws and writes in one expression.
    ///
    /// ```
    /// # use gridsim_sim::{Context, Model, Phase, SimResult, SimTime, Simulation};
    /// use rand::Rng;
    /// struct Pv;
    /// impl Model<Vec<f64>, ()> for Pv {
    ///     fn handle(&mut self, _: (), ctx: &mut Context<'_, Vec<f64>, ()>) -> SimResult<()> {
    ///         let (world, rng, _recorder) = ctx.split();
    ///         world.push(rng.random_range(0.0..5.0));
    ///         Ok(())
    ///     }
    /// }
    /// let mut sim = Simulation::new(Vec::new(), 3, 0);
    /// let pv = sim.add_model("pv", Pv)?;
    /// sim.schedule(SimTime::ZERO, Phase::DISPATCH, pv, ())?;
    /// sim.run_until(SimTime::from_ms(1))?;
    /// assert!((0.0..5.0).contains(&sim.world()[0]));
    /// # Ok::<(), gridsim_sim::SimError>(())
    /// ```
    pub fn split(&mut self) -> (&mut W, &mut StreamRng, &mut Recorder) {
        (self.world, self.rng, self.recorder)
    }
    /// A fresh generator for the stream named `"{model name}/{suffix}"`, for a model that
    /// wants several independent streams (keep it in the model's state).
    pub fn substream(&self, suffix: &str) -> StreamRng {
        self.streams.stream(&format!("{}/{suffix}", self.name))
    }
    /// The recorder.
    pub fn recorder(&mut self) -> &mut Recorder {
        self.recorder
    }
    /// Records `value` in series `series` at the current time.
    ///
    /// # Errors
    /// [`SimError::Csv`] when the recorder streams and the write fails.
    pub fn record(&mut self, series: &str, value: f64) -> SimResult<()> {
        let t = self.now();
        self.recorder.record(series, t, value)
    }
    /// Schedules `event` for `target` at `(t, phase)`.
    ///
    /// # Errors
    /// [`SimError::ScheduledInPast`] if `(t, phase)` has already passed.
    pub fn schedule(
        &mut self,
        t: SimTime,
        phase: Phase,
        target: ModelId,
        event: E,
    ) -> SimResult<EventId> {
        schedule(self.queue, t, phase, target, event)
    }
    /// Schedules `event` for `target` `delay` from now, in `phase`.
    ///
    /// # Errors
    /// [`SimError::ScheduledInPast`] for a negative delay, or a zero delay into an earlier phase.
    pub fn schedule_in(
        &mut self,
        delay: SimDuration,
        phase: Phase,
        target: ModelId,
        event: E,
    ) -> SimResult<EventId> {
        let t = self.now() + delay;
        schedule(self.queue, t, phase, target, event)
    }
    /// Cancels a pending event; `false` if it was already delivered or cancelled.
    pub fn cancel(&mut self, id: EventId) -> bool {
        self.queue.cancel(id)
    }
    /// Moves a pending event to `(t, phase)` (see [`EventQueue::reschedule`]); `None` if it
    /// was already delivered or cancelled.
    ///
    /// # Errors
    /// [`SimError::ScheduledInPast`].
    pub fn reschedule(
        &mut self,
        id: EventId,
        t: SimTime,
        phase: Phase,
    ) -> SimResult<Option<EventId>> {
        self.queue.reschedule(id, t, phase)
    }
    /// Starts a periodic process delivering clones of `event` to `target`.
    ///
    /// # Errors
    /// [`SimError::NonPositivePeriod`] for a period ≤ 0; scheduling errors.
    pub fn every(&mut self, schedule: Periodic, target: ModelId, event: E) -> SimResult<ProcessId>
    where
        E: Clone + 'static,
    {
        start_process(
            self.queue,
            self.processes,
            self.name,
            schedule,
            target,
            event,
        )
    }
    /// Stops a periodic process; its pending occurrence is cancelled.
    pub fn cancel_process(&mut self, id: ProcessId) {
        cancel_process(self.queue, self.processes, id);
    }
    /// Wraps a model's own error with this model's name and the current time.
    pub fn error(&self, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> SimError {
        SimError::Model {
            model: self.name.to_owned(),
            t: self.now(),
            source: source.into(),
        }
    }
}

fn schedule<E>(
    queue: &mut EventQueue<Envelope<E>>,
    t: SimTime,
    phase: Phase,
    target: ModelId,
    event: E,
) -> SimResult<EventId> {
    queue.schedule(
        t,
        phase,
        Envelope {
            target,
            payload: Payload::Event(event),
        },
    )
}

fn start_process<E: Clone + 'static>(
    queue: &mut EventQueue<Envelope<E>>,
    processes: &mut Vec<Process<E>>,
    owner: &str,
    schedule: Periodic,
    target: ModelId,
    event: E,
) -> SimResult<ProcessId> {
    if !schedule.period.is_positive() {
        return Err(SimError::NonPositivePeriod {
            name: owner.to_owned(),
            period: schedule.period,
        });
    }
    let idx = processes.len();
    let first = schedule.first_at_or_after(queue.now(), queue.phase());
    let next = if first < schedule.until {
        let env = Envelope {
            target,
            payload: Payload::Tick(idx),
        };
        Some(queue.schedule(first, schedule.phase, env)?)
    } else {
        None
    };
    processes.push(Process {
        target,
        schedule,
        make: Box::new(move || event.clone()),
        next,
    });
    Ok(ProcessId(idx))
}

fn cancel_process<E>(
    queue: &mut EventQueue<Envelope<E>>,
    processes: &mut [Process<E>],
    id: ProcessId,
) {
    if let Some(p) = processes.get_mut(id.0) {
        if let Some(next) = p.next.take() {
            queue.cancel(next);
        }
    }
}

/// Counters of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Events delivered by this call.
    pub events: u64,
}

/// A discrete-event simulation over a world `W` with events `E`; see the module docs.
///
/// ```
/// use gridsim_sim::{Context, Model, Periodic, Phase, SimDuration, SimResult, SimTime, Simulation};
///
/// /// Counts its ticks in the world.
/// struct Counter;
/// impl Model<u64, ()> for Counter {
///     fn handle(&mut self, _: (), ctx: &mut Context<'_, u64, ()>) -> SimResult<()> {
///         *ctx.world() += 1;
///         Ok(())
///     }
/// }
///
/// let mut sim = Simulation::new(0_u64, 42, 0);
/// let c = sim.add_model("counter", Counter)?;
/// sim.every(Periodic::every(SimDuration::from_minutes(15)), c, ())?;
/// sim.run_until(SimTime::from_days(1))?;
/// assert_eq!(*sim.world(), 96); // 24 h / 15 min, the horizon excluded
/// assert_eq!(sim.now(), SimTime::from_days(1));
/// # Ok::<(), gridsim_sim::SimError>(())
/// ```
pub struct Simulation<W, E> {
    world: W,
    queue: EventQueue<Envelope<E>>,
    models: Vec<Slot<W, E>>,
    processes: Vec<Process<E>>,
    recorder: Recorder,
    streams: RandomStreams,
    by_name: HashMap<String, ModelId>,
    by_stream: HashMap<u64, ModelId>,
    events: u64,
}

impl<W, E> Simulation<W, E> {
    /// An empty simulation at `t = 0` over `world`, with the random streams of
    /// (`seed`, `replication`) and an in-memory recorder.
    pub fn new(world: W, seed: u64, replication: u64) -> Self {
        Simulation {
            world,
            queue: EventQueue::new(),
            models: Vec::new(),
            processes: Vec::new(),
            recorder: Recorder::new(),
            streams: RandomStreams::new(seed, replication),
            by_name: HashMap::new(),
            by_stream: HashMap::new(),
            events: 0,
        }
    }

    /// Replaces the recorder (e.g. with [`Recorder::streaming`]).
    pub fn with_recorder(mut self, recorder: Recorder) -> Self {
        self.recorder = recorder;
        self
    }

    /// Adds a model under a unique `name` and runs its [`Model::init`] at the current time.
    /// Its random stream is `RandomStreams::stream(name)`, so it does not depend on which
    /// other models exist.
    ///
    /// # Errors
    /// [`SimError::DuplicateModel`], [`SimError::StreamCollision`], or what `init` returns.
    pub fn add_model(
        &mut self,
        name: &str,
        model: impl Model<W, E> + 'static,
    ) -> SimResult<ModelId> {
        if self.by_name.contains_key(name) {
            return Err(SimError::DuplicateModel { name: name.into() });
        }
        let stream = StreamId::from_name(name);
        if let Some(&other) = self.by_stream.get(&stream.get()) {
            let first = self.models.get(other.0).map(|s| s.name.clone());
            return Err(SimError::StreamCollision {
                first: first.unwrap_or_default(),
                second: name.into(),
                stream: stream.get(),
            });
        }
        let id = ModelId(self.models.len());
        self.by_name.insert(name.to_owned(), id);
        self.by_stream.insert(stream.get(), id);
        self.models.push(Slot {
            name: name.to_owned(),
            rng: self.streams.stream_by_id(stream),
            model: Box::new(model),
        });
        self.with_model(id, |model, ctx| model.init(ctx))?;
        Ok(id)
    }

    /// Runs `f` on model `id` with its context.
    fn with_model(
        &mut self,
        id: ModelId,
        f: impl FnOnce(&mut dyn Model<W, E>, &mut Context<'_, W, E>) -> SimResult<()>,
    ) -> SimResult<()> {
        let count = self.models.len();
        let Some(slot) = self.models.get_mut(id.0) else {
            return Err(SimError::UnknownModel { id: id.0, count });
        };
        let mut ctx = Context {
            world: &mut self.world,
            queue: &mut self.queue,
            processes: &mut self.processes,
            rng: &mut slot.rng,
            recorder: &mut self.recorder,
            streams: &self.streams,
            me: id,
            name: &slot.name,
        };
        f(slot.model.as_mut(), &mut ctx).map_err(|e| match e {
            e @ SimError::Model { .. } => e,
            e => SimError::Model {
                model: slot.name.clone(),
                t: ctx.now(),
                source: Box::new(e),
            },
        })
    }

    /// The id of the model named `name`.
    pub fn model_id(&self, name: &str) -> Option<ModelId> {
        self.by_name.get(name).copied()
    }

    /// The name of model `id`.
    pub fn model_name(&self, id: ModelId) -> Option<&str> {
        self.models.get(id.0).map(|s| s.name.as_str())
    }

    /// Schedules `event` for `target` at `(t, phase)` from outside the models.
    ///
    /// # Errors
    /// [`SimError::ScheduledInPast`].
    pub fn schedule(
        &mut self,
        t: SimTime,
        phase: Phase,
        target: ModelId,
        event: E,
    ) -> SimResult<EventId> {
        schedule(&mut self.queue, t, phase, target, event)
    }

    /// Starts a periodic process delivering clones of `event` to `target`.
    ///
    /// # Errors
    /// [`SimError::NonPositivePeriod`] for a period ≤ 0.
    pub fn every(&mut self, schedule: Periodic, target: ModelId, event: E) -> SimResult<ProcessId>
    where
        E: Clone + 'static,
    {
        let owner = self.models.get(target.0).map_or("", |s| s.name.as_str());
        start_process(
            &mut self.queue,
            &mut self.processes,
            owner,
            schedule,
            target,
            event,
        )
    }

    /// Cancels a pending event; `false` if it was already delivered or cancelled.
    pub fn cancel(&mut self, id: EventId) -> bool {
        self.queue.cancel(id)
    }

    /// Stops a periodic process.
    pub fn cancel_process(&mut self, id: ProcessId) {
        cancel_process(&mut self.queue, &mut self.processes, id);
    }

    /// The current time.
    pub fn now(&self) -> SimTime {
        self.queue.now()
    }

    /// The (time, phase) of the next event, if any.
    pub fn peek(&mut self) -> Option<(SimTime, Phase)> {
        self.queue.peek()
    }

    /// Delivers the next event. Returns its (time, phase), or `None` if the queue is empty.
    ///
    /// # Errors
    /// The handler's error, wrapped in [`SimError::Model`].
    pub fn step(&mut self) -> SimResult<Option<(SimTime, Phase)>> {
        let Some(ev) = self.queue.pop() else {
            return Ok(None);
        };
        let Envelope { target, payload } = ev.payload;
        let event = match payload {
            Payload::Event(e) => e,
            Payload::Tick(idx) => self.tick(idx, ev.t)?,
        };
        self.events += 1;
        self.with_model(target, |model, ctx| model.handle(event, ctx))?;
        Ok(Some((ev.t, ev.phase)))
    }

    /// Enqueues the next occurrence of process `idx` (fired at `t`) and makes this one's event.
    fn tick(&mut self, idx: usize, t: SimTime) -> SimResult<E> {
        let count = self.processes.len();
        let Some(p) = self.processes.get_mut(idx) else {
            return Err(SimError::Settings(format!(
                "periodic process {idx} does not exist ({count} processes)"
            )));
        };
        let next_t = t + p.schedule.period;
        p.next = if next_t < p.schedule.until {
            let env = Envelope {
                target: p.target,
                payload: Payload::Tick(idx),
            };
            Some(self.queue.schedule(next_t, p.schedule.phase, env)?)
        } else {
            None
        };
        Ok((p.make)())
    }

    /// Delivers every event before `end` (exclusive) and leaves the clock at `end`.
    ///
    /// # Errors
    /// The first handler error, wrapped in [`SimError::Model`]; the clock stays at that event.
    pub fn run_until(&mut self, end: SimTime) -> SimResult<RunStats> {
        let stats = self.run_while(|t, _| t < end)?;
        self.queue.advance_to(end);
        Ok(stats)
    }

    /// Delivers every event whose (time, phase) is at or before `(t, phase)` and leaves the
    /// clock at `(t, phase)`: an outer loop can then do that instant's later work itself.
    ///
    /// ```
    /// # use gridsim_sim::{Context, Model, Phase, SimResult, SimTime, Simulation};
    /// struct Push(f64);
    /// impl Model<Vec<f64>, ()> for Push {
    ///     fn handle(&mut self, _: (), ctx: &mut Context<'_, Vec<f64>, ()>) -> SimResult<()> {
    ///         let v = self.0;
    ///         ctx.world().push(v);
    ///         Ok(())
    ///     }
    /// }
    /// let mut sim = Simulation::new(Vec::new(), 1, 0);
    /// let agent = sim.add_model("agent", Push(2.0))?;
    /// let meter = sim.add_model("meter", Push(-1.0))?;
    /// let t = SimTime::from_minutes(15);
    /// sim.schedule(t, Phase::DISPATCH, agent, ())?;
    /// sim.schedule(t, Phase::RECORD, meter, ())?;
    /// sim.run_through(t, Phase::DISPATCH)?;
    /// assert_eq!(sim.world(), &[2.0]);
    /// sim.world_mut().push(10.0); // the outer loop "solves" between dispatch and record
    /// sim.run_through(t, Phase::RECORD)?;
    /// assert_eq!(sim.world(), &[2.0, 10.0, -1.0]);
    /// // The clock is at (15 min, record): dispatch at 15 min is now the past.
    /// assert!(sim.schedule(t, Phase::DISPATCH, agent, ()).is_err());
    /// # Ok::<(), gridsim_sim::SimError>(())
    /// ```
    ///
    /// # Errors
    /// The first handler error, wrapped in [`SimError::Model`].
    pub fn run_through(&mut self, t: SimTime, phase: Phase) -> SimResult<RunStats> {
        let stats = self.run_while(|et, ep| (et, ep) <= (t, phase))?;
        self.queue.advance_to_key(t, phase);
        Ok(stats)
    }

    /// Steps while the next event's key satisfies `go`.
    fn run_while(&mut self, go: impl Fn(SimTime, Phase) -> bool) -> SimResult<RunStats> {
        let mut stats = RunStats::default();
        while let Some((t, phase)) = self.queue.peek() {
            if !go(t, phase) {
                break;
            }
            self.step()?;
            stats.events += 1;
        }
        Ok(stats)
    }

    /// Number of pending events.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Events delivered since the simulation was created.
    pub fn events_delivered(&self) -> u64 {
        self.events
    }

    /// The random streams of this replication.
    pub fn streams(&self) -> &RandomStreams {
        &self.streams
    }

    /// The shared world state.
    pub fn world(&self) -> &W {
        &self.world
    }

    /// The shared world state, mutably (between events).
    pub fn world_mut(&mut self) -> &mut W {
        &mut self.world
    }

    /// The recorder.
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// The recorder, mutably.
    pub fn recorder_mut(&mut self) -> &mut Recorder {
        &mut self.recorder
    }

    /// Consumes the simulation and returns the world and the recorder.
    pub fn into_parts(self) -> (W, Recorder) {
        (self.world, self.recorder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// Logs `(t_ms, phase, model name, event)` into the world and may schedule follow-ups.
    struct Logger;
    type Log = Vec<(i64, Phase, String, u32)>;
    impl Model<Log, u32> for Logger {
        fn handle(&mut self, ev: u32, ctx: &mut Context<'_, Log, u32>) -> SimResult<()> {
            let entry = (ctx.now().as_ms(), ctx.phase(), ctx.name().to_owned(), ev);
            ctx.world().push(entry);
            if ev == 99 {
                // Same instant, earlier phase: the past.
                ctx.schedule(ctx.now(), Phase::MEASURE, ctx.me(), 0)?;
            }
            Ok(())
        }
    }

    #[test]
    fn events_are_delivered_by_time_phase_then_fifo_across_models() {
        let mut sim = Simulation::new(Log::new(), 1, 0);
        let a = sim.add_model("a", Logger).unwrap();
        let b = sim.add_model("b", Logger).unwrap();
        let t = SimTime::from_minutes(15);
        sim.schedule(t, Phase::RECORD, a, 1).unwrap();
        sim.schedule(t, Phase::SOLVE, b, 2).unwrap();
        sim.schedule(t, Phase::SOLVE, a, 3).unwrap();
        sim.schedule(SimTime::ZERO, Phase::RECORD, b, 4).unwrap();
        sim.run_until(SimTime::from_hours(1)).unwrap();
        let got: Vec<_> = sim.world().iter().map(|e| (e.2.as_str(), e.3)).collect();
        assert_eq!(got, [("b", 4), ("b", 2), ("a", 3), ("a", 1)]);
        assert_eq!(sim.events_delivered(), 4);
    }

    #[test]
    fn periodic_processes_respect_offset_and_stop_time() {
        let mut sim = Simulation::new(Log::new(), 1, 0);
        let a = sim.add_model("a", Logger).unwrap();
        let p = Periodic::every(SimDuration::from_minutes(15))
            .offset(SimDuration::from_minutes(5))
            .phase(Phase::CONTROL)
            .until(SimTime::from_minutes(50));
        sim.every(p, a, 7).unwrap();
        sim.run_until(SimTime::from_hours(2)).unwrap();
        let times: Vec<i64> = sim.world().iter().map(|e| e.0 / 60_000).collect();
        // 5, 20, 35 min; 50 is the (exclusive) stop time.
        assert_eq!(times, [5, 20, 35]);
        assert!(sim.world().iter().all(|e| e.1 == Phase::CONTROL));
    }

    #[test]
    fn a_process_started_mid_run_begins_at_the_next_aligned_occurrence() {
        let p = Periodic::every(SimDuration::from_minutes(15)).phase(Phase::CONTROL);
        let at = |min: i64, ph: Phase| p.first_at_or_after(SimTime::from_minutes(min), ph);
        assert_eq!(at(0, Phase::new(0)), SimTime::ZERO);
        assert_eq!(at(7, Phase::MEASURE), SimTime::from_minutes(15));
        assert_eq!(at(15, Phase::MEASURE), SimTime::from_minutes(15));
        assert_eq!(at(15, Phase::RECORD), SimTime::from_minutes(30));
    }

    proptest::proptest! {
        /// `first_at_or_after` agrees with a brute-force search over k = 0, 1, 2, …
        #[test]
        fn first_occurrence_matches_brute_force(
            period_ms in 1i64..500,
            offset_ms in 0i64..2_000,
            now_ms in 0i64..5_000,
            phase in 0u8..60,
            now_phase in 0u8..60,
        ) {
            let p = Periodic::every(SimDuration::from_ms(period_ms))
                .offset(SimDuration::from_ms(offset_ms))
                .phase(Phase::new(phase));
            let now = (SimTime::from_ms(now_ms), Phase::new(now_phase));
            let brute = (0..)
                .map(|k| SimTime::from_ms(offset_ms + k * period_ms))
                .find(|&t| (t, Phase::new(phase)) >= now);
            proptest::prop_assert_eq!(Some(p.first_at_or_after(now.0, now.1)), brute);
        }
    }

    #[test]
    fn cancelled_process_stops_firing() {
        let mut sim = Simulation::new(Log::new(), 1, 0);
        let a = sim.add_model("a", Logger).unwrap();
        let pid = sim
            .every(Periodic::every(SimDuration::from_hours(1)), a, 1)
            .unwrap();
        sim.run_until(SimTime::from_hours(3)).unwrap();
        sim.cancel_process(pid);
        sim.run_until(SimTime::from_hours(10)).unwrap();
        assert_eq!(sim.world().len(), 3);
        assert_eq!(sim.pending(), 0);
        let bad = sim.every(Periodic::every(SimDuration::ZERO), a, 1);
        assert!(matches!(bad, Err(SimError::NonPositivePeriod { .. })));
    }

    #[test]
    fn handler_errors_carry_model_name_and_time() {
        let mut sim = Simulation::new(Log::new(), 1, 0);
        let a = sim.add_model("feeder-7", Logger).unwrap();
        sim.schedule(SimTime::from_hours(2), Phase::RECORD, a, 99)
            .unwrap();
        let err = sim.run_until(SimTime::from_hours(3)).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("model `feeder-7` failed at 0d02:00:00.000"),
            "{msg}"
        );
        assert!(msg.contains("cannot schedule"), "{msg}");
    }

    #[test]
    fn boxed_models_built_at_run_time_can_be_added() {
        let mut sim = Simulation::new(Log::new(), 1, 0);
        type Boxed = Box<dyn Model<Log, u32>>;
        let models: Vec<(&str, Boxed)> = vec![("x", Box::new(Logger)), ("y", Box::new(Logger))];
        for (name, m) in models {
            let id = sim.add_model(name, m).unwrap();
            sim.schedule(SimTime::ZERO, Phase::MEASURE, id, 1).unwrap();
        }
        sim.run_until(SimTime::from_ms(1)).unwrap();
        let names: Vec<&str> = sim.world().iter().map(|e| e.2.as_str()).collect();
        assert_eq!(names, ["x", "y"]);
    }

    #[test]
    fn duplicate_names_and_unknown_targets_are_errors() {
        let mut sim = Simulation::new(Log::new(), 1, 0);
        sim.add_model("a", Logger).unwrap();
        assert!(matches!(
            sim.add_model("a", Logger),
            Err(SimError::DuplicateModel { .. })
        ));
        sim.schedule(SimTime::ZERO, Phase::MEASURE, ModelId(5), 0)
            .unwrap();
        assert!(matches!(
            sim.step(),
            Err(SimError::UnknownModel { id: 5, count: 1 })
        ));
    }

    /// Draws one number per tick from its own stream into the world.
    struct Drawer;
    impl Model<Vec<(String, u64)>, ()> for Drawer {
        fn init(&mut self, ctx: &mut Context<'_, Vec<(String, u64)>, ()>) -> SimResult<()> {
            let me = ctx.me();
            ctx.every(Periodic::every(SimDuration::from_hours(1)), me, ())?;
            Ok(())
        }
        fn handle(
            &mut self,
            _: (),
            ctx: &mut Context<'_, Vec<(String, u64)>, ()>,
        ) -> SimResult<()> {
            let x = ctx.rng().random::<u64>();
            let name = ctx.name().to_owned();
            ctx.world().push((name, x));
            Ok(())
        }
    }

    fn draws_of(names: &[&str], who: &str) -> Vec<u64> {
        let mut sim = Simulation::new(Vec::new(), 2026, 11);
        for n in names {
            sim.add_model(n, Drawer).unwrap();
        }
        sim.run_until(SimTime::from_hours(5)).unwrap();
        sim.world()
            .iter()
            .filter(|(n, _)| n == who)
            .map(|&(_, x)| x)
            .collect()
    }

    #[test]
    fn adding_a_model_does_not_change_another_models_draws() {
        let alone = draws_of(&["pv"], "pv");
        assert_eq!(alone.len(), 5);
        assert_eq!(alone, draws_of(&["wind", "pv", "ev-fleet"], "pv"));
        assert_eq!(alone, draws_of(&["ev-fleet", "pv"], "pv"));
        assert_ne!(alone, draws_of(&["pv", "wind"], "wind"));
    }
}
