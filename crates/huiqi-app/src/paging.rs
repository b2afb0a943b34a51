//! Paged lists, one way for every list page (企业库, 推送名单): the page sizes a viewer may
//! choose, the check of the size asked for, and which rows a page is (a page past the end shows
//! the last one).

use crate::AppError;

/// The page sizes a viewer may choose.
pub const PAGE_SIZES: [usize; 3] = [50, 100, 200];

/// The page size unless another is asked for.
pub const DEFAULT_PER_PAGE: usize = 100;

/// The page size asked for (0: [`DEFAULT_PER_PAGE`]), or a Chinese error listing the choices.
pub fn per_page(asked: usize) -> Result<usize, AppError> {
    match asked {
        0 => Ok(DEFAULT_PER_PAGE),
        n if PAGE_SIZES.contains(&n) => Ok(n),
        n => Err(AppError::invalid(
            "bad_per_page",
            format!(
                "每页条数“{n}”无效；可选：{}",
                PAGE_SIZES.map(|p| p.to_string()).join("、")
            ),
        )),
    }
}

/// One page of a list of `total` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub total: usize,
    /// The page shown, from 1, at most `pages`.
    pub page: usize,
    /// At least 1 (an empty list has one empty page).
    pub pages: usize,
    pub per_page: usize,
}

impl Paging {
    /// The page `wanted` (0 or 1: the first; past the end: the last) of `total` rows.
    pub fn new(total: usize, wanted: usize, per_page: usize) -> Paging {
        let per_page = per_page.max(1);
        let pages = total.div_ceil(per_page).max(1);
        Paging {
            total,
            page: wanted.clamp(1, pages),
            pages,
            per_page,
        }
    }

    /// The index of the page's first row.
    pub fn offset(&self) -> usize {
        (self.page - 1) * self.per_page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_sizes_and_the_last_page() {
        assert_eq!(per_page(0).unwrap(), 100);
        assert_eq!(per_page(200).unwrap(), 200);
        let e = per_page(7).unwrap_err().to_string();
        assert!(e.contains("“7”") && e.contains("50、100、200"), "{e}");
        let p = Paging::new(0, 3, 50);
        assert_eq!((p.page, p.pages, p.offset()), (1, 1, 0));
        let p = Paging::new(101, 2, 50);
        assert_eq!((p.page, p.pages, p.offset()), (2, 3, 50));
        // Past the end: the last page.
        let p = Paging::new(101, 9, 50);
        assert_eq!((p.page, p.offset()), (3, 100));
    }
}
