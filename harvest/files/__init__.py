"""The ``files`` source: import the user's own data from CSV or Parquet files.

Five kinds of file are read, each into its canonical frame (``harvest.contracts``): daily bars,
1-minute bars, financial statements, macro series and the instrument master. The formats are
documented in ``docs/data_formats.md``. A file is imported whole or not at all: the first
problem, reading top to bottom, refuses it with a :class:`FileImportError` that names the file,
the row and the column.
"""

from harvest.files._bars import read_daily_bars, read_intraday_bars
from harvest.files._errors import FileImportError
from harvest.files._instruments import read_instruments
from harvest.files._macro import read_macro_series
from harvest.files._source import TABLES, FilesSource, scan
from harvest.files._statements import read_financial_statements

__all__ = [
    "TABLES",
    "FileImportError",
    "FilesSource",
    "read_daily_bars",
    "read_financial_statements",
    "read_instruments",
    "read_intraday_bars",
    "read_macro_series",
    "scan",
]
