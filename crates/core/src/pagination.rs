//! The runtime of the generated `stream()` methods: walks a paginated list operation page by page.
//!
//! The generation pass `paginate_list_operations` (build-support) gives each list operation it
//! recognizes a `stream()` on its request builder. That method hands [`paginate`] the builder and
//! a closure that sends one page and says where the next one starts, computed by [`next_offset`],
//! [`next_page`] or [`next_cursor`]. Pages are fetched lazily, one request when the consumer wants
//! an item past the ones already received.
//!
//! - The stream ends exactly at the end, without an extra request: an empty page, a total reached,
//!   a page shorter than the page size (when no total is known), no next cursor.
//! - An error is one `Err` item, and the stream ends after it.
//! - A 429 whose `Retry-After` is at most [`Paging::max_retry_after`] is waited out and the same page
//!   is asked again (a list is a read: resending it is safe), at most
//!   [`Paging::max_rate_limit_waits`] times in a row. A 429 without `Retry-After`, a longer one, and
//!   every other error are not retried here. Waiting needs a tokio runtime with its timer.

use futures::Stream;
use progenitor_client::Error;
use std::future::Future;
use std::time::Duration;

/// The longest `Retry-After` a stream waits for by default: the same cap as the `agentdial` facade's
/// default `RetryPolicy::max_retry_after`.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How a stream treats rate limiting between pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// The longest `Retry-After` waited for (default [`MAX_RETRY_AFTER`]); a longer one ends the stream
    /// with the 429 as its error.
    pub max_retry_after: Duration,
    /// How many 429s in a row are waited out for one page (default 3).
    pub max_rate_limit_waits: u32,
}

impl Default for Paging {
    fn default() -> Self {
        Self { max_retry_after: MAX_RETRY_AFTER, max_rate_limit_waits: 3 }
    }
}

/// One page: its items, and the request for the next page (`None`: this was the last).
#[derive(Debug)]
pub struct Page<T, S> {
    pub items: Vec<T>,
    pub next: Option<S>,
}

/// The boxed stream the generated `stream()` methods return.
pub type ItemStream<'a, T, E> = std::pin::Pin<Box<dyn Stream<Item = Result<T, Error<E>>> + Send + 'a>>;

/// Walks the pages: `fetch(request, items_so_far)` sends `request` and returns its page.
pub fn paginate<'a, S, T, E, F, Fut>(first: S, paging: Paging, fetch: F) -> ItemStream<'a, T, E>
where
    S: Clone + Send + 'a,
    T: Send + 'a,
    E: Send + 'a,
    F: FnMut(S, u64) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Page<T, S>, Error<E>>> + Send + 'a,
{
    struct State<S, F> {
        next: Option<S>,
        seen: u64,
        fetch: F,
    }
    let pages =
        futures::stream::unfold(State { next: Some(first), seen: 0, fetch }, move |mut state| async move {
            let request = state.next.take()?;
            let mut waits = 0;
            loop {
                match (state.fetch)(request.clone(), state.seen).await {
                    Ok(page) => {
                        state.seen += page.items.len() as u64;
                        state.next = page.next;
                        return Some((page.items.into_iter().map(Ok).collect::<Vec<_>>(), state));
                    }
                    Err(e) => match rate_limit_wait(&e)
                        .filter(|w| *w <= paging.max_retry_after && waits < paging.max_rate_limit_waits)
                    {
                        Some(wait) => {
                            waits += 1;
                            tokio::time::sleep(wait).await;
                        }
                        // `state.next` is `None`: the stream ends after this error.
                        None => return Some((vec![Err(e)], state)),
                    },
                }
            }
        });
    Box::pin(futures::StreamExt::flat_map(pages, futures::stream::iter))
}

/// The `Retry-After` of a 429 (documented or not), if it has a readable one.
pub fn rate_limit_wait<E>(error: &Error<E>) -> Option<Duration> {
    let headers = match error {
        Error::ErrorResponse(rv) if rv.status() == reqwest::StatusCode::TOO_MANY_REQUESTS => rv.headers(),
        Error::UnexpectedResponse(r) if r.status() == reqwest::StatusCode::TOO_MANY_REQUESTS => r.headers(),
        _ => return None,
    };
    crate::retry_after(headers)
}

/// Offset/limit: the offset of the next page, or `None` when `page_len` items at `offset` were the
/// last. With a `total` (the latest page's), the end is `offset + page_len >= total`; without one, a
/// page shorter than `limit` is the last. An empty page is always the last.
pub fn next_offset(offset: i64, page_len: usize, limit: Option<i64>, total: Option<i64>) -> Option<i64> {
    let len = i64::try_from(page_len).ok()?;
    if len == 0 {
        return None;
    }
    let next = offset.checked_add(len)?;
    match (total, limit) {
        (Some(total), _) => (next < total).then_some(next),
        (None, Some(limit)) => (len >= limit).then_some(next),
        (None, None) => Some(next),
    }
}

