//! Execution order: a topological sort of the steps by their dependencies,
//! which among the steps that are free to run prefers the lowest sort key
//! (phase, then the type's restore rank), then the order the planner made them
//! in. So a plan reads type by type, and a dependency the ranks alone would
//! get wrong still comes first.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One step as the sort sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    /// Lower runs first when nothing else decides.
    pub key: (u8, i32),
    /// Indices of the nodes that must run first.
    pub deps: Vec<usize>,
}

/// The nodes' indices in execution order, or the indices of one cycle
/// (each depending on the next, the last on the first) when there is none.
pub(crate) fn sort(nodes: &[Node]) -> Result<Vec<usize>, Vec<usize>> {
    let n = nodes.len();
    let mut waiting = vec![0usize; n];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, node) in nodes.iter().enumerate() {
        let mut deps = node.deps.clone();
        deps.sort_unstable();
        deps.dedup();
        for d in deps.into_iter().filter(|&d| d < n) {
            waiting[i] += 1;
            dependents[d].push(i);
        }
    }
    let mut ready: BinaryHeap<Reverse<((u8, i32), usize)>> = (0..n)
        .filter(|&i| waiting[i] == 0)
        .map(|i| Reverse((nodes[i].key, i)))
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse((_, i))) = ready.pop() {
        order.push(i);
        for &j in &dependents[i] {
            waiting[j] -= 1;
            if waiting[j] == 0 {
                ready.push(Reverse((nodes[j].key, j)));
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    Err(find_cycle(nodes, &waiting))
}

/// A cycle among the nodes still waiting: walk dependencies that are still
/// waiting until a node repeats. Every waiting node has a waiting dependency,
/// so the walk cannot stop short.
fn find_cycle(nodes: &[Node], waiting: &[usize]) -> Vec<usize> {
    let Some(start) = (0..nodes.len()).find(|&i| waiting[i] > 0) else {
        return Vec::new();
    };
    let mut path = vec![start];
    let mut seen = vec![usize::MAX; nodes.len()];
    seen[start] = 0;
    let mut current = start;
    loop {
        let Some(&next) = nodes[current]
            .deps
            .iter()
            .find(|&&d| d < nodes.len() && waiting[d] > 0)
        else {
            return path;
        };
        if seen[next] != usize::MAX {
            return path.split_off(seen[next]);
        }
        seen[next] = path.len();
        path.push(next);
        current = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(phase: u8, rank: i32, deps: &[usize]) -> Node {
        Node {
            key: (phase, rank),
            deps: deps.to_vec(),
        }
    }

    #[test]
    fn ranks_order_free_steps_and_dependencies_win() {
        let nodes = [
            node(0, 160, &[]), // a policy
            node(0, 10, &[]),  // a named location
            node(1, 50, &[]),  // a link
            node(0, 5, &[2]),  // low rank, but waits for the link
        ];
        assert_eq!(sort(&nodes), Ok(vec![1, 0, 2, 3]));
    }

    #[test]
    fn a_self_dependency_is_a_cycle_of_one() {
        let nodes = [node(0, 1, &[]), node(0, 1, &[1])];
        assert_eq!(sort(&nodes), Err(vec![1]));
    }

    #[test]
    fn equal_keys_keep_planner_order() {
        let nodes: Vec<Node> = (0..5).map(|_| node(0, 40, &[])).collect();
        assert_eq!(sort(&nodes), Ok(vec![0, 1, 2, 3, 4]));
        assert_eq!(sort(&[]), Ok(vec![]));
    }

    #[test]
    fn a_cycle_is_reported_with_its_members_only() {
        // 0 is free; 1 -> 2 -> 3 -> 1 is the cycle; 4 waits on the cycle.
        let nodes = [
            node(0, 1, &[]),
            node(0, 1, &[2, 0]),
            node(0, 1, &[3]),
            node(0, 1, &[1]),
            node(0, 1, &[3]),
        ];
        let mut cycle = sort(&nodes).unwrap_err();
        assert_eq!(cycle.len(), 3);
        cycle.sort();
        assert_eq!(cycle, [1, 2, 3]);
    }
}
