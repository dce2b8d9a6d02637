"""Shared Streamlit widgets: each module holds one kind of widget; pages import what they need.

* ``ui.i18n`` — ``t(key, **kw)``: every user-facing sentence (zh default, en optional);
* ``ui.state`` — ``current_app()``, ``current_actor()``, ``settings()``;
* ``ui.period`` — ``period_picker(key)`` → ``metrics.periods.Period``;
* ``ui.tables`` — ``show_table(df, key, ...)`` with percent formats, "—" for null, CSV download;
* ``ui.kpi`` — ``kpi_row(cards)``: KPI cards coloured by the registry's direction;
* ``ui.charts`` — plotly helpers (trend, bar comparison) and the shared colours;
* ``ui.problems`` — ``show_problems(problems, key)``: the problem table of an upload.
"""
