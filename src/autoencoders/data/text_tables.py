"""Read a text table (CSV, TSV, ``numpy.savetxt`` rows; plain, .gz, .bz2 or .xz) as a DataFrame: its layout
(encoding, line ends, delimiter, header, decimal mark, lines before the table) sniffed from its first lines,
then read by pandas."""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import lzma
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .validation import DataError

# Compressions a table may come in (as the commands' --out writes them too), with what opens them as text.
TEXT_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
DELIMITERS = ",;\t|"
SAMPLE_LINES = 50  # lines read to sniff the delimiter and the header


@dataclass(frozen=True)
class TextLayout:
    """How a text table is written, as sniffed from its start: what pandas is told to read it."""

    encoding: str  # "utf-16-le", "utf-16-be" (after their byte-order mark), "utf-8-sig" (UTF-8 after one), "utf-8"
    line_end: str  # "\r\n" (Windows) or "\n", as the first line ends
    delimiter: str  # " ": any run of spaces
    header: bool
    decimal: str
    skipped: int  # lines pandas skips before the table: Excel's "sep=" line, comments, leading empty lines
    excel_sep: bool  # the file opens with Excel's "sep=" line naming its delimiter
    comments: tuple[str, ...]  # the comment lines before the table, as written
    one_column: bool  # then an empty line is a gap in that column, not a line to skip
    trailing_delimiter: bool  # a delimiter ends each data row but not the header
    first_row: list[str]  # the first row's cells (the header's, when it has one)
    suggested: str | None  # the delimiter sniffed where the one given leaves the first row whole but it splits it


def read_text_table(path: Path, delimiter: str | None = None, missing_values: tuple[str, ...] = (),
                    header: bool | None = None):
    """The text table as a DataFrame; a first row of numbers is data, unless it is pandas' default header
    0,1,2,... ``delimiter`` None is sniffed; ``missing_values`` are texts that mark gaps besides pandas' own;
    ``header`` True or False says whether the first row names the columns (None: sniffed from its cells, which
    cannot tell names that are numbers, ``country,2019,2020``, from data)."""
    layout = sniff_layout(path, delimiter, header)
    return _shaped(path, layout, _read_with_pandas(path, layout, missing_values))


def read_text_table_and_texts(path: Path, delimiter: str | None = None, missing_values: tuple[str, ...] = (),
                              header: bool | None = None, columns: Sequence[str] | None = None):
    """(:func:`read_text_table`'s DataFrame, the text of each of its cells as the file writes it: a DataFrame of
    str of the same rows and columns, "" for an empty cell), for a command that writes the table back with the cells
    it does not change kept as they were (3.10 stays 3.10, not 3.1); ``columns``: the texts of those of them the
    table has alone (by the frame's names), else of every column. The file is read once and parsed twice."""
    layout = sniff_layout(path, delimiter, header)
    content = _file_bytes(path)
    frame = _shaped(path, layout, _read_with_pandas(path, layout, missing_values, content))
    names = list(frame.columns) if columns is None else [name for name in columns if name in frame.columns]
    positions = [list(frame.columns).index(name) for name in names]  # pandas renames repeated names: picked by place
    texts = _read_with_pandas(path, layout, missing_values, content, as_text=True, positions=positions)
    return frame, texts.iloc[:len(frame)].set_axis(names, axis=1)


