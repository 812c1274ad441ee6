"""Follow-up cadence reports (SPEC §5.5): 一天一跟进、一周一调度、一月一督考、一季一总结.

Plain async functions over an `AsyncConnection` returning a `Report`; `export` turns a report into
CSV (UTF-8 with BOM) or Excel. No GraphQL in here.
"""

from resolvers.reports.cadence import (
    Column,
    Report,
    ReportScope,
    daily_followup,
    day_period,
    month_period,
    monthly_supervision,
    quarter_period,
    quarterly_summary,
    week_period,
    weekly_dispatch,
)
from resolvers.reports.export import to_csv, to_xlsx

__all__ = [
    "Column",
    "Report",
    "ReportScope",
    "daily_followup",
    "day_period",
    "month_period",
    "monthly_supervision",
    "quarter_period",
    "quarterly_summary",
    "to_csv",
    "to_xlsx",
    "week_period",
    "weekly_dispatch",
]
