import csv
import io

import pandas as pd
import pytest

from analysis.export import to_safe_csv


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize(
    "cell,expected",
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Québec, Türkiye", "Québec, Türkiye"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_text_cells(cell, expected):
    rows = _rows(to_safe_csv(pd.DataFrame({"title": [cell]})))
    assert rows == [["title"], [expected]]


def test_numbers_left_intact_and_roundtrip_with_pandas():
    df = pd.DataFrame(
        {"key": ["CAN-JPN", "=cmd|' /C calc'!A0"], "change": [-3, 5], "pct": [-0.25, 1.5], "flag": [True, False]}
    )
    data = to_safe_csv(df)
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(back.columns) == ["key", "change", "pct", "flag"]
    assert back["change"].tolist() == [-3, 5]
    assert back["pct"].tolist() == [-0.25, 1.5]
    assert back["key"].tolist() == ["CAN-JPN", "'=cmd|' /C calc'!A0"]
    assert back["flag"].tolist() == [True, False]


def test_csv_module_roundtrip_with_quotes_and_newlines():
    df = pd.DataFrame({"title": ['He said "no", then left\nagain', "-x"], "n": [1, -1]})
    rows = _rows(to_safe_csv(df))
    assert rows == [["title", "n"], ['He said "no", then left\nagain', "1"], ["'-x", "-1"]]


def test_object_column_with_mixed_values_keeps_numbers():
    df = pd.DataFrame({"v": pd.Series([-3, "-3", None], dtype=object)})
    rows = _rows(to_safe_csv(df))
    assert rows == [["v"], ["-3"], ["'-3"], [""]]


def test_lists_joined_and_headers_neutralized():
    df = pd.DataFrame({"=src": [["CAN", "JPN"]], "n": [1]})
    assert _rows(to_safe_csv(df)) == [["'=src", "n"], ["CAN, JPN", "1"]]


def test_datetimes_and_input_not_mutated():
    df = pd.DataFrame({"period": pd.to_datetime(["2026-03-02"]), "title": ["=x"]})
    before = df.copy()
    rows = _rows(to_safe_csv(df))
    assert rows[1] == ["2026-03-02", "'=x"]
    pd.testing.assert_frame_equal(df, before)


def test_empty_frame():
    assert _rows(to_safe_csv(pd.DataFrame(columns=["a", "b"]))) == [["a", "b"]]


def test_index_written_when_asked():
    df = pd.DataFrame({"n": [1, 2]}, index=pd.Index(["=a", "b"], name="key"))
    assert _rows(to_safe_csv(df, index=True)) == [["key", "n"], ["'=a", "1"], ["b", "2"]]
