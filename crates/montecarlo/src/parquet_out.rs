//! Parquet copies of the batch tables (cargo feature `parquet`):
//! `runs.parquet`, `bands.parquet` and, with `--keep-timeseries`,
//! `timeseries.parquet`, beside the CSV files and with the same columns,
//! column names and row order.
//!
//! Written with the `parquet` crate's low-level column writers (no Arrow:
//! much lighter to build), Snappy compression, dictionary encoding for the
//! string columns. Types: `run` INT64; `seed` INT64 annotated unsigned 64-bit
//! (read back as uint64 by pandas, polars and R's arrow); numbers DOUBLE
//! (bit-exact, unlike decimal text); names STRING; an outcome a run did not
//! report is null (the empty CSV cell).

use crate::outputs::{AtomicFile, BANDS_HEADER, BandRow, RunsTable};
use crate::store::RunRecord;
use crate::{McError, Result};
use parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One column's values for one row group.
enum Column {
    Int64(Vec<i64>),
    /// Unsigned 64-bit, stored as INT64 bits with the unsigned annotation.
    UInt64(Vec<u64>),
    Double(Vec<f64>),
    /// Nullable doubles.
    OptDouble(Vec<Option<f64>>),
    Str(Vec<ByteArray>),
    /// Nullable strings.
    OptStr(Vec<Option<ByteArray>>),
}

impl Column {
    fn schema(&self, name: &str) -> Result<Arc<Type>> {
        let (physical, logical, repetition) = match self {
            Column::Int64(_) => (PhysicalType::INT64, None, Repetition::REQUIRED),
            Column::UInt64(_) => (
                PhysicalType::INT64,
                Some(LogicalType::integer(64, false)),
                Repetition::REQUIRED,
            ),
            Column::Double(_) => (PhysicalType::DOUBLE, None, Repetition::REQUIRED),
            Column::OptDouble(_) => (PhysicalType::DOUBLE, None, Repetition::OPTIONAL),
            Column::Str(_) => (
                PhysicalType::BYTE_ARRAY,
                Some(LogicalType::String),
                Repetition::REQUIRED,
            ),
            Column::OptStr(_) => (
                PhysicalType::BYTE_ARRAY,
                Some(LogicalType::String),
                Repetition::OPTIONAL,
            ),
        };
        Type::primitive_type_builder(name, physical)
            .with_repetition(repetition)
            .with_logical_type(logical)
            .build()
            .map(Arc::new)
            .map_err(|e| McError::Invalid(format!("parquet schema of `{name}`: {e}")))
    }
}

/// A Parquet file being written through an [`AtomicFile`] (a temporary name
/// beside the destination); [`close`](Self::close) writes the footer, fsyncs
/// and renames it into place. The schema comes from the first row group's columns.
struct TableWriter {
    writer: SerializedFileWriter<AtomicFile>,
}

fn pq_err(path: &Path) -> impl Fn(parquet::errors::ParquetError) -> McError + '_ {
    move |e| McError::Invalid(format!("{}: writing Parquet: {e}", path.display()))
}

impl TableWriter {
    fn create(path: &Path, names: &[String], template: &[Column]) -> Result<TableWriter> {
        let fields = names
            .iter()
            .zip(template)
            .map(|(n, c)| c.schema(n))
            .collect::<Result<Vec<_>>>()?;
        let schema = Type::group_type_builder("schema")
            .with_fields(fields)
            .build()
            .map_err(pq_err(path))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let file = AtomicFile::create(path)?;
        let writer =
            SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props)).map_err(pq_err(path))?;
        Ok(TableWriter { writer })
    }

    fn row_group(&mut self, columns: Vec<Column>) -> Result<()> {
        let path = self.writer.inner().path().to_path_buf();
        let path = path.as_path();
        let mut rg = self.writer.next_row_group().map_err(pq_err(path))?;
        for col in columns {
            let mut cw = rg.next_column().map_err(pq_err(path))?.ok_or_else(|| {
                McError::Invalid(format!("{}: more columns than the schema", path.display()))
            })?;
            match col {
                Column::Int64(v) => cw.typed::<Int64Type>().write_batch(&v, None, None),
                Column::UInt64(v) => {
                    let bits: Vec<i64> = v.iter().map(|&x| x as i64).collect();
                    cw.typed::<Int64Type>().write_batch(&bits, None, None)
                }
                Column::Double(v) => cw.typed::<DoubleType>().write_batch(&v, None, None),
                Column::OptDouble(v) => {
                    let present: Vec<f64> = v.iter().flatten().copied().collect();
                    let def: Vec<i16> = v.iter().map(|x| i16::from(x.is_some())).collect();
                    cw.typed::<DoubleType>().write_batch(&present, Some(&def), None)
                }
                Column::Str(v) => cw.typed::<ByteArrayType>().write_batch(&v, None, None),
                Column::OptStr(v) => {
                    let def: Vec<i16> = v.iter().map(|x| i16::from(x.is_some())).collect();
                    let present: Vec<ByteArray> = v.into_iter().flatten().collect();
                    cw.typed::<ByteArrayType>()
                        .write_batch(&present, Some(&def), None)
                }
            }
            .map_err(pq_err(path))?;
            cw.close().map_err(pq_err(path))?;
        }
        rg.close().map_err(pq_err(path))?;
        Ok(())
    }

    /// Writes the footer, then commits the file (flush, fsync, rename).
    fn close(self) -> Result<()> {
        let path = self.writer.inner().path().to_path_buf();
        self.writer.into_inner().map_err(pq_err(&path))?.commit()
    }
}

