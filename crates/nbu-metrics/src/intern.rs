//! String interning for the job store: label values are few and repeat across millions of jobs.

use crate::hash::FastMap;

/// The id of an interned string.
pub(crate) type Sym = u32;

/// Maps strings to dense `u32` ids and back. Ids are never reused or freed: the set of distinct
/// label values (job types, policy names, clients, status codes) is bounded by the NetBackup
/// configuration, not by the number of jobs.
#[derive(Debug, Default, Clone)]
pub(crate) struct Interner {
    ids: FastMap<Box<str>, Sym>,
    names: Vec<Box<str>>,
}

impl Interner {
    /// The id of `value`, interning it on first sight.
    pub(crate) fn intern(&mut self, value: &str) -> Sym {
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        // Four billion distinct label values cannot fit in memory anyway; saturating keeps this
        // total without a panic path.
        let id = Sym::try_from(self.names.len()).unwrap_or(Sym::MAX);
        self.names.push(value.into());
        self.ids.insert(value.into(), id);
        id
    }

    /// The id of `value` if it was interned.
    pub(crate) fn get(&self, value: &str) -> Option<Sym> {
        self.ids.get(value).copied()
    }

    /// The string behind `id` (empty for an id this interner never returned).
    pub(crate) fn resolve(&self, id: Sym) -> &str {
        self.names.get(id as usize).map_or("", |name| name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_idempotent_and_reversible() {
        let mut interner = Interner::default();
        let backup = interner.intern("BACKUP");
        let restore = interner.intern("RESTORE");
        assert_ne!(backup, restore);
        assert_eq!(interner.intern("BACKUP"), backup);
        assert_eq!(interner.resolve(restore), "RESTORE");
        assert_eq!(interner.get("RESTORE"), Some(restore));
        assert_eq!(interner.get("DUPLICATE"), None);
        assert_eq!(interner.resolve(999), "");
    }
}
