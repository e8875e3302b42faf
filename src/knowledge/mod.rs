//! The knowledge base: loading and validating knowledge/, the tantivy search index over it, and the
//! answer cards built from its entries.

pub mod analysis;
pub mod card;
pub mod courses;
pub mod examples;
pub mod index;
pub mod load;
pub mod matcher;
pub mod model;
pub mod offices;
pub mod ranker;
pub mod training;

use std::path::Path;
use std::sync::Arc;

use crate::lang::Lang;
pub use courses::{Course, CourseCatalog, CourseQuery};
pub use offices::OfficeDirectory;

pub use index::{IndexError, SearchHit, SearchIndex, SearchResults};
pub use load::{LoadError, Problem, load_dir};
pub use model::{KnowledgeBase, Office, Service};

/// The knowledge base together with its search index: what the engine and the HTTP API search.
pub struct Knowledge {
    /// The validated entries.
    pub base: Arc<KnowledgeBase>,
    /// The index over them.
    pub index: SearchIndex,
    /// The answer ranker: the index, the example questions and the learned model together.
    pub ranker: ranker::Ranker,
    /// The Volkshochschule's courses, searchable.
    pub courses: CourseCatalog,
    /// The offices, findable by name, district and kind.
    pub offices: OfficeDirectory,
    /// The appointment calendar (appointments.toml).
    pub schedule: Arc<crate::booking::Schedule>,
    /// The problem report categories (reports.toml).
    pub categories: Arc<crate::reports::Categories>,
    /// Certificate kinds, delivery and fees (certificates.toml; none: no certificate orders).
    pub certificates: Option<Arc<crate::certificates::Certificates>>,
}

/// Knowledge could not be made ready.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    /// Loading or validating knowledge/ failed.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Building the index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The appointment calendar, the report categories or the certificate fees are invalid.
    #[error("knowledge data files have problems:\n{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Schedule(Vec<Problem>),
    /// The ranker's model (ranker.toml) does not fit this code.
    #[error("{0}")]
    Ranker(String),
}

/// The file of the ranker's learned model, in the knowledge directory.
pub const RANKER_FILE: &str = "ranker.toml";

impl Knowledge {
    /// Loads knowledge/ from `dir` and indexes it (in RAM, or in `index_dir`).
    pub fn open(dir: &Path, index_dir: Option<&Path>) -> Result<Knowledge, KnowledgeError> {
        Knowledge::open_with(dir, index_dir, true)
    }

    /// The same; `learned: false` leaves the ranker's model out (to train a new one).
    pub fn open_with(
        dir: &Path,
        index_dir: Option<&Path>,
        learned: bool,
    ) -> Result<Knowledge, KnowledgeError> {
        let base = Arc::new(load_dir(dir)?);
        // The index and the neighbours are built side by side (two cores: start-up stays short).
        let (index, neighbours) = std::thread::scope(|scope| {
            let neighbours = scope.spawn(|| ranker::Neighbours::build(&base));
            let index = SearchIndex::build(&base, index_dir);
            (index, neighbours.join())
        });
        let index = index?;
        let neighbours = neighbours.map_err(|_| {
            KnowledgeError::Ranker("building the example questions' vectors failed".into())
        })?;
        let model_path = dir.join(RANKER_FILE);
        let model = if !learned {
            None
        } else if model_path.exists() {
            Some(ranker::Model::load(&model_path).map_err(KnowledgeError::Ranker)?)
        } else {
            tracing::warn!(
                "no {RANKER_FILE} in the knowledge directory: answers are ranked without the learned model (run `auskunft train`)"
            );
            None
        };
        let ranker = ranker::Ranker { neighbours, model };
        let german = base.lexicons.get(&Lang::De).cloned().unwrap_or_default();
        let courses = CourseCatalog::new(base.courses.clone(), &german);
        let offices = OfficeDirectory::new(&base.offices, &base.lexicons);
        let schedule =
            crate::booking::Schedule::load(dir, &base).map_err(KnowledgeError::Schedule)?;
        let categories = crate::reports::Categories::load(dir).map_err(KnowledgeError::Schedule)?;
        let certificates =
            crate::certificates::Certificates::load(dir).map_err(KnowledgeError::Schedule)?;
        Ok(Knowledge {
            base,
            index,
            ranker,
            courses,
            offices,
            schedule: Arc::new(schedule),
            categories: Arc::new(categories),
            certificates: certificates.map(Arc::new),
        })
    }
}

impl Knowledge {
    /// Searches a question with the ranker: candidates from the index and the example questions, each
    /// with its probability, best first (`preferred` wins ties between languages).
    pub fn search(
        &self,
        question: &str,
        preferred: Lang,
        limit: usize,
    ) -> Result<SearchResults, IndexError> {
        self.ranker
            .rank(&self.base, &self.index, question, preferred, limit)
    }
}
