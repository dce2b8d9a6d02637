"""The engine: schema, workbook reading and validation, indicators, rubric, scoring, exports, template.

Pure: nothing here imports Streamlit or a database library (``tests/test_architecture.py`` checks).
``python -m metrics`` is its command line.
"""
