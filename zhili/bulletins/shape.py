"""The shape of a frozen week (`Snapshot.data`), the one contract between the snapshot and every output.

Every number is a string (decimals as written: "87.50", rates with one decimal "75.0") or an int (counts), so the
JSON reads back exactly; a figure that does not apply is None (shown as "—"). Renderers (.docx, .xlsx, page,
chat message) read only this; they never query the database, so a published week renders the same forever.

    schema          1
    subdistrict     {"code", "name"}
    year, week      2020, "2020-W40" (ISO week); start, end: "2020-09-28", "2020-10-04" (Monday … Sunday)
    title, issuer, number   "太平街道工作周通报", "太平街道党工委办公室", "太平通〔2020〕40号" (number may be "")
    issue           the year's running number of the bulletin (40)
    built_at        ISO date-time the snapshot was taken
    empty           True when the week has no data at all (the bulletin says so and ranks nobody)
    formula         {"components": [{"key", "label", "weight"}], "text": the published formula in one sentence,
                     "cap": "100"}
    villages        ranked, best first: [{"code", "name", "rank", "score", "previous_rank" (None the first week),
                     "change" (previous_rank - rank: + moved up; None), "components": {key: "0–100" | None},
                     "lights": {"red", "yellow", "green", "done"},
                     "cases": {"new", "closed", "due", "closed_on_time", "on_time_rate", "overdue", "reworked",
                               "extended"},
                     "patrol": {"grids", "patrolled", "rate"}}]
    best, laggards  [{"code", "name", "rank", "score", "reasons": [sentences drawn from the numbers]}]
    targets         {"indicators", "red", "yellow", "green", "done", "overdue",
                     "red_list": [{"code", "name", "completion", "sentence"}]}   (the subdistrict's own cells)
    cases           {"new", "closed", "due", "closed_on_time", "on_time_rate", "overdue", "reworked", "extended"}
    patrol          {"grids", "patrolled", "rate"}
    ledgers         {"ledgers", "updated", "rows_added", "stale": [{"name", "last"}]}
    projects        None, or {"projects", "behind", "invested", "list": [{"name", "village", "planned", "done",
                     "gap"}]}   (slipping projects: cumulative investment behind plan)
    tax             None, or {"month", "expected", "received", "gap"}
    decisions       {"week" (the meeting's week), "total", "closed", "reported", "open", "overdue",
                     "items": [{"text", "owner", "deadline", "status", "status_label"}]}
                    (上周点评会议定事项办结情况; None when there was no meeting)
    supervision     {"batches": [{"name", "issuer", "received_on", "items", "closed"}]}
    correction      None, or {"version", "note", "previous": {"version", "built_at"}}

`tests/bulletins_sample.py` holds one complete example; `snapshot.build` must produce the same keys.
"""

SCHEMA = 1
