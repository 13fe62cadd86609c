//! The live index of one catalog service: built on first use, rebuilt in the background when
//! the catalog's generation moves (see the [parent module](super)).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use yiwang_kernel::Result;
use yiwang_store::Db;

use super::{CHECK_EVERY, CatalogIndex};
use crate::repo;

/// The current index of one [`crate::CatalogService`] (shared by its clones) and its upkeep.
pub(crate) struct LiveIndex {
    db: Db,
    current: RwLock<Option<Arc<CatalogIndex>>>,
    /// Held while (re)building: one build at a time.
    building: tokio::sync::Mutex<()>,
    watching: AtomicBool,
}

impl fmt::Debug for LiveIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveIndex")
            .field("generation", &self.current().map(|i| i.generation))
            .finish_non_exhaustive()
    }
}

impl LiveIndex {
    pub(crate) fn new(db: Db) -> Arc<LiveIndex> {
        Arc::new(LiveIndex {
            db,
            current: RwLock::new(None),
            building: tokio::sync::Mutex::new(()),
            watching: AtomicBool::new(false),
        })
    }

    fn current(&self) -> Option<Arc<CatalogIndex>> {
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set(&self, index: Arc<CatalogIndex>) {
        match self.current.write() {
            Ok(mut g) => *g = Some(index),
            Err(poisoned) => *poisoned.into_inner() = Some(index),
        }
    }

    pub(crate) fn generation(&self) -> Option<i64> {
        self.current().map(|i| i.generation)
    }

    /// The index to search: the current one, or built now on first use.
    pub(crate) async fn get(self: &Arc<Self>) -> Result<Arc<CatalogIndex>> {
        if let Some(i) = self.current() {
            return Ok(i);
        }
        let _building = self.building.lock().await;
        if let Some(i) = self.current() {
            return Ok(i);
        }
        let i = Arc::new(CatalogIndex::load(&self.db).await?);
        self.set(i.clone());
        self.watch();
        Ok(i)
    }

    /// Rebuilds the index if the catalog's generation differs from the current index's.
    /// Nothing to do (false) when no index has been built yet. Searches keep using the
    /// previous index until the new one is swapped in.
    pub(crate) async fn refresh(&self) -> Result<bool> {
        if self.current().is_none() {
            return Ok(false);
        }
        let mut c = self.db.clone();
        let g = repo::catalog_generation(&mut c).await?;
        if self.current().is_some_and(|i| i.generation == g) {
            return Ok(false);
        }
        let _building = self.building.lock().await;
        // A rebuild that finished while we waited may already be at this generation.
        if self.current().is_some_and(|i| i.generation == g) {
            return Ok(false);
        }
        let i = CatalogIndex::load(&self.db).await?;
        self.set(Arc::new(i));
        Ok(true)
    }

    /// Starts the background task that checks the generation every [`CHECK_EVERY`]. It ends
    /// when the service and all its clones are dropped, or the database is closed.
    fn watch(self: &Arc<Self>) {
        if self.watching.swap(true, Ordering::SeqCst) {
            return;
        }
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(CHECK_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(live) = weak.upgrade() else {
                    break;
                };
                if live.db.is_closed() {
                    break;
                }
                if let Err(e) = live.refresh().await {
                    tracing::warn!(error = %e, "could not refresh the catalog search index");
                }
            }
        });
    }
}
