"""Dates and times are written one way on every page, in every language: 01-12-2026 and 01-12-2026 14:35, local time.

Django's own locale files (nl: "1 december 2026", en: "Dec. 1, 2026") are overridden here through
FORMAT_MODULE_PATH, so `{{ value }}`, `{{ value|date }}`, `{{ value|date:"DATETIME_FORMAT" }}` and
`django.utils.formats.date_format(value)` all agree. Date inputs (<input type="date">) use ISO (YYYY-MM-DD) as
browsers require; machine formats (CSV, API, <time datetime>) stay ISO 8601."""
