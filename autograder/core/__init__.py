"""What every part of the grader shares and none owns: the course's metadata, the exceptions, the late policy as
configured, careful file reading and writing (the output folder, submitted files), text made safe to show.

The bottom layer: it imports nothing of the package above it (checked by the import-linter contract in
pyproject.toml).
"""
