"""regcache's benchmark: fixtures, the servers compared, the clients that load them."""
import os
import sys

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(BENCH_DIR)
E2E_DIR = os.path.join(REPO_ROOT, "tests", "e2e")
# The e2e helpers (mkimg, upstream, procs, mirror, skopeo, netns) are imported as `lib.*`.
if E2E_DIR not in sys.path:
    sys.path.insert(0, E2E_DIR)