def _shaped(path: Path, layout: TextLayout, frame):
    """The table pandas read, its empty trailing lines and columns left out and its columns named."""
    if layout.suggested and frame.shape[1] == 1:
        raise DataError(f"{path} has one column when split at the delimiter {layout.delimiter!r}; it seems to use "
                        f"{layout.suggested!r}: give --delimiter {layout.suggested!r} or leave --delimiter out")
    if layout.one_column:  # empty lines after the last value end the file; they are no rows
        filled = np.flatnonzero(frame.iloc[:, 0].notna())
        frame = frame.iloc[:filled[-1] + 1 if len(filled) else 0]
    if not layout.header:  # columns 0, 1, ...; an empty last one is a delimiter ending every line, named as pandas
        width = frame.shape[1]  # names it under a header (then left out unless the whole file is written back)
        trailing = int(width > 1 and frame.iloc[:, -1].isna().all())
        frame.columns = [str(i) for i in range(width - trailing)] + [f"Unnamed: {width - 1}"] * trailing
    else:
        _warn_of_repeated_names(path, layout.first_row, list(frame.columns))
    stripped = [name.strip() if isinstance(name, str) else name for name in frame.columns]
    if len(set(stripped)) == len(stripped):  # "age ," names the column "age", which --drop age then finds
        frame.columns = stripped
    frame.attrs["first_line"] = (2 if layout.header else 1) + layout.skipped  # the file line of the first data row
    frame.attrs["dialect"] = {"sep": layout.delimiter, "decimal": layout.decimal,  # a table written back keeps them
                              "encoding": layout.encoding, "lineterminator": layout.line_end}
    frame.attrs["header"] = layout.header  # and its header, or no header line ("0,1,2", pandas' names, is none)
    frame.attrs["before"] = {"excel_sep": layout.excel_sep, "comments": layout.comments}  # and the lines before it
    return frame


def _file_bytes(path: Path) -> bytes:
    """The whole file, uncompressed."""
    try:
        with TEXT_OPENERS.get(path.suffix.lower(), open)(path, "rb") as handle:
            return handle.read()
    except (EOFError, OSError, lzma.LZMAError) as error:
        raise DataError(f"cannot read {path}: the file is truncated or corrupt ({error})") from None


def sniff_layout(path: Path, given_delimiter: str | None = None, given_header: bool | None = None) -> TextLayout:
    """The layout of the text table at ``path`` from its first :data:`SAMPLE_LINES` lines; the delimiter is
    ``given_delimiter`` if given, else the one Excel's "sep=" line names, else sniffed; the header is
    ``given_header`` if given, else sniffed."""
    encoding = _encoding(path)
    sample = _text_sample(path, reading_codec(encoding))
    excel = re.match(r"sep=(.)\r?\n", sample)  # a first line Excel writes to name the delimiter
    sample = sample[excel.end():] if excel else sample
    delimiter = _given_delimiter(given_delimiter)
    sniffed = _sniff_delimiter(path, sample)
    delimiter = delimiter or (excel.group(1) if excel else sniffed)
    lines = sample.splitlines()
    comments = _comment_lines(lines, delimiter)
    rows = [_cells(line, delimiter) for line in lines[comments:][:SAMPLE_LINES] if line.strip()]
    if not rows:
        raise DataError(f"{path} is empty")
    header = _has_header(rows) if given_header is None else given_header
    one_column = len(rows[0]) == 1
    leading = next(i for i, line in enumerate(lines) if line.strip())  # empty lines before the first
    return TextLayout(
        encoding, _line_end(sample), delimiter, header, _decimal_mark(delimiter, sample),
        skipped=bool(excel) + comments + (leading if one_column else 0),  # else pandas skips empty lines itself
        excel_sep=bool(excel), comments=tuple(lines[:comments]),
        one_column=one_column, trailing_delimiter=header and _delimiter_ends_each_row(rows), first_row=rows[0],
        suggested=sniffed if given_delimiter and sniffed != delimiter and sniffed in rows[0][0] else None)


def _read_with_pandas(path: Path, layout: TextLayout, missing_values: tuple[str, ...], content: bytes | None = None,
                      as_text: bool = False, positions: list[int] | None = None):
    """The table pandas reads from the file at ``path``, or from its uncompressed ``content`` when given;
    ``as_text``: every cell's text, none read as a gap; ``positions``: those columns alone (counting from 0)."""
    import pandas as pd

    cells = {"dtype": str, "na_filter": False} if as_text else {"na_values": list(missing_values) or None}
    try:
        return pd.read_csv(path if content is None else io.BytesIO(content),
                           sep=r"\s+" if layout.delimiter == " " else layout.delimiter,
                           header=0 if layout.header else None, skipinitialspace=True, decimal=layout.decimal,
                           compression="infer", encoding=reading_codec(layout.encoding),
                           skiprows=layout.skipped or None, skip_blank_lines=not layout.one_column,
                           index_col=False if layout.trailing_delimiter else None, usecols=positions, **cells)
    except UnicodeDecodeError as error:
        raise DataError(_not_utf8(path, error)) from None
    except (EOFError, OSError, lzma.LZMAError) as error:  # cut short past the sample read above (click: 'Aborted!')
        raise DataError(f"cannot read {path}: the file is truncated or corrupt ({error})") from None
    except (pd.errors.ParserError, ValueError) as error:
        raise DataError(f"cannot read {path} as a table (delimiter {layout.delimiter!r}): {error}") from None


