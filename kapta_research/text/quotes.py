"""Anonymised quotes: personal data scrubbed, representative comments per theme and category.

Scrubbing (:func:`scrub_pii`)
    * e-mail addresses -> ``[email]``;
    * phone numbers (a run of at least seven digits, possibly with a leading
      ``+``, spaces, dots, dashes or brackets between them) -> ``[phone]``;
    * the names of the programme's contacts (``contacts.name``: the full
      name, and each part of it of at least three letters written with a
      capital) and account managers (``accounts.account_manager``), and any
      extra ``names`` -> ``[name]``;
    * optionally (``account_names=True``) the programme's account names ->
      ``[account]``.
    * the person names an export carried in columns the loader drops
      (``Programme.person_names``: Qualtrics recipient / SurveyMonkey
      first and last names);
    * when the programme knows no contact names at all (no ``contacts.name``),
      also any capitalised words or ``Word 00123``-like tokens after a
      greeting or credit cue ("Thanks to", "Say hello to", "Regards,",
      "ask for", "spoke with", ...) and any ``Contact 00123`` token
      (:data:`PERSON_CUE`), since the contacts the comments name may not be
      respondents.  :func:`scrub_description` words what was done.
    Names are replaced longest first, whole words only, ignoring case for
    full names.  Scrubbing errs on the side of removing: a contact called
    "Will" blanks the word "Will" at the start of a sentence.
Choice of quotes (:func:`quotes`)
    Among the comments that mention a theme, per category: with a sentiment
    table, those whose tone fits the category first (a detractor's negative
    comment, a promoter's positive one); then those that mention the fewest
    themes (a quote about one thing reads as
    evidence for it), then comments of 40-240 characters before others, then
    the shortest, then table order -- deterministic, no random choice.
"""
from __future__ import annotations

import difflib
import re

import numpy as np
import pandas as pd

from .. import rules
from .._validation import check_bool, check_columns, check_int
from ..errors import ParameterError
from .impact import _check_memberships

__all__ = ["scrub_pii", "scrub_description", "quotes", "EMAIL", "PHONE", "PERSON_CUE"]

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w])\+?\d(?:[\s().-]*\d){6,}(?![\w])")
_CAP = r"(?:[A-Z][\w'-]*|\d{3,})"
#: a person named after a cue word, for programmes without contact names (see module docs)
PERSON_CUE = re.compile(
    r"(?P<cue>\b(?:[Tt]hanks? (?:you )?to|[Tt]hank(?:s| you)?,?|[Hh]ello to|[Hh]i to|[Rr]egards,?|[Cc]heers,?"
    r"|[Bb]est,|[Ss]incerely,?|[Aa]sk(?:ed)? for|[Ss]p(?:o|ea)ke? (?:to|with)|[Tt]alk(?:ed)? (?:to|with)"
    r"|[Ww]orking with|[Cc]redit to) )" + rf"(?P<name>{_CAP}(?: {_CAP}){{0,2}})"
    r"|\b[Cc]ontact \d{3,}\b")


def _name_pattern(names) -> re.Pattern | None:
    full, parts = set(), set()
    for n in names:
        if not isinstance(n, str) or not n.strip():
            continue
        full.add(n.strip())
        parts.update(p for p in re.split(r"[\s,.-]+", n.strip()) if len(p) >= 3 and p[0].isupper() and
                     not p.isdigit())
    if not full:
        return None
    alts = sorted(full, key=len, reverse=True)
    full_re = "|".join(re.escape(a) for a in alts)
    part_re = "|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True))
    pat = rf"(?i:\b(?:{full_re})\b)" + (rf"|\b(?:{part_re})\b" if part_re else "")
    return re.compile(pat)


