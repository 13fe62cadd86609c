//! Paging parameters shared by every list.

use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldError};

/// Largest page a caller may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Page size when the caller does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// A validated page request (1-based page number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub page: u32,
    pub size: u32,
}

impl Default for Page {
    fn default() -> Self {
        Page {
            page: 1,
            size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl Page {
    /// Validates optional page and size values from a request.
    pub fn new(page: Option<u32>, size: Option<u32>) -> Result<Page, Error> {
        let page = page.unwrap_or(1);
        let size = size.unwrap_or(DEFAULT_PAGE_SIZE);
        let mut errors = Vec::new();
        if page == 0 || page > 100_000 {
            errors.push(FieldError::range("page", 1, 100_000));
        }
        if size == 0 || size > MAX_PAGE_SIZE {
            errors.push(FieldError::range("size", 1, i64::from(MAX_PAGE_SIZE)));
        }
        if errors.is_empty() {
            Ok(Page { page, size })
        } else {
            Err(Error::validation(errors))
        }
    }

    pub fn limit(&self) -> i64 {
        i64::from(self.size)
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.size)
    }
}

/// One page of results with the total count.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub size: u32,
}

impl<T> Paged<T> {
    pub fn pages(&self) -> i64 {
        if self.size == 0 {
            0
        } else {
            (self.total + i64::from(self.size) - 1) / i64::from(self.size)
        }
    }
}
