//! Islands and the role of each bus in a power flow (reference, PV, PQ, de-energised).
//!
//! Islands are the connected components of the graph of in-service buses joined by connected
//! branches (petgraph's union–find). Each island is solved on its own reference:
//!
//! - *energised* when it holds at least one connected generator; its reference buses are its
//!   type-3 buses that have a connected generator, else its first type-2 bus with one (in case
//!   order, as MATPOWER's `bustypes` picks a new slack), else the bus of its first connected
//!   generator;
//! - *de-energised* otherwise: its buses get no voltage, and its load is reported as unserved.
//!   That is an outcome, not an error.
//!
//! Bus roles follow MATPOWER's `bustypes`: a type-2 or type-3 bus without a connected
//! generator is solved as PQ.

use petgraph::unionfind::UnionFind;

use crate::case::BusType;
use crate::network::Network;

/// How a bus enters a power flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BusRole {
    /// Angle (and magnitude) fixed: the island's reference.
    Ref,
    /// Magnitude fixed by a generator, angle unknown.
    Pv,
    /// Both unknown.
    Pq,
    /// Not energised: out of service, or in an island without generation.
    Dead,
}

/// One island.
#[derive(Debug, Clone, PartialEq)]
pub struct Island {
    /// Its buses, ascending index.
    pub buses: Vec<usize>,
    /// Its reference buses (empty when de-energised).
    pub ref_buses: Vec<usize>,
    /// Whether it has a connected generator.
    pub energized: bool,
}

/// The islands of a network and the role of every bus.
#[derive(Debug, Clone, PartialEq)]
pub struct Topology {
    /// Island of each bus; `None` for out-of-service (type 4) buses.
    pub island_of_bus: Vec<Option<usize>>,
    /// Islands, ordered by their lowest bus index.
    pub islands: Vec<Island>,
    /// Role of each bus.
    pub role: Vec<BusRole>,
}

/// A [`Topology`] kept for as long as what it depends on — branch and generator in-service
/// flags, generator buses and bus types — is unchanged; solvers that solve one network many
/// times (time series, repeated solves) then skip the island search.
#[derive(Debug, Clone, Default)]
pub struct TopologyCache {
    br_in_service: Vec<bool>,
    gen_in_service: Vec<bool>,
    gen_bus: Vec<usize>,
    bus_type: Vec<BusType>,
    topo: Option<Topology>,
}

impl TopologyCache {
    /// The topology of `net` as it now is: the cached one if its inputs are unchanged.
    pub fn get(&mut self, net: &Network) -> &Topology {
        let same = self.br_in_service == net.br_in_service
            && self.gen_in_service == net.gen_in_service
            && self.gen_bus == net.gen_bus
            && self.bus_type == net.bus_type;
        if !same {
            self.br_in_service.clone_from(&net.br_in_service);
            self.gen_in_service.clone_from(&net.gen_in_service);
            self.gen_bus.clone_from(&net.gen_bus);
            self.bus_type.clone_from(&net.bus_type);
            self.topo = None;
        }
        self.topo.get_or_insert_with(|| Topology::analyze(net))
    }
}

impl Topology {
    /// Analyses the network as it now is (in-service flags, bus types, generators).
    pub fn analyze(net: &Network) -> Topology {
        let nb = net.n_bus();
        let mut uf = UnionFind::<usize>::new(nb);
        for k in 0..net.n_branch() {
            if net.branch_connected(k) {
                uf.union(net.br_from[k], net.br_to[k]);
            }
        }
        let mut has_gen = vec![false; nb];
        let mut first_gen_bus_of_root: Vec<Option<usize>> = vec![None; nb];
        for g in 0..net.n_gen() {
            if net.gen_connected(g) {
                let b = net.gen_bus[g];
                has_gen[b] = true;
                let r = uf.find(b);
                if first_gen_bus_of_root[r].is_none() {
                    first_gen_bus_of_root[r] = Some(b);
                }
            }
        }
        let mut island_of_root: Vec<Option<usize>> = vec![None; nb];
        let mut island_of_bus = vec![None; nb];
        let mut islands: Vec<Island> = Vec::new();
        for i in 0..nb {
            if net.bus_type[i] == BusType::Isolated {
                continue;
            }
            let r = uf.find(i);
            let id = *island_of_root[r].get_or_insert_with(|| {
                islands.push(Island {
                    buses: Vec::new(),
                    ref_buses: Vec::new(),
                    energized: false,
                });
                islands.len() - 1
            });
            islands[id].buses.push(i);
            island_of_bus[i] = Some(id);
        }
        let mut role = vec![BusRole::Dead; nb];
        for isl in islands.iter_mut() {
            let root = uf.find(isl.buses[0]);
            let Some(first_gen_bus) = first_gen_bus_of_root[root] else {
                continue;
            };
            isl.energized = true;
            for &i in &isl.buses {
                role[i] = match (net.bus_type[i], has_gen[i]) {
                    (BusType::Ref, true) => BusRole::Ref,
                    (BusType::Pv, true) => BusRole::Pv,
                    _ => BusRole::Pq,
                };
            }
            isl.ref_buses = isl
                .buses
                .iter()
                .copied()
                .filter(|&i| role[i] == BusRole::Ref)
                .collect();
            if isl.ref_buses.is_empty() {
                let new_ref = isl
                    .buses
                    .iter()
                    .copied()
                    .find(|&i| role[i] == BusRole::Pv)
                    .unwrap_or(first_gen_bus);
                role[new_ref] = BusRole::Ref;
                isl.ref_buses.push(new_ref);
            }
        }
        Topology {
            island_of_bus,
            islands,
            role,
        }
    }

    /// Number of energised islands.
    pub fn n_energized(&self) -> usize {
        self.islands.iter().filter(|i| i.energized).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matpower;

    fn case9() -> Network {
        let case = matpower::parse_str(include_str!("../cases/matpower/case9.m"), "case9.m")
            .expect("case9 parses");
        Network::from_case(&case).expect("case9 compiles")
    }

    #[test]
    fn case9_is_one_energized_island_with_ref_bus_1() {
        let t = Topology::analyze(&case9());
        assert_eq!(t.islands.len(), 1);
        assert!(t.islands[0].energized);
        assert_eq!(t.islands[0].ref_buses, vec![0]);
        assert_eq!(t.role[1], BusRole::Pv);
        assert_eq!(t.role[4], BusRole::Pq);
    }

    #[test]
    fn island_without_generation_is_dead_not_an_error() {
        let mut net = case9();
        // Buses 5 (idx 4) connects via branches 4-5 (k=1) and 5-6 (k=2): cut both.
        net.br_in_service[1] = false;
        net.br_in_service[2] = false;
        let t = Topology::analyze(&net);
        assert_eq!(t.islands.len(), 2);
        assert_eq!(t.role[4], BusRole::Dead);
        assert_eq!(t.n_energized(), 1);
    }

    #[test]
    fn island_without_ref_picks_first_pv_bus() {
        let mut net = case9();
        // Cut bus 2 (gen, idx 1) off with its line 8-2 (k=6): it forms its own island.
        net.br_in_service[6] = false;
        let t = Topology::analyze(&net);
        assert_eq!(t.islands.len(), 2);
        let isl = &t.islands[t.island_of_bus[1].expect("bus 2 in service")];
        assert_eq!(isl.ref_buses, vec![1]);
        assert_eq!(t.role[1], BusRole::Ref);
    }
}
