"""`make smoke` passes against the real local stack (as `.ci/run` runs it), with the demo buyer."""

import pytest

from devtools.smoke import smoke_local

pytestmark = pytest.mark.e2e


def test_make_smoke_passes_against_the_local_stack():
    lines = []
    assert smoke_local(lines.append), "\n".join(lines)
    assert lines[-1] == "smoke: 5 passed, 0 failed"
    assert "PASS  product page" in "\n".join(lines)
