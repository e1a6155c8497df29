//! Data feeds: CSV or TSV files with feed-spec columns (`id,title,description,availability,
//! condition,price,link,image_link,brand,…`, prices as `"12.99 USD"`), read as a stream.

use serde_json::{Map, Value};
use std::io::Read;

/// One data row: its line number in the file and its fields, or why it cannot be read.
pub type FeedRow = (u64, Result<Map<String, Value>, String>);

/// A streaming reader of feed rows: memory stays bounded whatever the file's size.
pub struct FeedReader<R: Read> {
    records: csv::StringRecordsIntoIter<R>,
    headers: Vec<String>,
}

impl<R: Read> FeedReader<R> {
    /// Reads the header line; `tab` selects TSV.
    pub fn new(reader: R, tab: bool) -> Result<FeedReader<R>, String> {
        let mut csv = csv::ReaderBuilder::new()
            .delimiter(if tab { b'\t' } else { b',' })
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(reader);
        let headers: Vec<String> = csv
            .headers()
            .map_err(|e| format!("cannot read the header line: {e}"))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
            .collect();
        if !headers.iter().any(|h| h == "id") {
            return Err("the header line has no id column".to_owned());
        }
        Ok(FeedReader {
            records: csv.into_records(),
            headers,
        })
    }
}

impl<R: Read> Iterator for FeedReader<R> {
    type Item = FeedRow;

    fn next(&mut self) -> Option<FeedRow> {
        let record = self.records.next()?;
        Some(match record {
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                (line, Err(format!("unreadable row: {e}")))
            }
            Ok(r) => {
                let line = r.position().map(|p| p.line()).unwrap_or(0);
                if r.len() != self.headers.len() {
                    (
                        line,
                        Err(format!(
                            "{} fields where the header has {}",
                            r.len(),
                            self.headers.len()
                        )),
                    )
                } else {
                    let map = self
                        .headers
                        .iter()
                        .zip(r.iter())
                        .filter(|(_, v)| !v.is_empty())
                        .map(|(h, v)| (h.clone(), Value::String(v.to_owned())))
                        .collect();
                    (line, Ok(map))
                }
            }
        })
    }
}

/// Whether a file looks like TSV: by its name, or a tab in its first line.
pub fn looks_like_tsv(name: &str, first_line: &str) -> bool {
    name.ends_with(".tsv")
        || name.ends_with(".tab")
        || (first_line.contains('\t') && !first_line.contains(','))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_tsv() {
        let csv = "id,title,price\nsku-1,\"Tee, blue\",12.99 USD\nsku-2,Cap\n";
        let rows: Vec<_> = FeedReader::new(csv.as_bytes(), false).unwrap().collect();
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[0].1.as_ref().unwrap()["title"], "Tee, blue");
        assert!(rows[1].1.is_err());
        let tsv = "id\ttitle\nsku-1\tTee\n";
        let rows: Vec<_> = FeedReader::new(tsv.as_bytes(), true).unwrap().collect();
        assert_eq!(rows[0].1.as_ref().unwrap()["id"], "sku-1");
        assert!(FeedReader::new("title\nx\n".as_bytes(), false).is_err());
        assert!(looks_like_tsv("feed.tsv", ""));
        assert!(looks_like_tsv("feed", "id\ttitle"));
        assert!(!looks_like_tsv("feed.csv", "id,title"));
    }
}