/// Page number: the number of the next page, or `None` when this page was the last. `seen` counts
/// the items of the earlier pages; with a `total` (items), the end is `seen + page_len >= total`;
/// without one, a page shorter than `size` is the last. An empty page is always the last.
pub fn next_page(
    page: i64,
    page_len: usize,
    size: Option<i64>,
    seen: u64,
    total: Option<i64>,
) -> Option<i64> {
    let len = i64::try_from(page_len).ok()?;
    if len == 0 {
        return None;
    }
    match (total, size) {
        (Some(total), _) if i64::try_from(seen).ok()?.checked_add(len)? >= total => None,
        (None, Some(size)) if len < size => None,
        _ => page.checked_add(1),
    }
}

/// Cursor or next-token: the cursor of the next page, or `None` when this page was the last: no
/// next cursor (absent or empty), `has_more` false, an empty page, or the cursor just sent again
/// (a server that repeats itself would otherwise be asked forever).
pub fn next_cursor(
    sent: Option<&str>,
    next: Option<String>,
    page_len: usize,
    has_more: Option<bool>,
) -> Option<String> {
    if page_len == 0 || has_more == Some(false) {
        return None;
    }
    next.filter(|n| !n.is_empty() && Some(n.as_str()) != sent)
}

/// Next-URL: the value of query parameter `name` in the next page's URL (absolute, or relative to
/// the API), read as a cursor by [`next_cursor`]'s rules. `None` when there is no next URL or it
/// does not carry `name`.
pub fn query_value(next_url: Option<&str>, name: &str) -> Option<String> {
    let url = next_url.filter(|u| !u.is_empty())?;
    let parsed = reqwest::Url::parse(url)
        .or_else(|_| reqwest::Url::parse("http://relative.invalid/")?.join(url))
        .ok()?;
    parsed.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_stop_at_the_total_or_a_short_page() {
        // Total known: 5 items, pages of 2.
        assert_eq!(next_offset(0, 2, Some(2), Some(5)), Some(2));
        assert_eq!(next_offset(2, 2, Some(2), Some(5)), Some(4));
        assert_eq!(next_offset(4, 1, Some(2), Some(5)), None);
        // Exactly a multiple: no extra request for an empty page.
        assert_eq!(next_offset(2, 2, Some(2), Some(4)), None);
        // The total grew meanwhile: keep going; it shrank: stop.
        assert_eq!(next_offset(2, 2, Some(2), Some(7)), Some(4));
        assert_eq!(next_offset(2, 2, Some(2), Some(3)), None);
        // No total: a short page ends, a full one does not.
        assert_eq!(next_offset(0, 2, Some(2), None), Some(2));
        assert_eq!(next_offset(2, 1, Some(2), None), None);
        assert_eq!(next_offset(0, 3, None, None), Some(3));
        // Empty page.
        assert_eq!(next_offset(0, 0, Some(2), Some(10)), None);
        assert_eq!(next_offset(0, 0, None, None), None);
        // No overflow panic.
        assert_eq!(next_offset(i64::MAX, 1, None, None), None);
    }

    #[test]
    fn pages_stop_at_the_total_or_a_short_page() {
        assert_eq!(next_page(1, 2, Some(2), 0, Some(5)), Some(2));
        assert_eq!(next_page(2, 2, Some(2), 2, Some(5)), Some(3));
        assert_eq!(next_page(3, 1, Some(2), 4, Some(5)), None);
        assert_eq!(next_page(2, 2, Some(2), 2, Some(4)), None);
        assert_eq!(next_page(0, 2, Some(2), 0, None), Some(1));
        assert_eq!(next_page(1, 1, Some(2), 2, None), None);
        assert_eq!(next_page(1, 0, None, 0, None), None);
    }

    #[test]
    fn cursors_stop_without_a_next_one() {
        assert_eq!(next_cursor(None, Some("b".into()), 2, None), Some("b".into()));
        assert_eq!(next_cursor(Some("b"), Some("c".into()), 2, Some(true)), Some("c".into()));
        assert_eq!(next_cursor(Some("b"), None, 2, None), None);
        assert_eq!(next_cursor(Some("b"), Some(String::new()), 2, None), None);
        assert_eq!(next_cursor(Some("b"), Some("b".into()), 2, None), None, "repeated cursor");
        assert_eq!(next_cursor(None, Some("b".into()), 2, Some(false)), None);
        assert_eq!(next_cursor(None, Some("b".into()), 0, Some(true)), None);
    }

    #[test]
    fn next_urls_give_their_query_value() {
        let abs = "https://api.example.com/v1/calls.json?PageSize=2&Page=1&PageToken=PA123";
        assert_eq!(query_value(Some(abs), "PageToken").as_deref(), Some("PA123"));
        let rel = "/2010-04-01/Accounts/AC1/Calls.json?PageSize=2&PageToken=PA%2F9";
        assert_eq!(query_value(Some(rel), "PageToken").as_deref(), Some("PA/9"));
        assert_eq!(query_value(Some(rel), "Cursor"), None);
        assert_eq!(query_value(None, "PageToken"), None);
        assert_eq!(query_value(Some(""), "PageToken"), None);
    }
}
