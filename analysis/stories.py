"""Group syndicated and near-duplicate copies of one news story across outlets.

A Canadian Press story runs on CBC, CTV and Global within hours, with small title edits
("Carney, Takaichi sign defence pact in Tokyo" / "Canada and Japan sign defence pact, Carney
says in Tokyo"). Counting stories instead of articles keeps one wire story from looking like
four events. The rule, in order (figures in docs/analysis-aggregates.md):

1. Normalize titles: lower case, accents folded, outlet suffixes (" | CBC News",
   " - National Post") and kicker prefixes ("UPDATE:") removed, punctuation out, English and
   French stopwords out.
2. Block: each title is keyed by its 3 rarest tokens (document frequency over the batch), and
   only titles sharing a key and published within ``WINDOW`` of each other are compared. Two
   hard caps keep the cost linear whatever the titles (thousands of near-identical wire copies,
   or titles from a tiny vocabulary, put everything in a few huge blocks): in a block sorted by
   time a title is scored only against the next ``NEIGHBOURS`` titles, so a dense block narrows
   to a few hours while a sparse one keeps the whole window; and a title takes part in at most
   ``MAX_VERIFIED`` verifications (nearest candidates first).
3. Score: ``rapidfuzz.fuzz.token_set_ratio`` >= ``THRESHOLD`` (85), computed in bulk with
   ``rapidfuzz.process.cdist``. Token-set scores forgive added words and reordering, which is
   what wire edits do; 85 is the lowest score our must-cluster table needs (the Carney /
   Takaichi pair scores 87) while unrelated same-pair headlines score under 70. A two-part
   headline ("... prime minister; U.S. trade war tops agenda") is also scored by its main
   clause (:func:`core_clause`), because an added clause alone drags the score under 85.
4. Verify: token-set scores are blind to one swapped key word ("sanctions on Russia" /
   "sanctions on Iran" score 91), so a pair must also pass these checks:
   - the titles must not name different countries on both sides (each names a country the
     other does not); countries come from an optional ``countries`` column (the tagger's
     codes, which ingest passes) or else from the country names and demonyms in the title
     ("Russian" / "Iranian" is a swap as much as "Russia" / "Iran");
   - the content tokens are aligned (equal, or spelling variants such as China / Chinese): a
     pair shares at least 3 of them and at least half of the longer title's;
   - when *both* titles keep unshared tokens (a substitution rather than an addition) they
     share at least 5, do not disagree on a number, and do not both keep an unshared name
     (a capitalized word that is not a country: "Carney, Wang Yi agree" / "Wang Yi, Sharif
     agree"); a leader swapped for their country passes ("Carney, Takaichi sign" /
     "Canada and Japan sign ... Carney says"), and so does a demonym swapped for a place
     ("Canadian wildfires" / "arrive in Winnipeg");
   - two articles from the same outlet match only within ``SAME_SOURCE_WINDOW``, so a daily
     recurring title ("Morning briefing") does not chain a week of newsletters together.
5. Union-find joins matching pairs. Pure single linkage drifts along chains of template-like
   headlines, so a link is kept only if it also matches the first article (in input order) of
   each of the two clusters it joins. When two titles fail to match each other ("..., 5 dead" /
   "..., 7 dead"), one may still join the other's story through that story's first article.
   The story id is the smallest article id of the cluster.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pycountry
from rapidfuzz import fuzz, process

from analysis.countries import all_country_codes, country_name

THRESHOLD = 85
WINDOW = pd.Timedelta(hours=48)
SAME_SOURCE_WINDOW = pd.Timedelta(hours=12)
KEYS_PER_TITLE = 3
MIN_SHARED = 3
MIN_SHARED_IF_SUBSTITUTED = 5
TOKEN_VARIANT_RATIO = 80  # china ~ chinese (83), canada ~ canadian (86), india ~ indian (91)
NEIGHBOURS = 32  # per title and blocking key: the hard cap on scored comparisons (see cluster_stories)
MAX_VERIFIED = 16  # per title: the hard cap on verified candidate pairs
_SMALL = 64  # score pairs one by one below this many (cdist's set-up costs more)
DATA_DIR = Path(__file__).resolve().parent / "data"

STOPWORDS = frozenset(
    """
