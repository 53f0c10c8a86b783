//! Reaching a Jira status when no transition leads there directly.
//!
//! Jira only moves an issue along its workflow's transitions, and only lists those available
//! from the current status (`GET issue/{id}/transitions`). The engine learns the workflow as
//! it goes (per issue type and status, shared by every item of the pass) and picks each hop
//! with [`next_hop`]: a direct transition if there is one, else the first hop of the shortest
//! known path, else a step into a status it has not explored yet, preferring the target's
//! category (e.g. To Do -> In Progress on the way to Done in a workflow that needs two hops).

use std::collections::{HashMap, HashSet, VecDeque};

use parking_lot::Mutex;
use tandem_connector::{StateCategory, Transition};

/// The transitions seen so far, by (issue type, status), lower-cased.
#[derive(Debug, Default)]
pub struct WorkflowCache {
    edges: Mutex<HashMap<(String, String), Vec<Transition>>>,
}

fn key(item_type: &str, state: &str) -> (String, String) {
    (item_type.to_lowercase(), state.to_lowercase())
}

impl WorkflowCache {
    /// The transitions out of `state`, if known.
    pub fn get(&self, item_type: &str, state: &str) -> Option<Vec<Transition>> {
        self.edges.lock().get(&key(item_type, state)).cloned()
    }

    /// Remembers the transitions out of `state`.
    pub fn put(&self, item_type: &str, state: &str, transitions: Vec<Transition>) {
        self.edges.lock().insert(key(item_type, state), transitions);
    }

    /// Forgets `state` (a cached transition was refused: the workflow changed).
    pub fn forget(&self, item_type: &str, state: &str) {
        self.edges.lock().remove(&key(item_type, state));
    }

    /// The known graph of one issue type.
    pub fn graph(&self, item_type: &str) -> HashMap<String, Vec<Transition>> {
        let t = item_type.to_lowercase();
        self.edges
            .lock()
            .iter()
            .filter(|((ty, _), _)| *ty == t)
            .map(|((_, s), v)| (s.clone(), v.clone()))
            .collect()
    }
}

fn rank(c: StateCategory) -> u8 {
    match c {
        StateCategory::ToDo => 0,
        StateCategory::InProgress => 1,
        StateCategory::Resolved => 2,
        StateCategory::Done | StateCategory::Removed => 3,
        StateCategory::Unknown => 1,
    }
}

/// Chooses the next transition from `current` (whose outgoing transitions are `out`) towards
/// `target`. `known` is the learned graph (lower-cased status -> transitions); `visited` the
/// statuses this item has already been in on the way (never entered again).
#[must_use]
pub fn next_hop<'t>(
    out: &'t [Transition],
    known: &HashMap<String, Vec<Transition>>,
    target: &str,
    target_category: Option<StateCategory>,
    visited: &HashSet<String>,
) -> Option<&'t Transition> {
    let is_target = |t: &Transition| t.to.name.eq_ignore_ascii_case(target);
    if let Some(t) = out.iter().find(|t| is_target(t)) {
        return Some(t);
    }
    let fresh = |t: &&Transition| !visited.contains(&t.to.name.to_lowercase());
    // Shortest known path: breadth-first from each first hop.
    let mut best: Option<(usize, &Transition)> = None;
    for first in out.iter().filter(fresh) {
        let start = first.to.name.to_lowercase();
        let mut seen: HashSet<String> = visited.clone();
        seen.insert(start.clone());
        let mut queue = VecDeque::from([(start, 1usize)]);
        while let Some((state, depth)) = queue.pop_front() {
            if best.is_some_and(|(d, _)| d <= depth) {
                break;
            }
            let Some(edges) = known.get(&state) else {
                continue;
            };
            if edges.iter().any(&is_target) {
                best = Some((depth + 1, first));
                break;
            }
            for e in edges {
                let next = e.to.name.to_lowercase();
                if seen.insert(next.clone()) {
                    queue.push_back((next, depth + 1));
                }
            }
        }
    }
    if let Some((_, t)) = best {
        return Some(t);
    }
    // Explore: an unvisited status whose outgoing transitions are unknown, closest in
    // category to the target first.
    let goal = target_category.map_or(1, rank);
    out.iter()
        .filter(fresh)
        .filter(|t| !known.contains_key(&t.to.name.to_lowercase()))
        .min_by_key(|t| rank(t.to.category).abs_diff(goal))
}

#[cfg(test)]
mod tests {
    use tandem_connector::State;

    use super::*;

    fn t(id: &str, to: &str, c: StateCategory) -> Transition {
        Transition {
            id: id.into(),
            name: format!("to {to}"),
            to: State {
                name: to.into(),
                category: c,
            },
            required_fields: Vec::new(),
        }
    }

    /// The demo's software workflow: To Do -> In Progress -> (In Review) -> Done.
    fn demo(from: &str) -> Vec<Transition> {
        use StateCategory::*;
        match from {
            "to do" => vec![t("11", "In Progress", InProgress)],
            "in progress" => vec![
                t("21", "In Review", InProgress),
                t("31", "Done", Done),
                t("41", "To Do", ToDo),
            ],
            "in review" => vec![t("31", "Done", Done), t("41", "To Do", ToDo)],
            "done" => vec![t("51", "To Do", ToDo)],
            _ => Vec::new(),
        }
    }

    /// Walks from `from` to `to`, learning the graph like the engine does.
    fn walk(known: &mut HashMap<String, Vec<Transition>>, from: &str, to: &str) -> Vec<String> {
        let mut current = from.to_lowercase();
        let mut visited = HashSet::from([current.clone()]);
        let mut path = Vec::new();
        for _ in 0..8 {
            if current == to.to_lowercase() {
                return path;
            }
            let out = demo(&current);
            known.insert(current.clone(), out.clone());
            let Some(hop) = next_hop(&out, known, to, Some(StateCategory::Done), &visited) else {
                break;
            };
            path.push(hop.id.clone());
            current = hop.to.name.to_lowercase();
            visited.insert(current.clone());
        }
        if current == to.to_lowercase() {
            path
        } else {
            vec!["unreachable".into()]
        }
    }

    #[test]
    fn finds_multi_hop_paths_and_learns_the_workflow() {
        let mut known = HashMap::new();
        assert_eq!(walk(&mut known, "To Do", "Done"), ["11", "31"]);
        assert_eq!(walk(&mut known, "Done", "In Review"), ["51", "11", "21"]);
        assert_eq!(walk(&mut known, "In Review", "To Do"), ["41"]);
        assert_eq!(walk(&mut known, "To Do", "Nowhere"), ["unreachable"]);
    }
}
