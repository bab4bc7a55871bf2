"""Isolation: where a student's code runs, and how it is shut in.

`sandbox` is the grader's side (a warm zygote, a keeper per slot, channels to the students' processes);
`zygote`, `keeper`, `child` and `confine` run in those processes; `wire` is the only format that crosses
between them (data and frames); `cgroups` holds a whole submission's memory and processes; `backends`
says in words what each backend guarantees. Nothing here knows about tests, grades or courses.

Kept light on purpose: the zygote imports this package and its own few modules, nothing else.
"""
