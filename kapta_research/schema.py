"""The canonical data model of a feedback *programme*.

A programme is a set of tables (one CSV/Excel/Parquet file or DuckDB table
each).  Real exports use other headers; a programme config maps them to the
canonical names below (see :mod:`kapta_research.io`).

========================  ==================================================
table                     columns
========================  ==================================================
accounts                  account_id, account_name, segment, region,
                          industry, annual_value, account_manager,
                          customer_since, renewal_date, churned, churn_date
contacts                  contact_id, account_id, role, name, email
                          (name and email are personal data: never printed)
invitations               invitation_id, contact_id, account_id, wave, sent_at
responses                 response_id, invitation_id, contact_id, account_id,
                          wave, responded_at, ltr (0-10), the driver ratings
                          (declared scale, 1-7 by default), comment
followups                 response_id, followed_up_at, owner, outcome
voc_interviews            account_id, interview_date, interviewer
employees                 employee_id, team, account_ids, wave, ltr (0-10):
                          the employee NPS survey, one row per employee and
                          wave answered; a team serves the accounts listed in
                          account_ids (separated by ";") or, without them,
                          the accounts whose account_manager is the team
========================  ==================================================
"""
from __future__ import annotations

#: The eight relationship drivers named by the B2B loyalty literature.
DRIVERS: tuple[str, ...] = (
    "trust", "commitment", "satisfaction", "feel_valued", "leading_edge",
    "value_for_money", "ease_of_doing_business", "proactivity",
)

#: Human-readable labels for reports.
DRIVER_LABELS: dict[str, str] = {
    "trust": "Trust",
    "commitment": "Commitment",
    "satisfaction": "Satisfaction",
    "feel_valued": "Feeling valued",
    "leading_edge": "Leading edge",
    "value_for_money": "Value for money",
    "ease_of_doing_business": "Ease of doing business",
    "proactivity": "Proactivity",
}

ROLES: tuple[str, ...] = ("decision_maker", "influencer", "user", "executive_sponsor")

#: Default driver rating scale (inclusive).
DRIVER_SCALE: tuple[int, int] = (1, 7)
#: Likelihood-to-recommend scale.
LTR_SCALE: tuple[int, int] = (0, 10)

#: Columns :meth:`kapta_research.io.Programme.respondents` joins onto each response, by table.
RESPONDENT_JOINS: dict[str, tuple[str, ...]] = {"accounts": ("segment", "region", "industry", "annual_value"),
                                                "contacts": ("role",)}

#: Columns of each table, in canonical order; ``required`` must be present.
TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "accounts": {
        "required": ("account_id", "segment"),
        "columns": ("account_id", "account_name", "segment", "region", "industry",
                    "annual_value", "account_manager", "customer_since",
                    "renewal_date", "churned", "churn_date"),
    },
    "contacts": {
        "required": ("contact_id", "account_id", "role"),
        "columns": ("contact_id", "account_id", "role", "name", "email"),
    },
    "invitations": {
        "required": ("invitation_id", "contact_id", "account_id", "wave", "sent_at"),
        "columns": ("invitation_id", "contact_id", "account_id", "wave", "sent_at"),
    },
    "responses": {
        "required": ("response_id", "account_id", "wave", "ltr"),
        "columns": ("response_id", "invitation_id", "contact_id", "account_id", "wave",
                    "responded_at", "ltr", *DRIVERS, "comment"),
    },
    "followups": {
        "required": ("response_id", "followed_up_at"),
        "columns": ("response_id", "followed_up_at", "owner", "outcome"),
    },
    "voc_interviews": {
        "required": ("account_id", "interview_date"),
        "columns": ("account_id", "interview_date", "interviewer"),
    },
    "employees": {
        "required": ("employee_id", "team", "ltr"),
        "columns": ("employee_id", "team", "account_ids", "wave", "ltr"),
    },
}

#: Date columns per table (parsed on read; unparseable values are an error).
DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts": ("customer_since", "renewal_date", "churn_date"),
    "contacts": (),
    "invitations": ("sent_at",),
    "responses": ("responded_at",),
    "followups": ("followed_up_at",),
    "voc_interviews": ("interview_date",),
    "employees": (),
}

#: Personal-data columns: never shown in a report.
PERSONAL_COLUMNS: frozenset[str] = frozenset({"name", "email"})

#: Primary keys (must be unique).
PRIMARY_KEYS: dict[str, str] = {
    "accounts": "account_id",
    "contacts": "contact_id",
    "invitations": "invitation_id",
    "responses": "response_id",
    "followups": "response_id",
}

#: Numeric (float) columns per table; ``wave`` is a whole number (int64 once loaded).
NUMBER_COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts": ("annual_value",),
    "responses": ("ltr", *DRIVERS),
    "employees": ("ltr",),
}
#: Boolean columns per table.
BOOL_COLUMNS: dict[str, tuple[str, ...]] = {"accounts": ("churned",)}


def empty_column(table: str, column: str, index=None):
    """Missing values (one per label of ``index``, default none) with the canonical dtype of ``table.column``.

    Used for tables that were not supplied (no index) and for canonical
    columns a supplied table lacks, so that code reading a programme sees the
    same dtypes whatever was given (``datetime64[ns]`` dates, float scores,
    ``boolean`` churn flags, ``int64`` waves in an empty table, object text).
    """
    import numpy as np
    import pandas as pd
    index = pd.RangeIndex(0) if index is None else index
    n = len(index)
    if column in DATE_COLUMNS.get(table, ()):
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if column in NUMBER_COLUMNS.get(table, ()):
        return pd.Series(np.nan, index=index, dtype=float)
    if column in BOOL_COLUMNS.get(table, ()):
        return pd.Series(pd.NA, index=index, dtype="boolean")
    if column == "wave":
        return pd.Series(np.nan, index=index, dtype=float) if n else pd.Series([], index=index, dtype="int64")
    return pd.Series(None, index=index, dtype=object)
