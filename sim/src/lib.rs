//! gridsim-sim: the generic discrete-event simulation kernel (time, event queue, random streams,
//! recorder). It knows nothing of buses, MW or solvers. Built under the co-simulation issue;
//! this crate is reserved in the workspace so the dependency direction is fixed from the start.
