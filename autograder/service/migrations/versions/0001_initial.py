"""The first schema: tokens, submissions, grading runs and their entries, releases.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("student_id", sa.String(128), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_tokens_student_id", "tokens", ["student_id"])
    op.create_table(
        "submissions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("student_id", sa.String(128), nullable=False),
        sa.Column("assignment", sa.String(64), nullable=False),
        sa.Column("blob", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("days_late", sa.Float(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result_status", sa.String(32), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("max_score", sa.Float(), nullable=True),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.Column("output", sa.Text(), nullable=False),
        sa.Column("tests_key", sa.String(32), nullable=False),
        sa.Column("graded_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_submissions_student_assignment", "submissions", ["student_id", "assignment", "submitted_at"])
    op.create_index("ix_submissions_status", "submissions", ["status"])
    op.create_table(
        "grade_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("assignment", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
    )
    op.create_index("ix_grade_runs_assignment", "grade_runs", ["assignment"])
    op.create_table(
        "run_entries",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("grade_runs.id"), primary_key=True),
        sa.Column("student_id", sa.String(128), primary_key=True),
        sa.Column("submission_id", sa.String(32), sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("result_status", sa.String(32), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("max_score", sa.Float(), nullable=True),
        sa.Column("outcomes", sa.JSON(), nullable=False),
    )
    op.create_index("ix_run_entries_submission_id", "run_entries", ["submission_id"])
    op.create_table(
        "releases",
        sa.Column("assignment", sa.String(64), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("grade_runs.id"), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("releases", "run_entries", "grade_runs", "submissions", "tokens"):
        op.drop_table(table)
