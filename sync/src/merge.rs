//! The conflict rule, shared by the server and every client so they reach the same state.
//!
//! A row has a causal length `cl` (odd = live, even = deleted) and a hybrid-logical-clock stamp
//! per field. Applying a mutation:
//! - higher `cl` wins: a delete (even) beats a concurrent edit of the same life; a restore (the
//!   next odd number) beats the delete. A new life starts from the mutation's fields alone.
//! - at equal `cl`, each field takes the value with the greater stamp (physical ms, counter,
//!   node id), so the result does not depend on the order mutations arrive in.
//! - whatever loses is reported, so the server can keep it as a conflict record.

use std::collections::BTreeMap;

use ehealth_contracts::Fields;
use serde_json::Value;

use crate::hlc::Hlc;

/// Field name used in a [`Loss`] when a whole mutation lost (e.g. an edit of a deleted row).
pub const WHOLE_ROW: &str = "_row";

/// The mergeable state of one row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RowState {
    pub cl: i64,
    pub fields: Fields,
    pub stamps: BTreeMap<String, Hlc>,
    /// The version of the row's last change (server-assigned; 0 before the server saw it).
    pub version: i64,
}

impl RowState {
    pub fn is_live(&self) -> bool {
        self.cl % 2 == 1
    }
}

/// A mutation as the merge sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming<'a> {
    pub cl: i64,
    pub set: &'a Fields,
    pub hlc: &'a Hlc,
    pub base_version: Option<i64>,
}