def _warn_of_repeated_names(path: Path, header: list[str], columns: list) -> None:
    """Warn of names the ``header`` cells give more than one column: pandas reads them as "a", "a.1", ..., the names
    the options that pick columns then take."""
    names = [cell.strip().strip('"') for cell in header]
    repeated = [name for name in dict.fromkeys(names) if name and names.count(name) > 1]
    if repeated and len(names) == len(columns):
        renamed = [str(column) for column, name in zip(columns, names, strict=True) if name in repeated]
        warnings.warn(f"{path}: the header gives more than one column the name {' and '.join(map(repr, repeated))};"
                      f" they are read as {', '.join(map(repr, renamed))} (the names --columns, --drop and "
                      "--label-column take); rename them in the file to tell them apart", stacklevel=4)


def _encoding(path: Path) -> str:
    """"utf-16-le" or "utf-16-be" for text that starts with its byte-order mark (Excel's "Unicode Text" export is
    little-endian), "utf-8-sig" for UTF-8 after its mark (Excel's "CSV UTF-8"; kept, it made "1,2" a header and hid
    "sep=;"), else "utf-8": how a table written back is encoded too (:func:`reading_codec` reads it)."""
    try:
        with TEXT_OPENERS.get(path.suffix.lower(), open)(path, "rb") as handle:
            start = handle.read(3)
    except (OSError, EOFError, lzma.LZMAError):
        return "utf-8-sig"  # reading the sample names the fault
    if start[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16-le" if start[:2] == codecs.BOM_UTF16_LE else "utf-16-be"
    return "utf-8-sig" if start == codecs.BOM_UTF8 else "utf-8"


def reading_codec(encoding: str) -> str:
    """The codec that reads text of :func:`_encoding`'s ``encoding``: "utf-16" for either byte order, which reads
    the order from the byte-order mark and leaves the mark out of the text."""
    return "utf-16" if encoding.startswith("utf-16") else encoding


def _line_end(sample: str) -> str:
    """"\r\n" when the first line of ``sample`` ends so (Windows), else "\n": how a table written back ends its
    lines too."""
    first = sample.find("\n")
    return "\r\n" if first > 0 and sample[first - 1] == "\r" else "\n"


def _text_sample(path: Path, encoding: str, size: int = 65_536) -> str:
    """The start of the file: ``size`` characters, or more until it holds :data:`SAMPLE_LINES` whole lines (a table
    of thousands of columns has lines longer than ``size``: its header was cut and taken for data)."""
    opener = TEXT_OPENERS.get(path.suffix.lower(), open)
    try:
        with opener(path, "rt", encoding=encoding, newline="") as handle:
            sample = handle.read(size)
            while sample.count("\n") < SAMPLE_LINES and (more := handle.read(size)):
                sample += more
            return sample
    except UnicodeDecodeError as error:
        raise DataError(_not_utf8(path, error)) from None
    except (OSError, EOFError, lzma.LZMAError) as error:
        raise DataError(f"cannot read {path} as text: {error}") from None


def uncompressed_name(path: Path) -> str:
    """The file's name in lower case without a compression suffix (``rows.tsv.gz`` -> ``rows.tsv``)."""
    name = path.name.lower()
    return name.removesuffix(path.suffix.lower()) if path.suffix.lower() in TEXT_OPENERS else name


def _not_utf8(path: Path, error: UnicodeDecodeError) -> str:
    return (f"{path} is not UTF-8 text (byte {error.object[error.start]:#04x} is not valid UTF-8; a spreadsheet's "
            "'CSV' export may be Windows-1252 or Latin-1): save it as UTF-8 (in Excel: 'CSV UTF-8')")


def _given_delimiter(given: str | None) -> str | None:
    """A --delimiter as one character: the tab typed as '\\t' or 'tab' (a shell passes a backslash and a t) is a tab;
    a longer one is refused (pandas would read it as a regular expression, with a warning)."""
    delimiter = "\t" if given in ("\\t", "tab") else given or None  # "" is none given
    if delimiter is not None and len(delimiter) != 1:
        raise DataError(f"--delimiter {given!r} is not one character: give one such as ',' ';' '|' ' ' (any run of "
                        "spaces) or '\\t' (tab)")
    return delimiter


def _sniff_delimiter(path: Path, sample: str) -> str:
    """A tab for a .tsv or .tab file; else " " for rows of numbers split by spaces, else the one of
    :data:`DELIMITERS` Python's sniffer finds in the sample's whole lines, else ","."""
    if uncompressed_name(path).endswith((".tsv", ".tab")):
        return "\t"
    lines = sample.splitlines(keepends=True)
    lines = lines[:-1] if len(lines) > 1 and not lines[-1].endswith(("\n", "\r")) else lines  # the last may be cut
    whole_lines = "".join(line.rstrip("\r\n") + "\n" for line in lines)  # the sniffer splits at "\n" only: old Macs
    if _spaced_numbers(whole_lines):
        return " "
    try:
        return csv.Sniffer().sniff(whole_lines, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _spaced_numbers(text: str) -> bool:
    """True for rows of numbers split by runs of spaces, as ``numpy.savetxt`` writes them (a header row and '#'
    comment lines before them allowed), which none of :data:`DELIMITERS` splits: read whole, each row was one text."""
    lines = [line for line in text.splitlines()[:SAMPLE_LINES] if line.strip() and not line.startswith("#")]
    if not lines or any(mark in line for line in lines for mark in DELIMITERS):
        return False
    widths = {len(line.split()) for line in lines}
    return len(widths) == 1 and widths.pop() > 1 and all(_is_number(c) for line in lines[1:] or lines
                                                         for c in line.split())


def _comment_lines(lines: list[str], delimiter: str) -> int:
    """How many comment lines open the table; none when every line is one (a column of such texts)."""
    count = next(i for i, line in enumerate([*lines, ""]) if not _comment(line, delimiter))
    return count if count < len(lines) else 0


def _comment(line: str, delimiter: str) -> bool:
    """Whether ``line``, before the table, is a comment: it starts with "#" and holds no delimiter (a header "#,name"
    names a column "#"), or any such line before a table split by spaces (numpy.savetxt's header=)."""
    return line.startswith("#") and (delimiter == " " or delimiter not in line)


def _cells(line: str, delimiter: str) -> list[str]:
    """A line's cells: split at ``delimiter``, or at runs of spaces for the delimiter " "."""
    return line.split() if delimiter == " " else line.split(delimiter)


def _has_header(rows: list[list[str]]) -> bool:
    """True if the first row names the columns: pandas' default header ``0,1,2,...`` (also after an empty index
    cell), a text cell over a column of numbers, or a row of distinct texts that do not recur below."""
    first = [c.strip().strip('"') for c in rows[0]]
    counting = first[1:] if first and first[0] == "" else first
    if counting == [str(i) for i in range(len(counting))] and len(rows) > 1:
        return True
    below = [[c.strip().strip('"') for c in row] for row in rows[1:]]
    for index, cell in enumerate(first):
        column = [row[index] for row in below if index < len(row) and row[index]]
        if cell and not _is_number(cell) and column and all(_is_number(c) for c in column):
            return True
    if first and all(cell and not _is_number(cell) for cell in first) and len(set(first)) == len(first):
        return not any(row[i] == cell for row in below for i, cell in enumerate(first) if i < len(row))
    return False


def _delimiter_ends_each_row(rows: list[list[str]]) -> bool:
    """True when the data rows are one cell longer than the header, that cell empty: a delimiter ends each row but
    not the header (pandas would take the first column for the row index and shift every name one to the right)."""
    return len(rows) > 1 and all(len(row) == len(rows[0]) + 1 and not row[-1].strip() for row in rows[1:-1] or rows[1:])


def _decimal_mark(delimiter: str, sample: str) -> str:
    """"," for numbers such as 20,5: in a ;-separated file that has them, or a tab- or |-separated one that has them
    and no 20.5 (the file's own convention); else "."."""
    commas = delimiter != "," and re.search(r"\d,\d", sample)
    return "," if commas and (delimiter == ";" or not re.search(r"\d\.\d", sample)) else "."


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