def scrub_pii(texts, *, programme=None, names=(), account_names=False) -> pd.Series:
    """Replace e-mail addresses, phone numbers and the programme's names in ``texts`` by placeholders.

    Parameters
    ----------
    texts : Series or list of str
        Missing values stay missing.
    programme : Programme, optional
        Its contacts' names and account managers (and with ``account_names``
        its account names) are removed.
    names : sequence of str
        Further names to remove.
    account_names : bool
        Also replace the programme's account names by ``[account]``.

    Returns
    -------
    Series of str

    Examples
    --------
    >>> scrub_pii(["Mail jo.bloggs@acme.com or ring +44 20 7946 0958, ask Jo Bloggs."],
    ...           names=["Jo Bloggs"]).tolist()
    ['Mail [email] or ring [phone], ask [name].']
    """
    check_bool(account_names, name="account_names", func="scrub_pii")
    s = pd.Series(texts, dtype=object) if not isinstance(texts, pd.Series) else texts.astype(object)
    people = list(names)
    accounts = []
    if programme is not None:
        if "name" in programme.contacts:
            people += programme.contacts["name"].dropna().astype(str).tolist()
        if "account_manager" in programme.accounts:
            people += programme.accounts["account_manager"].dropna().astype(str).tolist()
        if account_names and "account_name" in programme.accounts:
            accounts = programme.accounts["account_name"].dropna().astype(str).tolist()
        people += list(getattr(programme, "person_names", ()))
    cue = _knows_no_contact_names(programme)
    pat = _name_pattern(people)
    acc = _name_pattern(accounts)

    def one(t):
        if not isinstance(t, str):
            return t
        t = EMAIL.sub("[email]", t)
        t = PHONE.sub("[phone]", t)
        if acc is not None:
            t = acc.sub("[account]", t)
        if cue:  # before the known names, so that "Contact 00148" goes whole, not as "[name] 00148"
            t = PERSON_CUE.sub(lambda m: f"{m['cue']}[name]" if m["cue"] else "[name]", t)
        if pat is not None:
            t = pat.sub("[name]", t)
        return t
    return s.map(one)


def _knows_no_contact_names(programme) -> bool:
    return programme is not None and (
        "name" not in programme.contacts or not programme.contacts["name"].notna().any())


def scrub_description(programme=None, *, account_names=False) -> str:
    """What :func:`scrub_pii` removes for ``programme``, in words for the report.

    Examples
    --------
    >>> import kapta_research as kr
    >>> scrub_description(kr.load_sample())
    'e-mails, phone numbers and the names of contacts and account managers replaced by placeholders'
    """
    what = ["e-mails", "phone numbers"]
    if programme is None:
        return "e-mails and phone numbers replaced by placeholders (no names known)"
    known = []
    if not _knows_no_contact_names(programme):
        known.append("contacts")
    elif getattr(programme, "person_names", ()):
        known.append("respondents (from the export's name columns)")
    if "account_manager" in programme.accounts and programme.accounts["account_manager"].notna().any():
        known.append("account managers")
    names = "the names of " + " and ".join(known) if known else ""
    if _knows_no_contact_names(programme):
        cue = "capitalised names after cues such as 'Thanks to' or 'Regards' (no contacts table with names)"
        names = f"{names}, and {cue}" if names else cue
    if account_names:
        names += ", and account names"
    return ", ".join(what) + " and " + names + " replaced by placeholders"


#: Two quotes whose normalised texts match at least this well (difflib ratio) count as one.
NEAR_DUPLICATE_RATIO = 0.85


def _normalised(text: str) -> str:
    return re.sub(r"\W+", " ", str(text).lower()).strip()


def _near_duplicate(quote: str, taken: list) -> bool:
    """Whether ``quote`` is (nearly) one of ``taken``: the same words but for a typo or punctuation.

    >>> _near_duplicate("The roadmap has stalled, no new feautres.", ["The roadmap has stalled, no new features."])
    True
    >>> _near_duplicate("Support is hard to reach.", ["Support is not helpful."])
    False
    """
    a = _normalised(quote)
    return any(difflib.SequenceMatcher(None, a, _normalised(t)).ratio() >= NEAR_DUPLICATE_RATIO for t in taken)


