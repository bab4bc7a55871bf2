"""Gradebooks: grades in and out of learning platforms. `roster` maps students to platform ids, `late` applies a
late policy, `downloads` turns a Canvas or Moodle download into submissions, `export` writes each platform's
import file, `gradescope` builds and runs a Gradescope autograder.
"""
