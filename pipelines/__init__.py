"""The cicopa-stats Dagster code location (see definitions.py)."""

import warnings

# Two newer Dagster APIs this project relies on knowingly: data versions on outputs
# (beta) and partitioned asset checks (preview). Their notices are not for operators.
warnings.filterwarnings("ignore", message=r".*is currently in (beta|preview)")