fn strings<'s>(it: impl Iterator<Item = &'s str>) -> Column {
    Column::Str(it.map(ByteArray::from).collect())
}

/// Writes one table (one row group) atomically.
fn write_table(path: &Path, names: &[String], columns: Vec<Column>) -> Result<()> {
    let mut w = TableWriter::create(path, names, &columns)?;
    w.row_group(columns)?;
    w.close()
}

/// Writes `runs.parquet`: the columns of `runs.csv`, outcomes nullable.
pub fn write_runs(path: &Path, t: &RunsTable) -> Result<()> {
    let mut names = vec!["run".to_string(), "seed".to_string()];
    names.extend(t.param_names.iter().cloned());
    names.extend(t.outcome_names.iter().cloned());
    let mut cols = vec![
        Column::Int64(t.runs.iter().map(|&r| r as i64).collect()),
        Column::UInt64(t.seeds.clone()),
    ];
    cols.extend((0..t.param_names.len()).map(|j| Column::Double(t.params.iter().map(|r| r[j]).collect())));
    cols.extend(
        (0..t.outcome_names.len())
            .map(|k| Column::OptDouble(t.outcomes.iter().map(|r| r.get(k).copied().flatten()).collect())),
    );
    write_table(path, &names, cols)
}

/// Writes `bands.parquet`: the columns of `bands.csv`.
pub fn write_bands(path: &Path, bands: &[BandRow]) -> Result<()> {
    let names: Vec<String> = BANDS_HEADER.iter().map(|s| s.to_string()).collect();
    let d = |f: &dyn Fn(&BandRow) -> f64| Column::Double(bands.iter().map(f).collect());
    let cols = vec![
        strings(bands.iter().map(|b| b.metric.as_str())),
        strings(bands.iter().map(|b| b.entity.as_str())),
        // Null for a quantity (as pandas reads the CSV's empty cell).
        Column::OptStr(
            bands
                .iter()
                .map(|b| (!b.category.is_empty()).then(|| ByteArray::from(b.category.as_str())))
                .collect(),
        ),
        d(&|b| b.time_year),
        strings(bands.iter().map(|b| b.date.as_str())),
        Column::Int64(bands.iter().map(|b| b.n as i64).collect()),
        d(&|b| b.mean),
        d(&|b| b.sd),
        d(&|b| b.q[0]),
        d(&|b| b.q[1]),
        d(&|b| b.q[2]),
        d(&|b| b.q[3]),
        d(&|b| b.q[4]),
        d(&|b| b.quantile_abs_error_max),
    ];
    write_table(path, &names, cols)
}

/// Rows per row group of `timeseries.parquet` (about 1 M: bounded memory, good compression).
const TIMESERIES_ROW_GROUP: usize = 1 << 20;

/// `timeseries.parquet`, written run by run in run order (rows as in
/// `timeseries.csv`), one row group per ~1 M rows so memory stays bounded.
pub struct TimeseriesParquet {
    path: PathBuf,
    writer: Option<TableWriter>,
    run: Vec<i64>,
    time_year: Vec<f64>,
    date: Vec<ByteArray>,
    metric: Vec<ByteArray>,
    entity: Vec<ByteArray>,
    value: Vec<f64>,
}

impl TimeseriesParquet {
    /// Starts `path` (nothing is written before the first row group).
    pub fn create(path: &Path) -> TimeseriesParquet {
        TimeseriesParquet {
            path: path.to_path_buf(),
            writer: None,
            run: Vec::new(),
            time_year: Vec::new(),
            date: Vec::new(),
            metric: Vec::new(),
            entity: Vec::new(),
            value: Vec::new(),
        }
    }

    fn flush(&mut self) -> Result<()> {
        let cols = vec![
            Column::Int64(std::mem::take(&mut self.run)),
            Column::Double(std::mem::take(&mut self.time_year)),
            Column::Str(std::mem::take(&mut self.date)),
            Column::Str(std::mem::take(&mut self.metric)),
            Column::Str(std::mem::take(&mut self.entity)),
            Column::Double(std::mem::take(&mut self.value)),
        ];
        if self.writer.is_none() {
            let names = ["run", "time_year", "date", "metric", "entity", "value"].map(String::from);
            self.writer = Some(TableWriter::create(&self.path, &names, &cols)?);
        }
        match self.writer.as_mut() {
            Some(w) => w.row_group(cols),
            None => Ok(()),
        }
    }

