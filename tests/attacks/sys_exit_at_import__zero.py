"""sys.exit(0) while being imported: a zero exit status is no pass."""
import sys

sys.exit(0)