/// A value that lost: the incoming one (`incoming_lost`), or an existing one overwritten by a
/// concurrent incoming value.
#[derive(Debug, Clone, PartialEq)]
pub struct Loss {
    pub field: String,
    pub losing_value: Value,
    pub losing_hlc: Hlc,
    pub winning_value: Value,
    pub winning_hlc: Hlc,
    pub incoming_lost: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MergeOutcome {
    pub state: RowState,
    /// False when the mutation changed nothing (it lost, or was already applied).
    pub changed: bool,
    pub losses: Vec<Loss>,
}

pub fn merge(current: Option<&RowState>, m: &Incoming<'_>) -> MergeOutcome {
    let new_life = |cl: i64| {
        let live = cl % 2 == 1;
        RowState {
            cl,
            fields: if live { m.set.clone() } else { Fields::new() },
            stamps: if live {
                m.set.keys().map(|k| (k.clone(), m.hlc.clone())).collect()
            } else {
                BTreeMap::new()
            },
            version: current.map(|c| c.version).unwrap_or(0),
        }
    };
    let Some(cur) = current else {
        return MergeOutcome {
            state: new_life(m.cl),
            changed: true,
            losses: Vec::new(),
        };
    };
    if m.cl > cur.cl {
        return MergeOutcome {
            state: new_life(m.cl),
            changed: true,
            losses: Vec::new(),
        };
    }
    if m.cl < cur.cl {
        return MergeOutcome {
            state: cur.clone(),
            changed: false,
            losses: whole_mutation_lost(cur, m),
        };
    }
    if !cur.is_live() {
        // Both deleted in the same life: nothing to do.
        return MergeOutcome {
            state: cur.clone(),
            changed: false,
            losses: Vec::new(),
        };
    }
    merge_fields(cur, m)
}

/// Same life, both live: each field keeps the value with the later stamp; a field the
/// incoming mutation overwrote while it was concurrent with another device's write is a loss
/// of that other value.
fn merge_fields(cur: &RowState, m: &Incoming<'_>) -> MergeOutcome {
    let mut state = cur.clone();
    let mut changed = false;
    let mut losses = Vec::new();
    let concurrent = m.base_version.is_some_and(|b| b < cur.version);
    for (field, value) in m.set {
        match cur.stamps.get(field) {
            Some(stamp) if stamp == m.hlc => {}
            Some(stamp) if stamp > m.hlc => losses.push(Loss {
                field: field.clone(),
                losing_value: value.clone(),
                losing_hlc: m.hlc.clone(),
                winning_value: cur.fields.get(field).cloned().unwrap_or(Value::Null),
                winning_hlc: stamp.clone(),
                incoming_lost: true,
            }),
            existing => {
                let old = cur.fields.get(field).cloned().unwrap_or(Value::Null);
                if let Some(stamp) = existing
                    && concurrent
                    && stamp.node != m.hlc.node
                    && &old != value
                {
                    losses.push(Loss {
                        field: field.clone(),
                        losing_value: old,
                        losing_hlc: stamp.clone(),
                        winning_value: value.clone(),
                        winning_hlc: m.hlc.clone(),
                        incoming_lost: false,
                    });
                }
                state.fields.insert(field.clone(), value.clone());
                state.stamps.insert(field.clone(), m.hlc.clone());
                changed = true;
            }
        }
    }
    MergeOutcome {
        state,
        changed,
        losses,
    }
}

fn whole_mutation_lost(cur: &RowState, m: &Incoming<'_>) -> Vec<Loss> {
    let winning_hlc = cur
        .stamps
        .values()
        .max()
        .cloned()
        .unwrap_or_else(|| m.hlc.clone());
    if m.cl % 2 == 0 || m.set.is_empty() {
        return vec![Loss {
            field: WHOLE_ROW.to_owned(),
            losing_value: Value::String(if m.cl % 2 == 0 { "delete" } else { "edit" }.to_owned()),
            losing_hlc: m.hlc.clone(),
            winning_value: Value::String(if cur.is_live() { "live" } else { "deleted" }.to_owned()),
            winning_hlc,
            incoming_lost: true,
        }];
    }
    m.set
        .iter()
        .map(|(field, value)| Loss {
            field: field.clone(),
            losing_value: value.clone(),
            losing_hlc: m.hlc.clone(),
            winning_value: cur.fields.get(field).cloned().unwrap_or(Value::Null),
            winning_hlc: cur
                .stamps
                .get(field)
                .cloned()
                .unwrap_or_else(|| winning_hlc.clone()),
            incoming_lost: true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn fields(pairs: &[(&str, i64)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect()
    }

    fn apply(state: Option<RowState>, cl: i64, set: &Fields, hlc: &Hlc) -> RowState {
        merge(
            state.as_ref(),
            &Incoming {
                cl,
                set,
                hlc,
                base_version: None,
            },
        )
        .state
    }

    #[test]
    fn a_delete_beats_a_concurrent_edit_and_a_restore_beats_the_delete() {
        let created = apply(None, 1, &fields(&[("systolic", 120)]), &Hlc::new(1, 0, "a"));
        let deleted = apply(
            Some(created.clone()),
            2,
            &Fields::new(),
            &Hlc::new(2, 0, "a"),
        );
        // An edit of life 1 made later on another device still loses to the delete.
        let out = merge(
            Some(&deleted),
            &Incoming {
                cl: 1,
                set: &fields(&[("systolic", 130)]),
                hlc: &Hlc::new(9, 0, "b"),
                base_version: None,
            },
        );
        assert!(!out.changed && !out.state.is_live());
        assert_eq!(out.losses.len(), 1);
        assert!(out.losses[0].incoming_lost);
        let restored = apply(
            Some(deleted),
            3,
            &fields(&[("systolic", 125)]),
            &Hlc::new(3, 0, "a"),
        );
        assert!(restored.is_live());
        assert_eq!(restored.fields, fields(&[("systolic", 125)]));
    }

    #[test]
    fn at_equal_length_each_field_takes_the_later_stamp() {
        let s = apply(
            None,
            1,
            &fields(&[("systolic", 120), ("diastolic", 80)]),
            &Hlc::new(1, 0, "a"),
        );
        let out = merge(
            Some(&s),
            &Incoming {
                cl: 1,
                set: &fields(&[("systolic", 110)]),
                hlc: &Hlc::new(0, 5, "b"),
                base_version: None,
            },
        );
        assert!(!out.changed);
        assert_eq!(out.losses[0].field, "systolic");
        let s = apply(
            Some(s),
            1,
            &fields(&[("diastolic", 70)]),
            &Hlc::new(2, 0, "b"),
        );
        assert_eq!(s.fields, fields(&[("systolic", 120), ("diastolic", 70)]));
    }

    #[test]
    fn reapplying_the_same_mutation_changes_nothing() {
        let set = fields(&[("systolic", 120)]);
        let h = Hlc::new(1, 0, "a");
        let s = apply(None, 1, &set, &h);
        let out = merge(
            Some(&s),
            &Incoming {
                cl: 1,
                set: &set,
                hlc: &h,
                base_version: None,
            },
        );
        assert!(!out.changed && out.losses.is_empty());
    }

    #[test]
    fn overwriting_a_concurrent_value_from_another_device_is_reported() {
        let mut s = apply(None, 1, &fields(&[("systolic", 120)]), &Hlc::new(1, 0, "a"));
        s.version = 7;
        let out = merge(
            Some(&s),
            &Incoming {
                cl: 1,
                set: &fields(&[("systolic", 140)]),
                hlc: &Hlc::new(5, 0, "b"),
                base_version: Some(3),
            },
        );
        assert!(out.changed);
        assert_eq!(out.losses.len(), 1);
        assert!(!out.losses[0].incoming_lost);
        assert_eq!(out.losses[0].losing_value, json!(120));
        // Having seen version 7, it is an ordinary edit.
        let out = merge(
            Some(&s),
            &Incoming {
                cl: 1,
                set: &fields(&[("systolic", 140)]),
                hlc: &Hlc::new(5, 0, "b"),
                base_version: Some(7),
            },
        );
        assert!(out.losses.is_empty());
    }

    fn arb_mutation() -> impl Strategy<Value = (i64, Vec<(String, i64)>, Hlc)> {
        (
            1i64..5,
            prop::collection::vec((prop::sample::select(vec!["a", "b", "c"]), 0i64..5), 0..3),
            (
                0u64..6,
                0u32..2,
                prop::sample::select(vec!["d1", "d2", "d3"]),
            ),
        )
            .prop_map(|(cl, set, (p, l, n))| {
                (
                    cl,
                    set.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
                    Hlc::new(p, l, n),
                )
            })
    }

    proptest! {
        /// Every replica that sees the same mutations, in any order, ends in the same state.
        #[test]
        fn the_result_does_not_depend_on_arrival_order(
            muts in prop::collection::vec(arb_mutation(), 1..8),
            seed in any::<u64>(),
        ) {
            // Within one node's stream stamps are distinct; make them unique overall.
            let muts: Vec<_> = muts
                .into_iter()
                .enumerate()
                .map(|(i, (cl, set, h))| {
                    let set: Fields = set.into_iter().map(|(k, v)| (k, json!(v))).collect();
                    let set = if cl % 2 == 0 { Fields::new() } else { set };
                    (cl, set, Hlc::new(h.physical_ms, i as u32, h.node))
                })
                .collect();
            let run = |order: &[usize]| {
                let mut state: Option<RowState> = None;
                for &i in order {
                    let (cl, set, h) = &muts[i];
                    state = Some(apply(state, *cl, set, h));
                }
                state
            };
            let forward: Vec<usize> = (0..muts.len()).collect();
            let mut shuffled = forward.clone();
            let mut x = seed;
            for i in (1..shuffled.len()).rev() {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (x >> 33) as usize % (i + 1));
            }
            let (a, b) = (run(&forward), run(&shuffled));
            prop_assert_eq!(a.map(|s| (s.cl, s.fields, s.stamps)), b.map(|s| (s.cl, s.fields, s.stamps)));
        }
    }
}