a an the and or but of in on at to for with by from as into about after before over under amid
is are was were be been being has have had will would can could may might not no
it its this that these those his her their our your he she they we you i
says said say tells told new
le la les l un une des de du d et ou en au aux à a dans sur par pour avec sans selon
ce cette ces son sa ses leur leurs est sont été être a ont qui que qu se s ne pas plus
""".split()
)

# Words that mark a trailing " - Something" as an outlet name rather than part of the headline.
_OUTLET_WORDS = frozenset(
    """
news post times press globe star sun gazette journal herald tribune citizen cbc ctv
reuters bloomberg ap afp cp radio ici tva devoir presse soleil droit actualite
actualites nouvelles cnn bbc guardian telegraph nikkei kyodo yonhap abc sbs
""".split()
)
_SUFFIX_SEP = re.compile(r"\s+(?:\||-|–|—|::)\s+")
_KICKER = re.compile(
    r"^\s*(?:breaking|update|updated|video|watch|live|exclusive|analysis|opinion|"
    r"en direct|exclusif|analyse|mise à jour|vidéo)\s*[:|-]\s*",
    re.I,
)
# Combining marks left by NFKD (accents on Latin, Greek and Cyrillic letters).
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_DOTTED = re.compile(r"\b(?:[a-z]\.-?){2,}(?![a-z])")
_KOREA = re.compile(r"(?<![\w'’])([ns])\.?\s+(korea)")
_LETTER_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def _fold(text: str) -> str:
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))


def _words(text: str) -> list[str]:
    # "U.S." / "U.K." / "É.-U." become one token ("us", "uk", "eu") before punctuation goes.
    text = _DOTTED.sub(lambda m: m.group(0).replace(".", "").replace("-", ""), _fold(text))
    # "N Korea" / "S. Korea": the one-letter word would be dropped and leave an ambiguous "korea".
    text = _KOREA.sub(lambda m: ("north " if m.group(1) == "n" else "south ") + m.group(2), text)
    return _NON_WORD.sub(" ", text).split()


def _is_outlet(words: list[str], source_words: list[str]) -> bool:
    return bool(words) and (words == source_words or (len(words) <= 4 and bool(_OUTLET_WORDS.intersection(words))))


def normalize_title(title: str | None, source: str | None = None) -> str:
    """The comparable form of a headline: folded, outlet suffix and kicker removed, stopwords out."""
    if not isinstance(title, str):
        return ""
    return _content(strip_title(title, source))


def _content(text: str) -> str:
    return " ".join(w for w in _words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit()))


def strip_title(title: str, source: str | None = None) -> str:
    """The headline as written, without its kicker ("UPDATE:") and outlet suffixes."""
    text = _KICKER.sub("", title.strip())
    source_words = _words(source) if isinstance(source, str) else []
    while True:  # "Title - Canada News - National Post": peel one segment at a time
        seps = list(_SUFFIX_SEP.finditer(text))
        if not seps:
            break
        last = seps[-1]
        head, tail = text[: last.start()], text[last.end() :]
        tail_words = _words(tail)
        if "|" in last.group():
            # "Title | CBC News" or "Opinion | Title": drop the short side, an outlet or a section.
            head_words = _words(head)
            if len(tail_words) <= 4 and len(tail_words) <= len(head_words):
                text = head
                continue
            first = seps[0]
            if "|" in first.group() and len(_words(text[: first.start()])) <= 4:
                text = text[first.end() :]
                continue
            break
        if not tail_words or _is_outlet(tail_words, source_words):
            text = head
            continue
        # "Title - CTV News - Politics": cut at the first outlet segment after a real headline.
        for sep, nxt in zip(seps, seps[1:] + [None]):
            segment = _words(text[sep.end() : nxt.start() if nxt else len(text)])
            if _is_outlet(segment, source_words) and len(_words(text[: sep.start()])) >= 3:
                text = text[: sep.start()]
                break
        break
    return text


_CLAUSE_SEP = re.compile(r"\s*[;:]\s+|\s+[—–]\s+")


def core_clause(title: str | None, source: str | None = None, norm: str | None = None) -> str:
    """The normalized main clause of a two-part headline, else the whole normalized title.

    Outlets add or drop a second clause ("Mark Carney sworn in as prime minister; U.S. trade war
    tops agenda", "Ukraine war: Zelenskyy visits Ottawa"). The main clause is the part with the
    most content words, if it has at least ``MIN_SHARED`` of them.
    """
    norm = normalize_title(title, source) if norm is None else norm
    if not isinstance(title, str) or not _CLAUSE_SEP.search(title):
        return norm
    parts = [_content(p) for p in _CLAUSE_SEP.split(strip_title(title, source))]
    best = max(parts, key=lambda p: len(p.split()))
    return best if len(best.split()) >= MIN_SHARED else norm


class _UnionFind:
    def __init__(self, n: int):
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def roots(self, rows: np.ndarray) -> np.ndarray:
        """find() of many rows at once, by pointer jumping (no path compression)."""
        parent = self.parent
        roots = parent[rows]
        while True:
            up = parent[roots]
            if np.array_equal(up, roots):
                return roots
            roots = up

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def _tokens_match(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) < 4 or len(b) < 4 or a.isdigit() or b.isdigit():
        return False
    return fuzz.ratio(a, b) >= TOKEN_VARIANT_RATIO


def proper_nouns(title: str | None) -> frozenset[str] | None:
    """Folded words written with a capital in a sentence-case headline ("Takaichi", "Tokyo").

    ``None`` for a Title Case headline, which does not tell which words are names: every
    word of it may be one.
    """
    if not isinstance(title, str):
        return frozenset()
    words = _LETTER_WORDS.findall(title)
    caps = [w for w in words if w[0].isupper()]
    if len(words) >= 4 and len(caps) >= 0.7 * len(words):
        return None
    return frozenset(_fold(w) for w in caps)


def _unmatched(ta: list[str], tb: list[str]) -> tuple[list[str], list[str]]:
    """The tokens of each title left over once equal tokens, then spelling variants, are paired."""
    unused, left_a = list(tb), []
    for tok in ta:
        try:
            unused.remove(tok)
        except ValueError:
            left_a.append(tok)
    if not left_a or not unused:
        return left_a, unused
    unmatched_a = []
    for tok in left_a:
        for k, other in enumerate(unused):
            if _tokens_match(tok, other):
                del unused[k]
                break
        else:
            unmatched_a.append(tok)
    return unmatched_a, unused


def same_story(
    a: str,
    b: str,
    proper_a: frozenset[str] | None = frozenset(),
    proper_b: frozenset[str] | None = frozenset(),
    country_words_a: frozenset[str] | None = None,
    country_words_b: frozenset[str] | None = None,
) -> bool:
    """The verification step (4.) on two normalized titles; the score gate (3.) is separate.

    ``proper_a`` / ``proper_b`` are the titles' :func:`proper_nouns`: when both titles keep an
    unshared name that is not a country's ("Carney, Wang Yi agree" / "Wang Yi, Sharif agree"),
    they report different meetings. Country names and demonyms are let through because rewrites
    swap a leader for the country ("Carney, Takaichi sign" / "Canada and Japan sign") or an
    adjective for a place ("Canadian wildfires" / "wildfires in Winnipeg"); a swap of one country
    for another is caught by the country check before this one. ``country_words_*`` are the tokens
    naming countries (computed when not given; the clustering caches them per title).
    """
    ta, tb = a.split(), b.split()
    if not ta or not tb:
        return False
    if ta == tb:
        return True
    unmatched_a, unused = _unmatched(ta, tb)
    shared = len(ta) - len(unmatched_a)
    if shared < MIN_SHARED or shared * 2 < max(len(ta), len(tb)):
        return False
    if unmatched_a and unused:
        if shared < MIN_SHARED_IF_SUBSTITUTED:
            return False
        if any(t.isdigit() for t in unmatched_a) and any(t.isdigit() for t in unused):
            return False
        words_a = country_words_a if country_words_a is not None else _country_spans(ta)[1]
        words_b = country_words_b if country_words_b is not None else _country_spans(tb)[1]
        if any((proper_a is None or t in proper_a) and t not in words_a for t in unmatched_a) and any(
            (proper_b is None or t in proper_b) and t not in words_b for t in unused
        ):
            return False
    return True


@lru_cache(maxsize=1)
def _country_names() -> dict[tuple[str, ...], str]:
    """Normalized country names and demonyms (English and French) -> code; "" for a blocker.

    Demonyms matter as much as names: wire rewrites swap "Canadian wildfires" for "wildfires in
    Winnipeg", and "Russian" / "Iranian" is as much a country swap as "Russia" / "Iran". Forms
    come from pycountry and from the tagger's gazetteer (``data/countries.csv``, case-insensitive
    entries only: "Polish" or "Dane" folded are ordinary words). Its blockers (``data/blockers.csv``:
    "British Columbia", "Indian Act") hide the country words they contain. Capitals are left out:
    "Victoria" and "Kingston" are Canadian cities before they are foreign capitals.
    """

    def key(form: str) -> tuple[str, ...]:
        return tuple(w for w in _words(form) if w not in STOPWORDS and len(w) > 1)

    names: dict[tuple[str, ...], str] = {}
    for code in all_country_codes():
        record = pycountry.countries.get(alpha_3=code)
        forms = {country_name(code, "en"), country_name(code, "fr")}
        if record is not None:
            forms |= {record.name, getattr(record, "common_name", record.name)}
        for form in forms:
            if key(form):
                names.setdefault(key(form), code)
    for row in _data_rows("countries.csv"):
        if row.get("kind") in ("name", "demonym") and row.get("case") == "fold" and key(row.get("term") or ""):
            names.setdefault(key(row["term"]), row["code"])
    # Short forms headlines use more than the ISO names.
    for alias, code in (
        ("us", "USA"),
        ("usa", "USA"),
        ("uk", "GBR"),
        ("britain", "GBR"),
        ("turkey", "TUR"),
        ("czech republic", "CZE"),
        ("drc", "COD"),
        ("uae", "ARE"),
        # sports and news name the home nations: "loss to Sweden" / "loss to Scotland"
        ("england", "GBR"),
        ("scotland", "GBR"),
        ("wales", "GBR"),
        ("angleterre", "GBR"),
        ("ecosse", "GBR"),
        ("pays galles", "GBR"),
    ):
        names.setdefault(tuple(alias.split()), code)
    for row in _data_rows("blockers.csv"):
        if row.get("case") == "fold" and len(key(row.get("term") or "")) > 1:
            names[key(row["term"])] = ""
    return names


def _data_rows(name: str) -> list[dict[str, str]]:
    path = DATA_DIR / name
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


@lru_cache(maxsize=1)
def _longest_name() -> int:
    return max(len(k) for k in _country_names())


def _country_spans(tokens: list[str]) -> tuple[frozenset[str], frozenset[str]]:
    """Country codes named in a token list, and the tokens that name them (longest match wins)."""
    names = _country_names()
    codes, words, i = set(), set(), 0
    while i < len(tokens):
        for size in range(min(_longest_name(), len(tokens) - i), 0, -1):
            code = names.get(tuple(tokens[i : i + size]))
            if code is not None:
                if code:
                    codes.add(code)
                    words.update(tokens[i : i + size])
                i += size
                break
        else:
            i += 1
    return frozenset(codes), frozenset(words)


def _given_countries(frame: pd.DataFrame) -> list[frozenset[str]] | None:
    if "countries" not in frame:
        return None
    out = []
    for v in frame["countries"].tolist():
        codes = v.split(",") if isinstance(v, str) else (v if isinstance(v, (list, tuple, set, frozenset)) else ())
        out.append(frozenset(c.strip() for c in codes if isinstance(c, str) and c.strip()))
    return out


def _blocking_keys(token_lists: list[list[str]]) -> list[list[str]]:
    # A token no other title has cannot bring two titles together, so it never takes a key slot
    # (otherwise a copy's added words, unique in the batch, would crowd out the shared ones).
    df = Counter(t for toks in token_lists for t in set(toks))
    return [
        sorted((t for t in set(toks) if df[t] > 1), key=lambda t: (df[t], t))[:KEYS_PER_TITLE] for toks in token_lists
    ]


def _scores(
    texts: list[str], start: int, stop: int, end: int, rows: np.ndarray | None = None, cols: np.ndarray | None = None
) -> np.ndarray:
    """token_set_ratio of texts[start:stop] (or ``rows``) against texts[start:end] (or ``cols``), 0 under the gate."""
    queries = texts[start:stop] if rows is None else [texts[i] for i in rows]
    choices = texts[start:end] if cols is None else [texts[i] for i in cols]
    if len(queries) * len(choices) <= _SMALL:  # most real blocks: cdist's set-up would dominate
        return np.array(
            [[fuzz.token_set_ratio(q, c, score_cutoff=THRESHOLD) for c in choices] for q in queries], dtype=np.uint8
        ).reshape(len(queries), len(choices))
    return process.cdist(
        queries, choices, scorer=fuzz.token_set_ratio, score_cutoff=THRESHOLD, dtype=np.uint8, workers=1
    )


def cluster_stories(articles: pd.DataFrame) -> pd.Series:
    """Story id for each article: the smallest id among the copies of its story.

    ``articles`` has columns id, title, published_at (ISO 8601 string or datetime) and
    source, and optionally countries (the tagger's codes per article, as a list or a
    comma-separated string; better than the names found in titles alone, and an empty value
    falls back to them). Returns an int64 Series named ``story_id`` indexed by ``id`` (input
    order, first row kept when an id repeats). Articles without a usable title or date are
    their own story.
    """
    if articles.empty:
        return pd.Series([], index=pd.Index([], name="id", dtype="int64"), name="story_id", dtype="int64")
    frame = articles.drop_duplicates("id")
    ids = frame["id"].to_numpy(dtype="int64")
    times = pd.to_datetime(frame["published_at"], utc=True, errors="coerce", format="mixed")
    sources = frame["source"].tolist() if "source" in frame else [None] * len(frame)
    norms = [normalize_title(t, s) for t, s in zip(frame["title"].tolist(), sources)]
    cores = [core_clause(t, s, n) for t, s, n in zip(frame["title"].tolist(), sources, norms)]
    has_core = np.array([c != n for c, n in zip(cores, norms)])
    ns = times.to_numpy(dtype="datetime64[ns]").astype("int64")
    valid = ~times.isna().to_numpy() & np.array([bool(n) for n in norms])

    window = WINDOW.value
    same_src = SAME_SOURCE_WINDOW.value
    uf = _UnionFind(len(frame))  # on row positions; a cluster's root is its first row
    tokens = [n.split() for n in norms]
    blocks: dict[str, list[int]] = defaultdict(list)
    for row, keys in enumerate(_blocking_keys(tokens)):
        if valid[row]:
            for key in keys:
                blocks[key].append(row)

    given = _given_countries(frame)
    spans: dict[int, tuple[frozenset[str], frozenset[str]]] = {}

    def span(row: int) -> tuple[frozenset[str], frozenset[str]]:
        if row not in spans:
            spans[row] = _country_spans(tokens[row])
        return spans[row]

    def countries(row: int) -> frozenset[str]:
        if given is not None and given[row]:
            return given[row]
        return span(row)[0]

    titles = frame["title"].tolist()
    propers: dict[int, frozenset[str] | None] = {}

    def proper(row: int) -> frozenset[str] | None:
        if row not in propers:
            propers[row] = proper_nouns(titles[row])
        return propers[row]

    def match(ri: int, rj: int, scored: bool = False) -> bool:
        if sources[ri] is not None and sources[ri] == sources[rj] and abs(ns[ri] - ns[rj]) > same_src:
            return False
        if abs(ns[ri] - ns[rj]) > window:
            return False
        ca, cb = countries(ri), countries(rj)
        if (ca - cb) and (cb - ca):
            return False  # "sanctions on Russia" / "sanctions on Iran"
        if not scored and fuzz.token_set_ratio(norms[ri], norms[rj], score_cutoff=THRESHOLD) < THRESHOLD:
            return False
        return same_story(norms[ri], norms[rj], proper(ri), proper(rj), span(ri)[1], span(rj)[1])

    # Verifications per title: the second hard cap. A title has a handful of close candidates in
    # real news; thousands of near-identical titles that fail verification (same outlet a day
    # apart, different numbers) would otherwise each be verified against every neighbour.
    verified = np.zeros(len(frame), dtype=np.int32)
    checked: set[tuple[int, int]] = set()
    for rows in blocks.values():
        if len(rows) < 2:
            continue
        rows_arr = np.array(rows)
        rows_arr = rows_arr[np.argsort(ns[rows_arr], kind="stable")]
        t = ns[rows_arr]
        texts = [norms[r] for r in rows_arr]
        core_texts = [cores[r] for r in rows_arr]
        with_core = has_core[rows_arr]
        # Each title meets at most the NEIGHBOURS titles after it in the block's time order (and
        # only those within the window), so a block of alike titles costs NEIGHBOURS comparisons
        # per title instead of its whole size: the cost stays linear whatever the titles. In a
        # sparse block the window is the bound; in a dense one the band narrows it to a few hours.
        for start in range(0, len(rows_arr) - 1, NEIGHBOURS):
            stop = min(start + NEIGHBOURS, len(rows_arr))
            end = min(stop + NEIGHBOURS, int(np.searchsorted(t, t[stop - 1] + window, side="right")))
            if end - start < 2:
                continue
            scores = _scores(texts, start, stop, end)
            # "Carney sworn in as prime minister; U.S. trade war tops agenda": an added clause
            # drags the whole-title score under the gate, so main clauses are scored too (only
            # for the titles that have one). Verification below still looks at whole titles.
            q_core = np.flatnonzero(with_core[start:stop])
            if len(q_core):
                sub = _scores(core_texts, start, stop, end, rows=q_core + start)
                scores[q_core] = np.maximum(scores[q_core], sub)
            c_core = np.flatnonzero(with_core[start:end])
            if len(c_core):
                sub = _scores(core_texts, start, stop, end, cols=c_core + start)
                scores[:, c_core] = np.maximum(scores[:, c_core], sub)
            qi, cj = np.nonzero(scores)
            qi_abs, cj_abs = qi + start, cj + start
            keep = (cj_abs > qi_abs) & (cj_abs - qi_abs <= NEIGHBOURS) & (t[cj_abs] - t[qi_abs] <= window)
            row_i, row_j = rows_arr[qi_abs[keep]], rows_arr[cj_abs[keep]]
            # Vectorized first pass: pairs already in one story, or with a title out of budget,
            # never reach the per-pair Python below (roots only merge, so the snapshot is safe).
            keep = (
                (uf.roots(row_i) != uf.roots(row_j))
                & (verified[row_i] < MAX_VERIFIED)
                & (verified[row_j] < MAX_VERIFIED)
            )
            for ri, rj in zip(row_i[keep].tolist(), row_j[keep].tolist()):
                pair = (ri, rj) if ri < rj else (rj, ri)
                if pair in checked:
                    continue
                checked.add(pair)
                root_i, root_j = uf.find(ri), uf.find(rj)
                if root_i == root_j or verified[ri] >= MAX_VERIFIED or verified[rj] >= MAX_VERIFIED:
                    continue
                verified[ri] += 1
                verified[rj] += 1
                if not match(ri, rj, scored=True):
                    # The two differ ("..., 5 dead" / "..., 7 dead"), but one may still be a copy
                    # of the story the other joined: try the first article of that story.
                    if root_j != rj and match(ri, root_j) and (root_i == ri or match(root_i, root_j)):
                        uf.union(ri, root_j)
                    elif root_i != ri and match(root_i, rj) and (root_j == rj or match(root_i, root_j)):
                        uf.union(root_i, rj)
                    continue
                # Single linkage drifts: A~B, B~C, C~D can chain four different headlines
                # sharing a template. A link must also hold against each cluster's first
                # article, so every member stays close to the story it joined.
                if (root_i == ri or match(root_i, rj)) and (root_j == rj or match(ri, root_j)):
                    uf.union(ri, rj)

    roots = np.array([uf.find(i) for i in range(len(frame))])
    smallest = pd.Series(ids).groupby(roots).transform("min").to_numpy()
    return pd.Series(smallest, index=pd.Index(ids, name="id"), name="story_id", dtype="int64")
