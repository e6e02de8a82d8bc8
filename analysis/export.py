"""CSV export that Excel opens correctly and cannot turn into formulas.

UTF-8 with a byte-order mark, because Excel otherwise reads UTF-8 as the local code page and
breaks accents (Québec, Türkiye). Text cells that begin with ``= + - @``, a tab or a carriage
return are prefixed with a single quote, as the OWASP "CSV Injection" guidance recommends
(https://owasp.org/www-community/attacks/CSV_Injection): feed titles are untrusted, and a title
like ``=HYPERLINK(...)`` would otherwise run as a formula. Numeric, boolean and datetime columns
are written as they are, so a change of -3 stays -3.
"""

from __future__ import annotations

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: object) -> object:
    """Prefix a string that a spreadsheet would read as a formula; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _text_cell(value: object) -> object:
    # Lists of tags (countries, topics) read better as "CAN, JPN" than as "['CAN', 'JPN']".
    if isinstance(value, (list, tuple, set, frozenset)):
        value = ", ".join(str(v) for v in (sorted(value) if isinstance(value, (set, frozenset)) else value))
    return neutralize(value)


def _is_plain(series: pd.Series) -> bool:
    dtype = series.dtype
    return (
        pd.api.types.is_numeric_dtype(dtype)
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_datetime64_any_dtype(dtype)
        or isinstance(dtype, pd.PeriodDtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
    )


def to_safe_csv(df: pd.DataFrame, index: bool = False) -> bytes:
    """``df`` as CSV bytes: UTF-8 with BOM, CRLF lines, formula-like text cells neutralized.

    Header names are neutralized too (a pivot may turn a source name into a column). The
    input frame is not modified.
    """
    out = pd.DataFrame(index=df.index)
    for pos, _name in enumerate(df.columns):
        col = df.iloc[:, pos]
        out[pos] = col if _is_plain(col) else col.astype(object).map(_text_cell)
    out.columns = [neutralize(str(c)) for c in df.columns]
    if index:
        out.index = out.index.map(lambda v: neutralize(v) if isinstance(v, str) else v)
        out.index.names = [neutralize(str(n)) if n is not None else None for n in df.index.names]
    text = out.to_csv(index=index, lineterminator="\r\n")
    return text.encode("utf-8-sig")
