"""The suite's fixtures live in the ``tests.fixtures`` package; this file only loads them.

Their modules are registered for assertion rewriting first, so a helper's failing ``assert`` says
what it compared, as a test's does.
"""

import pytest

pytest.register_assert_rewrite("tests.fixtures")

pytest_plugins = [
    "tests.fixtures.apps",
    "tests.fixtures.content_bundles",
    "tests.fixtures.browser",
    "tests.fixtures.security_site",
]