def quotes(data, memberships, *, per_theme=3, by="category", programme=None, text="comment", outcome="ltr",
           account_names=False, themes=None, sentiment=None) -> pd.DataFrame:
    """Representative, anonymised comments per theme and category.

    Parameters
    ----------
    data : DataFrame
        The responses the themes were computed on.
    memberships : Themes or DataFrame
        :func:`~kapta_research.text.themes` result (or its ``memberships``).
    per_theme : int
        Quotes per theme and group.
    by : str or None
        ``"category"`` (NPS category of ``outcome``), another column of
        ``data``, or None (one group).
    programme : Programme, optional
        Whose contact names and account managers are scrubbed (see
        :func:`scrub_pii`; e-mails and phone numbers are scrubbed always).
    text, outcome : str
    account_names : bool
        Also scrub account names.
    themes : list of str, optional
        Only these themes (default all).
    sentiment : DataFrame, optional
        :func:`~kapta_research.text.sentiment` of ``data``; with
        ``by="category"`` a detractor's negative comment and a promoter's
        positive one rank before the others (the quote then shows why the
        customer scored as they did).

    Returns
    -------
    DataFrame
        ``theme``, the ``by`` column (``category``), ``rank`` (1 = most
        representative), ``quote`` (scrubbed) and ``n_themes`` (themes the
        comment mentions).  No response, contact or account id.  Within a
        theme no quote is shown twice, nor a near-duplicate of one already
        shown for another group (difflib ratio >= ``NEAR_DUPLICATE_RATIO``
        after lower-casing and dropping punctuation: the same words but for
        a typo), so a group may get fewer than ``per_theme``.

    Examples
    --------
    >>> import kapta_research as kr
    >>> from kapta_research.text import themes as find_themes
    >>> prog = kr.load_sample()
    >>> r = prog.respondents()
    >>> q = quotes(r, find_themes(r), programme=prog)
    >>> list(q.columns)
    ['theme', 'category', 'rank', 'quote', 'n_themes']
    >>> bool(q["quote"].str.contains("@").any())
    False
    """
    func = "quotes"
    per_theme = check_int(per_theme, name="per_theme", func=func, low=1)
    mem = _check_memberships(data, memberships, func=func)
    check_columns(data, [text], func=func, name="text")
    if by == "category":
        check_columns(data, [outcome], func=func)
        group = pd.Series(np.asarray(rules.classify(pd.to_numeric(data.loc[mem.index, outcome]).to_numpy()),
                                     dtype=object), index=mem.index)
    elif by is None:
        group = pd.Series("all", index=mem.index)
    elif isinstance(by, str):
        check_columns(data, [by], func=func, name="by")
        group = data.loc[mem.index, by]
    else:
        raise ParameterError(f"The 'by' parameter of {func} must be 'category', a column name or None. "
                             f"Got {by!r} instead.")
    names = list(mem.columns) if themes is None else list(themes)
    unknown = [t for t in names if t not in mem.columns]
    if unknown:
        raise ParameterError(f"The 'themes' parameter of {func} must name themes of the memberships "
                             f"({', '.join(mem.columns)}). Got {unknown[0]!r} instead.")
    raw = data.loc[mem.index, text].astype(str)
    clean = scrub_pii(raw, programme=programme, account_names=account_names)
    frame = pd.DataFrame({"_group": group, "_k": mem.sum(axis=1).astype(int), "_len": raw.str.len(),
                          "_pos": np.arange(len(mem)), "_quote": clean,
                          "_pii": clean.str.contains(r"\[(?:email|phone|name|account)\]", regex=True).astype(int)},
                         index=mem.index)
    frame["_fit"] = (~frame["_len"].between(40, 240)).astype(int)
    frame["_tone"] = 0
    if sentiment is not None and by == "category":
        label = sentiment["label"].reindex(mem.index)
        expected = frame["_group"].map({"detractor": "negative", "promoter": "positive"})
        frame["_tone"] = (expected.notna() & (label != expected)).astype(int)
    label = "category" if by == "category" else (by or "group")
    rows = []
    for theme in names:
        sub = frame[mem[theme].to_numpy(bool) & frame["_group"].notna().to_numpy()]
        taken: list[str] = []   # a theme's quotes, across groups: no near-duplicate shown twice
        for key, g in sub.groupby("_group", sort=True):
            ranked = g.sort_values(["_tone", "_k", "_pii", "_fit", "_len", "_pos"]).drop_duplicates("_quote")
            rank = 0
            for q, k in zip(ranked["_quote"], ranked["_k"]):
                if rank == per_theme:
                    break
                if _near_duplicate(q, taken):
                    continue
                taken.append(q)
                rank += 1
                rows.append({"theme": theme, label: key, "rank": rank, "quote": q, "n_themes": int(k)})
    return pd.DataFrame(rows, columns=["theme", label, "rank", "quote", "n_themes"])
