//! The kinds of model a scenario may name.

use std::sync::Arc;

use super::ModelKind;

/// The kinds of model a scenario may name, in the order they were
/// registered (the order messages list them in). Cheap to clone.
#[derive(Clone, Default)]
pub struct Registry {
    kinds: Vec<Arc<dyn ModelKind>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Registry {
    /// No kinds at all.
    pub fn new() -> Self {
        Registry::default()
    }
    /// Adds `kind` (a kind of the same name is replaced).
    pub fn register(&mut self, kind: impl ModelKind) -> &mut Self {
        let kind: Arc<dyn ModelKind> = Arc::new(kind);
        self.kinds.retain(|k| k.name() != kind.name());
        self.kinds.push(kind);
        self
    }
    /// The same registry with `kind` added.
    pub fn with(mut self, kind: impl ModelKind) -> Self {
        self.register(kind);
        self
    }
    /// The kind named `name`.
    pub fn get(&self, name: &str) -> Option<&dyn ModelKind> {
        self.kinds
            .iter()
            .find(|k| k.name() == name)
            .map(|k| k.as_ref())
    }
    /// Every kind, in registration order.
    pub fn kinds(&self) -> impl Iterator<Item = &dyn ModelKind> {
        self.kinds.iter().map(|k| k.as_ref())
    }
    /// Every kind's name, in registration order.
    pub fn names(&self) -> Vec<&'static str> {
        self.kinds.iter().map(|k| k.name()).collect()
    }
    /// The kind that owns the top-level table `section`, if any.
    pub fn owner_of(&self, section: &str) -> Option<&dyn ModelKind> {
        self.kinds().find(|k| k.sections().contains(&section))
    }
}
