"""Header and answer-label matching for ``kapta-research init`` (see :mod:`kapta_research.init`).

Everything here is pure: text in, guesses out.  A guess carries the header
text it was made from so that the draft can say why it proposed it.

Matching rules
--------------
Headers are compared after :func:`normalize`: Unicode NFKC, camelCase split
("ResponseId" -> "response id"; the unsplit form is tried too, so odd
capitals do not matter), case folded, every run of non-alphanumeric
characters (spaces, ``_``, ``-``, ``/``, ``:``) turned into one space.  So
matching never depends on case or surrounding space.  Each canonical column
has *aliases* (whole-text matches, best first) and *patterns* (regular
expressions searched in the text, for question texts such as "How likely are
you to recommend Acme to a colleague?").  For a matrix question ("Please
rate Acme on the following - Trust") the part after the last " - " is tried
first, as a whole header.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .io.formats import PRESETS as _LOADER_PRESETS
from .schema import DRIVERS, ROLES, TABLES

__all__ = ["normalize", "Guess", "match_columns", "score_tables", "detect_scale",
           "guess_roles", "guess_churn_labels", "PRESETS"]


def normalize(text, *, split_camel: bool = True) -> str:
    """Header text as compared: camelCase split, case folded, punctuation as single spaces.

    Examples
    --------
    >>> normalize("  ResponseId ")
    'response id'
    >>> normalize("Account_ID")
    'account id'
    >>> normalize("How likely are you to RECOMMEND Acme?")
    'how likely are you to recommend acme'
    """
    text = unicodedata.normalize("NFKC", str(text))
    if split_camel:
        text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)      # responseId -> response Id
        text = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", text)    # IDNumber -> ID Number
    text = text.casefold()
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


# --------------------------------------------------------------------------
# column vocabulary: canonical name -> (aliases, patterns)
# Aliases are whole normalised headers (earlier = preferred); patterns are searched.
# --------------------------------------------------------------------------
_ID = {
    "response_id": (("response id", "responseid", "respondent id", "response", "survey response id",
                     "id"), ()),
    "invitation_id": (("invitation id", "invite id", "invitation", "distribution id"), ()),
    "contact_id": (("contact id", "contactid", "contact", "respondent contact id", "person id",
                    "external reference", "external data reference"), ()),
    "account_id": (("account id", "accountid", "account 18 id", "account id 18", "account number",
                    "customer id", "company id", "account", "org id", "organisation id",
                    "organization id"), ()),
}
_COLUMNS: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "accounts": {
        "account_id": (*_ID["account_id"][:1], ()),
        "account_name": (("account name", "company name", "company", "customer name", "customer",
                          "organisation", "organization", "name"), ()),
        "segment": (("segment", "customer segment", "account segment", "tier", "account tier"),
                    (r"\bsegment\b",)),
        "region": (("region", "billing region", "sales region", "territory", "geo", "geography"),
                   (r"\bregion\b",)),
        "industry": (("industry", "sector", "vertical"), (r"\bindustry\b",)),
        "annual_value": (("annual value", "annual revenue", "arr", "acv", "annual contract value",
                          "contract value", "amount", "revenue"),
                         (r"\bannual (contract )?(value|revenue)\b",)),
        "account_manager": (("account manager", "account owner", "owner", "key account manager",
                             "kam", "csm", "customer success manager"), (r"\baccount (manager|owner)\b",)),
        "customer_since": (("customer since", "client since", "start date", "account start date",
                            "contract start date", "created date"), (r"\bcustomer since\b",)),
        "renewal_date": (("renewal date", "next renewal date", "contract end date", "contract end"),
                         (r"\brenewal date\b",)),
        "churned": (("churned", "churn", "is churned", "lost", "renewal stage", "renewal status",
                     "stage", "renewal outcome", "status"), (r"\bchurn",)),
        "churn_date": (("churn date", "churned on", "churned at", "date churned", "lost date",
                        "date lost", "cancellation date", "cancelled on"), (r"\bchurn\w* (date|on)\b",)),
    },
    "contacts": {
        "contact_id": (*_ID["contact_id"][:1], ()),
        "account_id": (*_ID["account_id"][:1], ()),
        "role": (("role", "contact role", "persona", "title", "job title", "position", "buying role"),
                 (r"\brole\b",)),
        "name": (("name", "full name", "contact name", "contact"), ()),
        "email": (("email", "e mail", "email address", "e mail address", "contact email"),
                  (r"\be ?mail\b",)),
    },
    "invitations": {
        "invitation_id": (*_ID["invitation_id"][:1], ()),
        "contact_id": (*_ID["contact_id"][:1], ()),
        "account_id": (*_ID["account_id"][:1], ()),
        "wave": (("wave", "survey wave", "round", "cycle", "quarter", "period"), (r"\bwave\b",)),
        "sent_at": (("sent at", "sent", "sent date", "date sent", "invitation date", "invited at",
                     "invite date", "sent on"), (r"\bsent\b",)),
    },
    "responses": {
        "response_id": (*_ID["response_id"][:1], ()),
        "invitation_id": (*_ID["invitation_id"][:1], ()),
        "contact_id": (*_ID["contact_id"][:1], ()),
        "account_id": (*_ID["account_id"][:1], ()),
        "wave": (("wave", "survey wave", "round", "cycle", "quarter", "period"), (r"\bwave\b",)),
        "responded_at": (("responded at", "recorded date", "end date", "date submitted", "submitted at",
                          "submitted", "completed at", "completion date", "response date", "date",
                          "start date"), (r"\bresponded\b",)),
        "ltr": (("ltr", "nps", "likelihood to recommend", "recommend", "net promoter score"),
                (r"\blikel\w*\b.*\brecommend", r"\brecommend\w*\b.*\blikel", r"\bnet promoter\b")),
        "trust": (("trust",), (r"\btrust",)),
        "commitment": (("commitment", "committed"), (r"\bcommit",)),
        "satisfaction": (("satisfaction", "overall satisfaction", "satisfied"), (r"\bsatisf",)),
        "feel_valued": (("feel valued", "feeling valued", "valued", "feel valued as a customer"),
                        (r"\bvalued\b",)),
        "leading_edge": (("leading edge", "innovation", "innovative", "cutting edge"),
                         (r"\bleading edge\b", r"\binnovat")),
        "value_for_money": (("value for money", "value", "price value", "worth the money"),
                            (r"\bvalue for money\b", r"\bworth\b.*\b(money|price|cost)")),
        "ease_of_doing_business": (("ease of doing business", "ease of business", "easy to do business with",
                                    "ease"), (r"\bease of doing business\b", r"\beasy to (do|work)",
                                              r"\bease\b")),
        "proactivity": (("proactivity", "proactive", "proactiveness"), (r"\bproactiv",)),
        "comment": (("comment", "comments", "verbatim", "feedback", "open ended response", "why",
                     "reason"), (r"\bcomment", r"\bwhy\b", r"\breason\b", r"\banything else\b",
                                 r"\bimprove\b")),
    },
    "followups": {
        "response_id": (*_ID["response_id"][:1], ()),
        "followed_up_at": (("followed up at", "follow up date", "followed up", "followup date",
                            "follow up at", "closed loop date", "date followed up", "contacted at"),
                           (r"\bfollow\w* ?up\b.*\b(date|at|on)\b",)),
        "owner": (("owner", "follow up owner", "assigned to", "case owner", "handled by"), (r"\bowner\b",)),
        "outcome": (("outcome", "result", "resolution", "follow up outcome", "status"), (r"\boutcome\b",)),
    },
    "voc_interviews": {
        "account_id": (*_ID["account_id"][:1], ()),
        "interview_date": (("interview date", "date of interview", "interviewed on", "date", "meeting date"),
                           (r"\binterview\w*\b.*\bdate\b", r"\bdate\b.*\binterview")),
        "interviewer": (("interviewer", "interviewed by", "conducted by", "host"), (r"\binterviewer\b",)),
    },
}
_COLUMNS["employees"] = {
    "employee_id": (("employee id", "employeeid", "employee", "employee number", "staff id", "staff number",
                     "personnel number", "worker id", "emp id"), (r"\bemployee\b.*\b(id|number)\b",)),
    "team": (("team", "team name", "department", "business unit", "unit", "squad"), (r"\bteam\b",)),
    "account_ids": (("account ids", "accounts", "accounts served", "account list", "assigned accounts",
                     "portfolio"), (r"\baccounts? (served|ids|list)\b",)),
    "wave": (("wave", "survey wave", "round", "cycle", "quarter", "period"), (r"\bwave\b",)),
    "ltr": (("ltr", "enps", "employee nps", "e nps", "recommend", "likelihood to recommend"),
            (r"\brecommend\w*\b.*\b(work|employer|place)\b", r"\benps\b")),
}
_COLUMNS["contacts"]["name"] = (("name", "full name", "contact name"), ())

#: Canonical names that occur in only one table (they tell the tables apart).
_OWN = {c for t in _COLUMNS for c in TABLES[t]["columns"]
        if sum(c in TABLES[other]["columns"] for other in _COLUMNS) == 1}


@dataclass(frozen=True)
class Guess:
    """One proposed mapping: export ``header`` -> canonical ``column``, with its evidence."""

    header: str         # the export column as the loader will see it (the key in `columns:`)
    column: str         # canonical name
    evidence: str       # the text it was guessed from (header or question text)
    score: float        # 3 = whole-header alias, 2 = alias of a matrix sub-label, 1 = pattern


def _candidates(texts: list[str]) -> list[tuple[str, float]]:
    """Normalised texts to try for one column, with a base score (whole text first)."""
    out = []
    for t in texts:
        parts = [(str(t), 1.0)]
        if " - " in str(t):
            parts.append((str(t).rsplit(" - ", 1)[1], 0.9))
        for part, weight in parts:
            # with and without camelCase splitting, so that odd capitals ("aCCount ID") still match
            for n in {normalize(part), normalize(part, split_camel=False)}:
                if n:
                    out.append((n, weight))
    return out


def _score(cands: list[tuple[str, float]], aliases, patterns) -> float:
    best = 0.0
    for text, weight in cands:
        for i, alias in enumerate(aliases):
            if text == alias:
                best = max(best, (3.0 - 0.01 * i) * weight)
        for i, pat in enumerate(patterns):
            if re.search(pat, text):
                best = max(best, (1.0 - 0.01 * i) * weight)
    return best


def match_columns(headers: list[str], texts: dict[str, list[str]] | None, table: str) -> list[Guess]:
    """Propose canonical names for the export ``headers`` of a ``table``.

    Parameters
    ----------
    headers : list of str
        Column names as the loader sees them (the keys of ``columns:``).
    texts : dict, optional
        Extra texts per header to match (e.g. a Qualtrics question text).
    table : str
        Canonical table whose columns are proposed.

    Returns
    -------
    list of Guess
        At most one guess per header and per canonical column, best first;
        a header equal to its canonical name is included (mapped to itself).

    Examples
    --------
    >>> [(g.header, g.column) for g in match_columns(["Account ID", " SEGMENT "], None, "accounts")]
    [('Account ID', 'account_id'), (' SEGMENT ', 'segment')]
    """
    vocab = _COLUMNS[table]
    scored = []
    for pos, h in enumerate(headers):
        evidence_texts = [h, *((texts or {}).get(h) or [])]
        cands = _candidates(evidence_texts)
        for col, (aliases, patterns) in vocab.items():
            s = _score(cands, (normalize(col), *aliases), patterns)
            if s > 0:
                ev = max(evidence_texts, key=lambda t: _score(_candidates([t]), (normalize(col), *aliases),
                                                               patterns))
                scored.append((s, -pos, Guess(h, col, str(ev).strip(), s)))
    scored.sort(key=lambda x: (-x[0], -x[1]))
    used_h, used_c, out = set(), set(), []
    for _, _, g in scored:
        if g.header in used_h or g.column in used_c:
            continue
        used_h.add(g.header)
        used_c.add(g.column)
        out.append(g)
    order = {h: i for i, h in enumerate(headers)}
    return sorted(out, key=lambda g: order[g.header])


def score_tables(headers: list[str], texts: dict[str, list[str]] | None = None) -> dict[str, float]:
    """How well the headers fit each table: 2 per column only that table has
    (and for its primary key), 0.5 per shared column.

    Examples
    --------
    >>> s = score_tables(["Contact ID", "Account ID", "Role", "Email"])
    >>> max(s, key=s.get)
    'contacts'
    """
    from .schema import PRIMARY_KEYS
    out = {}
    for table in _COLUMNS:
        total = 0.0
        for g in match_columns(headers, texts, table):
            own = g.column in _OWN or PRIMARY_KEYS.get(table) == g.column
            total += (2.0 if own else 0.5) * min(g.score, 3.0) / 3.0
        out[table] = total
    return out


# --------------------------------------------------------------------------
# answer labels
# --------------------------------------------------------------------------
#: Label presets: the loader's, so that a proposed preset reads exactly as the loader reads it.
PRESETS: dict[str, dict[str, int]] = _LOADER_PRESETS
#: Ordered answer vocabularies that are not presets: mapped evenly onto the declared scale.
_ORDINAL = (
    ("never", "rarely", "sometimes", "often", "always"),
    ("never", "rarely", "occasionally", "sometimes", "often", "usually", "always"),
    ("very poor", "poor", "fair", "good", "very good", "excellent"),
    ("not at all", "slightly", "moderately", "very", "extremely"),
)
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_LEADING_NUMBER = re.compile(r"^\s*(\d+)\s*(?:[-=:.)]|\s)\s*\S")


def _fold(label: str) -> str:
    return " ".join(str(label).split()).casefold()


@dataclass(frozen=True)
class ScaleGuess:
    """What the answers of one column are: ``kind`` is 'numeric', a preset name,
    'map' (``mapping`` holds label -> number, ``None`` where unknown) or 'empty'."""

    kind: str
    mapping: dict | None = None
    labels: tuple = ()
    low: float | None = None
    high: float | None = None
    reason: str = ""

    @property
    def complete(self) -> bool:
        return self.kind != "map" or all(v is not None for v in (self.mapping or {}).values())


def detect_scale(values, *, scale: tuple[int, int]) -> ScaleGuess:
    """Classify a column's answers: numbers, a label preset, or a label map.

    Parameters
    ----------
    values : iterable of str
        The column's cells (blanks ignored).
    scale : (int, int)
        The declared scale that label maps are spread over.

    Returns
    -------
    ScaleGuess

    Examples
    --------
    >>> detect_scale(["Agree", "strongly agree ", "Somewhat disagree"], scale=(1, 7)).kind
    'agree7'
    >>> detect_scale(["3", "7", ""], scale=(1, 7)).kind
    'numeric'
    >>> detect_scale(["Never", "Sometimes", "Always"], scale=(1, 7)).mapping
    {'Never': 1, 'Sometimes': 4, 'Always': 7}
    """
    seen, firsts = {}, []
    for v in values:
        if v is None or (isinstance(v, float) and v != v):
            continue
        s = str(v).strip()
        if not s:
            continue
        if s not in seen:
            seen[s] = True
            firsts.append(s)
    if not firsts:
        return ScaleGuess("empty", reason="no answers")
    numbers = [float(s) for s in firsts if _NUMBER.match(s)]
    labels = [s for s in firsts if not _NUMBER.match(s)]
    lo = min(numbers) if numbers else None
    hi = max(numbers) if numbers else None
    if not labels:
        return ScaleGuess("numeric", low=lo, high=hi, reason=f"numbers {lo:g} to {hi:g}")
    # distinct labels in first-seen order, one spelling per folded label
    folded: dict[str, str] = {}
    for s in labels:
        folded.setdefault(_fold(s), s)
    keys = set(folded)
    # the preset with fewest labels that holds every label seen (numbers pass through a preset)
    fits = [(len(m), name) for name, m in PRESETS.items() if keys <= {_fold(k) for k in m}]
    if fits:
        name = min(fits)[1]
        order = [_fold(k) for k in PRESETS[name]]
        shown = tuple(sorted(folded.values(), key=lambda x: order.index(_fold(x))))
        return ScaleGuess(name, labels=shown, low=lo, high=hi,
                          reason=f"the answers {', '.join(repr(x) for x in shown)}")
    # "7 - Strongly agree": the leading number is the value
    lead = {s: _LEADING_NUMBER.match(s) for s in folded.values()}
    if all(lead.values()):
        mapping = {s: int(m.group(1)) for s, m in lead.items()}
        return ScaleGuess("map", mapping=mapping, labels=tuple(mapping),
                          reason="labels that start with their number")
    lo_s, hi_s = scale
    # a vocabulary with as many words as the scale has points first (each word then lands on a number)
    for vocab in sorted(_ORDINAL, key=lambda v: len(v) != hi_s - lo_s + 1):
        if keys <= set(vocab):
            step = (hi_s - lo_s) / (len(vocab) - 1)
            mapping = {}
            for s in folded.values():
                v = lo_s + vocab.index(_fold(s)) * step
                mapping[s] = int(round(v)) if abs(v - round(v)) < 1e-9 else None
            return ScaleGuess("map", mapping=mapping, labels=tuple(mapping),
                              reason=f"the ordered answers {' < '.join(vocab)} spread over {lo_s}-{hi_s}")
    return ScaleGuess("map", mapping={s: None for s in folded.values()}, labels=tuple(folded.values()),
                      reason="labels of no known scale")


_ROLE_WORDS = (
    ("executive_sponsor", r"\bsponsor\b|\bexecutive\b"),
    ("decision_maker", r"\bdecision\b|\bceo\b|\bcfo\b|\bcoo\b|\bcio\b|\bcto\b|\bchief\b|\bvp\b|"
                       r"\bvice president\b|\bpresident\b|\bdirector\b|\bhead\b|\bowner\b|\bbuyer\b|"
                       r"\beconomic\b|\bsigner\b"),
    ("influencer", r"\binfluenc|\bprocurement\b|\bpurchas|\bmanager\b|\bconsultant\b|\badvisor\b|"
                   r"\bchampion\b|\bevaluator\b"),
    ("user", r"\buser\b|\bend user\b|\boperator\b|\bstaff\b|\bemployee\b|\banalyst\b|\bengineer\b"),
)


def guess_roles(values) -> dict[str, str | None]:
    """Map role labels that are not canonical roles to a canonical role (``None`` = unknown).

    Examples
    --------
    >>> guess_roles(["End User", "CFO", "Procurement", "user", "Mascot"])
    {'End User': 'user', 'CFO': 'decision_maker', 'Procurement': 'influencer', 'Mascot': None}
    """
    out: dict[str, str | None] = {}
    for v in values:
        s = "" if v is None else str(v).strip()
        if not s or s in out or s.casefold().replace(" ", "_") in ROLES:
            continue
        n = normalize(s)
        out[s] = next((role for role, pat in _ROLE_WORDS if re.search(pat, n)), None)
    return out


_TRUE_WORDS = r"\blost\b|\bchurn|\bcancel|\bterminat|\bnot renew|\bnon renew|\bdid not renew|^yes$|^true$|^y$|^1$"
_FALSE_WORDS = r"\bwon\b|\brenewed\b|\bretained\b|\bactive\b|^no$|^false$|^n$|^0$|\bcustomer\b"


def guess_churn_labels(values) -> tuple[list[str], list[str], list[str]]:
    """Split a churn column's labels into (churned, not churned, unknown).

    Examples
    --------
    >>> guess_churn_labels(["Closed Won", "Closed Lost", "Negotiation", "Closed Won"])
    (['Closed Lost'], ['Closed Won'], ['Negotiation'])
    """
    t, f, u = [], [], []
    for v in values:
        s = "" if v is None else str(v).strip()
        if not s or s in t or s in f or s in u:
            continue
        n = normalize(s)
        (t if re.search(_TRUE_WORDS, n) else f if re.search(_FALSE_WORDS, n) else u).append(s)
    return t, f, u


#: Required canonical columns per table, with DRIVERS for convenience.
REQUIRED = {t: spec["required"] for t, spec in TABLES.items()}
SCORED = ("ltr", *DRIVERS)