    /// Appends one run's points in canonical order.
    pub fn push_run(&mut self, rec: &RunRecord) -> Result<()> {
        let s = &rec.result.series;
        // Each key and date is converted once per run; ByteArray clones share the bytes.
        let keys: Vec<(ByteArray, ByteArray)> = s
            .keys()
            .iter()
            .map(|k| {
                (
                    ByteArray::from(k.metric.as_str()),
                    ByteArray::from(k.entity.as_str()),
                )
            })
            .collect();
        let dates: Vec<ByteArray> = s
            .instants()
            .iter()
            .map(|i| ByteArray::from(i.date.as_str()))
            .collect();
        for (k, i, v) in s.indexed_points() {
            self.run.push(rec.run as i64);
            self.time_year.push(s.instants()[i].time_year);
            self.date.push(dates[i].clone());
            self.metric.push(keys[k].0.clone());
            self.entity.push(keys[k].1.clone());
            self.value.push(v);
        }
        if self.run.len() >= TIMESERIES_ROW_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the last row group, fsyncs and renames the file into place.
    pub fn commit(mut self) -> Result<()> {
        if !self.run.is_empty() || self.writer.is_none() {
            self.flush()?;
        }
        match self.writer.take() {
            Some(w) => w.close(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outputs::{OutputOptions, rebuild_outputs};
    use crate::toy::ToyGrowth;
    use crate::{BatchOptions, NoProgress, run_batch};
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::{Field, Row};
    use std::fs::File;

    fn rows(path: &Path) -> Vec<Row> {
        let r = SerializedFileReader::new(File::open(path).unwrap()).unwrap();
        r.get_row_iter(None).unwrap().map(|row| row.unwrap()).collect()
    }

    fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
        let mut rd = csv::Reader::from_path(path).unwrap();
        let header = rd.headers().unwrap().iter().map(String::from).collect();
        let body = rd
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        (header, body)
    }

    /// Every Parquet cell equals the CSV cell: numbers bit for bit (CSV
    /// holds the shortest round-trip text), strings exactly, nulls as empty cells.
    fn assert_same_table(parquet: &Path, csv: &Path) {
        let (header, body) = csv_rows(csv);
        let pq = rows(parquet);
        assert_eq!(pq.len(), body.len(), "{}", parquet.display());
        for (row, cells) in pq.iter().zip(&body) {
            let fields: Vec<(&String, &Field)> = row.get_column_iter().collect();
            assert_eq!(
                fields.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
                header.iter().map(String::as_str).collect::<Vec<_>>()
            );
            for ((name, field), cell) in fields.iter().zip(cells) {
                let ok = match field {
                    Field::Double(v) => cell.parse::<f64>().map(|c| c.to_bits()) == Ok(v.to_bits()),
                    Field::Long(v) => cell.parse::<i64>() == Ok(*v),
                    Field::ULong(v) => cell.parse::<u64>() == Ok(*v),
                    Field::Str(v) => v == cell,
                    Field::Null => cell.is_empty(),
                    other => panic!("unexpected field {other:?}"),
                };
                assert!(
                    ok,
                    "{}: column {name}: parquet {field:?} vs csv `{cell}`",
                    parquet.display()
                );
            }
        }
    }

    /// Until `close`, the rows written so far sit under a temporary name: the
    /// destination either does not exist or is a complete file.
    #[test]
    fn a_table_appears_under_its_name_only_when_closed() {
        let scratch = tempfile::Builder::new()
            .prefix("mc-parquet-atomic-")
            .tempdir()
            .unwrap();
        let dir = scratch.path().join("d");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.parquet");
        let names = ["run".to_string(), "value".to_string()];
        let cols = || vec![Column::Int64(vec![0, 1]), Column::Double(vec![0.5, 2.0])];
        let mut w = TableWriter::create(&path, &names, &cols()).unwrap();
        w.row_group(cols()).unwrap();
        assert!(!path.exists(), "a half-written table is visible under its name");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "the temporary file");
        w.close().unwrap();
        assert_eq!(rows(&path).len(), 2);
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "the temporary file is gone"
        );
    }

    #[test]
    fn parquet_tables_read_back_equal_to_the_csv_tables() {
        let scratch = tempfile::Builder::new().prefix("mc-parquet-").tempdir().unwrap();
        let dir = scratch.path().join("d");
        let model = ToyGrowth::default();
        let mut o = BatchOptions::new(&dir, 30, 11);
        o.threads = Some(2);
        o.durable = false;
        o.output = OutputOptions {
            keep_timeseries: true,
            parquet: true,
            ..OutputOptions::default()
        };
        run_batch(&model, &o, &NoProgress).unwrap();
        for t in ["runs", "bands", "timeseries"] {
            assert_same_table(&dir.join(format!("{t}.parquet")), &dir.join(format!("{t}.csv")));
        }
        // Rebuilding gives the same Parquet bytes (deterministic, like the CSV).
        let before = std::fs::read(dir.join("bands.parquet")).unwrap();
        let runs: Vec<u64> = (0..30).collect();
        rebuild_outputs(&dir, &runs, &o.output, o.design, None).unwrap();
        assert_eq!(std::fs::read(dir.join("bands.parquet")).unwrap(), before);
    }
}
