"""Simulated open comments (component stream ``"comments"``), with a documented truth.

Truth
-----
Who comments
    A response carries a comment with probability 0.38.  Of the comments,
    4 % are "blank-like" (``-``, ``none``, ``No comment``), 3 % are written in
    another language (German, French, Spanish or Dutch; out of scope for the
    English-only text methods) and the rest are English.
Themes (:data:`THEMES`)
    Eight themes, each tied to one driver rating ``r`` of the response (a
    missing rating counts as the scale's midpoint 4).  With ``s = r − 4``
    the theme is mentioned *negatively* with probability
    ``expit(−2.3 − 0.9 s)`` and otherwise *positively* with probability
    ``expit(−3.2 + 0.8 s)``: low value for money brings pricing complaints,
    low ease of doing business process and billing complaints, high leading
    edge praise of innovation, and so on.  At most three themes are kept per
    comment (the first three in a random order); a comment that mentions no
    theme is a neutral remark (:data:`NEUTRAL_REMARKS`).  One in six mentions
    is a *negation* ("not expensive at all" is a positive pricing mention,
    "not proactive enough" a negative responsiveness one).
Noise
    Neutral filler sentences (:data:`FILLER`) in 20 % of comments; one
    typo (two adjacent letters swapped in a word of at least five letters)
    in 8 % of them.
Personal data (planted, to test scrubbing)
    3 % of English comments end with the respondent's e-mail address, 3 %
    with a phone number, 3 % thank another contact of the account by name,
    2 % name the account's manager and 3 % are signed with the respondent's
    name.  These sentences mention no theme.
Sentiment
    ``positive`` when a comment has more positive than negative mentions,
    ``negative`` when it has more negative ones, ``neutral`` otherwise.

:func:`simulate_comments` returns the comments and the truth table
(response_id, language, blank, themes as 0/1 columns, their polarity,
sentiment and the kind of planted personal data), which
:func:`~kapta_research.simulate.write_programme` saves as
``truth_comments.csv``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

__all__ = ["simulate_comments", "THEMES", "THEME_DRIVERS", "comment_truth_file"]

#: Mention logits (intercept, slope per rating point away from the midpoint).
NEGATIVE_MENTION = (-2.3, 0.9)
POSITIVE_MENTION = (-3.2, 0.8)
P_COMMENT, P_BLANK, P_FOREIGN = 0.38, 0.04, 0.03
P_NEGATION, P_FILLER, P_TYPO = 1 / 6, 0.2, 0.08
MAX_THEMES = 3

#: Theme -> (driver, negative phrases, positive phrases, negated phrases with their polarity).
THEMES: dict[str, dict] = {
    "pricing": dict(
        driver="value_for_money",
        negative=("the price is far too high", "the price went up again this year", "poor value for the price",
                  "prices keep rising", "the licence price is hard to justify", "overpriced, the price is too high"),
        positive=("a fair price", "good value for the price", "worth the price", "the pricing is competitive"),
        negated=(("the price is not high at all", "positive"), ("not worth the price any more", "negative"))),
    "process": dict(
        driver="ease_of_doing_business",
        negative=("too much paperwork in the process", "the ordering process is bureaucratic",
                  "the process makes it hard to get anything done", "the contract process takes forever",
                  "far too many approval steps in the process"),
        positive=("an easy process, easy to do business with", "a smooth onboarding process",
                  "the ordering process is simple", "the contract process was painless"),
        negated=(("the process is not easy", "negative"), ("no bureaucracy in the process", "positive"))),
    "billing": dict(
        driver="ease_of_doing_business",
        negative=("invoices are often wrong", "billing errors every month", "we were double charged on the invoice",
                  "credit notes for wrong invoices take months", "the invoicing is a mess"),
        positive=("invoicing is accurate", "billing is clear", "the invoices are always correct"),
        negated=(("no billing problems", "positive"), ("the invoices are never right", "negative"))),
    "responsiveness": dict(
        driver="proactivity",
        negative=("slow to respond to our emails", "we always have to chase you to respond",
                  "nobody responds or calls back", "you respond only when we escalate"),
        positive=("very responsive", "quick to respond", "a responsive and proactive account team",
                  "you respond before we even ask"),
        negated=(("not responsive enough", "negative"), ("never slow to respond", "positive"))),
    "product_quality": dict(
        driver="satisfaction",
        negative=("the platform is buggy", "frequent platform outages", "the quality has dropped",
                  "too many defects, the quality is poor", "the platform crashes"),
        positive=("a rock solid platform", "a reliable platform", "excellent product quality",
                  "the platform just works"),
        negated=(("the platform is not reliable", "negative"), ("no platform outages this year", "positive"))),
    "innovation": dict(
        driver="leading_edge",
        negative=("no innovation, outdated technology", "the roadmap has stalled, no new features",
                  "behind the competition on innovation", "no new features in years"),
        positive=("always ahead of the curve with innovation", "innovative new features",
                  "a great roadmap of new features", "cutting edge features"),
        negated=(("not innovative", "negative"), ("never behind the competition on features", "positive"))),
    "relationship": dict(
        driver="feel_valued",
        negative=("we feel like just a number to our account manager", "our account manager changed three times",
                  "the account manager does not listen to us", "the relationship has gone cold"),
        positive=("a great relationship with our account manager", "our account manager really values us",
                  "a trusted relationship", "the account manager listens to us"),
        negated=(("not treated as a partner", "negative"), ("never feel like just a number", "positive"))),
    "support": dict(
        driver="commitment",
        negative=("support tickets take weeks", "the support helpdesk is useless", "support is hard to reach",
                  "support closes tickets without a fix"),
        positive=("the support team is fantastic", "support resolves issues quickly", "great technical support"),
        negated=(("support is not helpful", "negative"), ("no problems with support", "positive"))),
}
#: Theme -> the driver whose rating drives its mentions.
THEME_DRIVERS = {t: spec["driver"] for t, spec in THEMES.items()}

FILLER = ("We have been a customer since 2019.", "Thanks for asking.", "Happy to discuss further.",
          "This is my second survey this year.", "Our team uses it daily.", "Just my view.",
          "Overall that is where we are.", "We have grown a lot recently.", "Looking forward to next year.",
          "Speaking for my department.", "We run it in three countries.", "Answering on behalf of my team.")
NEUTRAL_REMARKS = ("Nothing special to report.", "It is fine.", "As expected.", "About the same as last year.",
                   "We use it every day.", "Mixed feelings overall.")
#: Not "n/a" / "N/A": CSV readers take those for missing values, spreadsheets do not.
BLANK_LIKE = ("-", "nothing to add", "No comment", "none", ".")
FOREIGN = (("de", "Der Preis ist viel zu hoch und die Rechnungen sind oft falsch."),
           ("de", "Wir sind sehr zufrieden mit dem Team und der Zusammenarbeit."),
           ("fr", "Le service est très bon mais le prix est trop élevé pour nous."),
           ("fr", "Nous attendons toujours une réponse de votre équipe."),
           ("es", "El soporte es muy lento y las facturas tienen errores."),
           ("es", "Estamos muy contentos con la plataforma y con el equipo."),
           ("nl", "De facturen zijn vaak niet correct en het duurt lang."),
           ("nl", "Wij zijn zeer tevreden over de samenwerking met jullie."))
PII_KINDS = ("email", "phone", "contact_name", "account_manager", "signature")
P_PII = (0.03, 0.03, 0.03, 0.02, 0.03)


def _phone(rng) -> str:
    d = rng.integers(0, 10, 10)
    s = "".join(map(str, d))
    fmt = int(rng.integers(0, 4))
    if fmt == 0:
        return f"+44 20 {s[:4]} {s[4:8]}"
    if fmt == 1:
        return f"({s[:3]}) {s[3:6]}-{s[6:10]}"
    if fmt == 2:
        return f"+1-202-{s[:3]}-{s[3:7]}"
    return f"0{s[:3]} {s[3:6]} {s[6:10]}"


def _typo(text: str, rng) -> str:
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if sum(c.isalpha() for c in w) >= 5]
    if not long:
        return text
    i = long[int(rng.integers(0, len(long)))]
    w = words[i]
    j = int(rng.integers(1, len(w) - 2)) if len(w) > 3 else 0
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


def _sentence(parts: list[str]) -> str:
    text = parts[0][0].upper() + parts[0][1:]
    for p in parts[1:]:
        text += ", " + p if len(text) < 40 else ". " + p[0].upper() + p[1:]
    return text + "."


def simulate_comments(responses: pd.DataFrame, cat: np.ndarray, rng: np.random.Generator, *,
                      contacts: pd.DataFrame | None = None, accounts: pd.DataFrame | None = None):
    """Comments of ``responses`` and their truth (see the module docstring).

    Parameters
    ----------
    responses : DataFrame
        Response rows with ``response_id``, ``contact_id``, ``account_id`` and
        the driver ratings.
    cat : numpy.ndarray
        NPS category 0/1/2 (detractor/passive/promoter) of every response
        (kept for the signature; themes follow the driver ratings).
    rng : numpy.random.Generator
        The ``"comments"`` component stream.
    contacts, accounts : DataFrame, optional
        For the planted names, e-mail addresses and account managers.

    Returns
    -------
    comments : list of str or None
    truth : DataFrame
        One row per response with a comment: ``response_id``, ``language``
        (``en``, ``de``, ``fr``, ``es``, ``nl``), ``blank``, one 0/1 column per
        theme, ``<theme>_polarity`` (``positive``/``negative``/empty),
        ``sentiment`` and ``pii`` (kind of planted personal data or empty).
    """
    m = len(responses)
    has = rng.random(m) < P_COMMENT
    kind = rng.random(m)
    names = dict(zip(contacts["contact_id"], contacts["name"])) if contacts is not None else {}
    emails = dict(zip(contacts["contact_id"], contacts["email"])) if contacts is not None else {}
    by_account = (contacts.groupby("account_id")["name"].apply(list).to_dict() if contacts is not None else {})
    managers = (dict(zip(accounts["account_id"], accounts["account_manager"]))
                if accounts is not None and "account_manager" in accounts else {})
    themes = list(THEMES)
    ratings = np.column_stack([pd.to_numeric(responses[THEMES[t]["driver"]], errors="coerce")
                               .to_numpy(float) if THEMES[t]["driver"] in responses else np.full(m, 4.0)
                               for t in themes])
    s = np.nan_to_num(ratings, nan=4.0) - 4.0
    p_neg = expit(NEGATIVE_MENTION[0] + NEGATIVE_MENTION[1] * -s)
    p_pos = expit(POSITIVE_MENTION[0] + POSITIVE_MENTION[1] * s)
    u = rng.random((m, len(themes)))
    polarity = np.where(u < p_neg, -1, np.where(u < p_neg + p_pos, 1, 0))
    comments, truth = [], []
    rid, cid, aid = (responses[c].to_numpy() for c in ("response_id", "contact_id", "account_id"))
    for i in np.flatnonzero(has):
        row = {"response_id": rid[i], "language": "en", "blank": 0, **{t: 0 for t in themes},
               **{f"{t}_polarity": "" for t in themes}, "sentiment": "neutral", "pii": ""}
        if kind[i] < P_BLANK:
            comments.append(BLANK_LIKE[int(rng.integers(0, len(BLANK_LIKE)))])
            truth.append({**row, "blank": 1})
            continue
        if kind[i] < P_BLANK + P_FOREIGN:
            lang, text = FOREIGN[int(rng.integers(0, len(FOREIGN)))]
            comments.append(text)
            truth.append({**row, "language": lang})
            continue
        order = rng.permutation(len(themes))
        chosen = [j for j in order if polarity[i, j] != 0][:MAX_THEMES]
        parts, score = [], 0
        for j in chosen:
            spec = THEMES[themes[j]]
            if rng.random() < P_NEGATION:
                options = [(p, pol) for p, pol in spec["negated"] if (pol == "positive") == (polarity[i, j] > 0)]
            else:
                options = []
            if options:
                phrase = options[0][0]
            else:
                bank = spec["positive"] if polarity[i, j] > 0 else spec["negative"]
                phrase = bank[int(rng.integers(0, len(bank)))]
            parts.append(phrase)
            row[themes[j]] = 1
            row[f"{themes[j]}_polarity"] = "positive" if polarity[i, j] > 0 else "negative"
            score += int(polarity[i, j])
        text = _sentence(parts) if parts else NEUTRAL_REMARKS[int(rng.integers(0, len(NEUTRAL_REMARKS)))]
        row["sentiment"] = "positive" if score > 0 else "negative" if score < 0 else "neutral"
        if rng.random() < P_FILLER:
            filler = FILLER[int(rng.integers(0, len(FILLER)))]
            text = f"{filler} {text}" if rng.random() < 0.5 else f"{text} {filler}"
        if rng.random() < P_TYPO:
            text = _typo(text, rng)
        text, row["pii"] = _plant_pii(text, rng, cid[i], aid[i], names, emails, by_account, managers)
        comments.append(text)
        truth.append(row)
    out = [None] * m
    for i, text in zip(np.flatnonzero(has), comments):
        out[i] = text
    cols = ["response_id", "language", "blank", *themes, *[f"{t}_polarity" for t in themes], "sentiment", "pii"]
    return out, pd.DataFrame(truth, columns=cols)


def _plant_pii(text, rng, contact, account, names, emails, by_account, managers):
    """Append one planted piece of personal data (or none); return the text and its kind."""
    u = rng.random()
    edges = np.cumsum(P_PII)
    k = int(np.searchsorted(edges, u, side="right"))
    if k >= len(PII_KINDS):
        return text, ""
    kind = PII_KINDS[k]
    if kind == "email" and contact in emails:
        return f"{text} You can reach me at {emails[contact]}.", kind
    if kind == "phone":
        return f"{text} Please ring me on {_phone(rng)}.", kind
    if kind == "contact_name":
        others = [n for n in by_account.get(account, []) if n != names.get(contact)]
        if others:
            return f"{text} Thanks to {others[int(rng.integers(0, len(others)))]} for the help.", kind
    if kind == "account_manager" and account in managers:
        return f"{text} Say hello to {managers[account]}.", kind
    if kind == "signature" and contact in names:
        return f"{text} Regards, {names[contact]}", kind
    return text, ""


def comment_truth_file(truth, folder) -> list:
    """Write ``truth_comments.csv`` when the simulation attached comment truth (``truth.comments``)."""
    frame = getattr(truth, "comments", None)
    if frame is None:
        return []
    path = folder / "truth_comments.csv"
    frame.to_csv(path, index=False, lineterminator="\n")
    return [path]
