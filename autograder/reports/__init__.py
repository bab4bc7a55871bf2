"""Reports: what instructors and students read. `frames` builds the grade DataFrames (pure functions), `feedback`
the student's Markdown, `html` the instructor's page with `plots`, `review` the written-answers sheet,
`text` what the commands print, `write` writes every file of a run.
"""
