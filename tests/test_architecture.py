"""The layering written in docs/architecture.md holds: no import under ``course/`` points up a layer
or across to another feature of the same layer, function-level imports included."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from course.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "course"
ARCHITECTURE = PROJECT_ROOT / "docs" / "architecture.md"
LAYERS_BLOCK = re.compile(r"```layers\n(.*?)```", re.DOTALL)


def documented_layers() -> dict[str, int]:
    """Each feature's layer, counted from the bottom (0), as the ``layers`` block lists them top
    first: one layer a line, its features before the first run of two spaces."""
    found = LAYERS_BLOCK.search(ARCHITECTURE.read_text())
    assert found, "docs/architecture.md has no ```layers block"
    lines = [line for line in found.group(1).splitlines() if line.strip()]
    layers: dict[str, int] = {}
    for height, line in enumerate(reversed(lines)):
        for feature in re.split(r"\s{2,}", line.strip())[0].split():
            layers[feature] = height
    return layers


def feature_of_file(path: Path) -> str:
    """``accounts`` for course/accounts/views.py; ``course`` for course/__init__.py; ``cli`` for
    course/cli.py."""
    first = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    return "course" if first == "__init__" else first


def feature_of_module(module: str) -> str | None:
    """The feature a dotted module name belongs to, or ``None`` outside the package."""
    parts = module.split(".")
    if parts[0] != "course":
        return None
    return parts[1] if len(parts) > 1 else "course"


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(PROJECT_ROOT)}:{self.line} imports {self.module}"


def imports_in(path: Path, text: str) -> list[Import]:
    """Every import in ``text``, the source of ``path``, at any depth; ``from course import x``
    counts as ``course.x`` (``x`` may be a feature), and relative imports are resolved against the
    file's package."""
    package = path.relative_to(PROJECT_ROOT).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(ast.parse(text, str(path))):
        if isinstance(node, ast.Import):
            found += [Import(path, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names = (
                [_from_package(alias.name) for alias in node.names] if base == "course" else [base]
            )
            found += [Import(path, node.lineno, name) for name in names]
    return found


def _from_package(name: str) -> str:
    """What ``from course import name`` imports: a feature, or a name from the app factory."""
    is_module = (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file()
    return f"course.{name}" if is_module else "course"


def layering_problems(sources: dict[Path, str], layers: dict[str, int]) -> list[str]:
    """Each import in ``sources`` (path to text) that points up a layer or across to a sibling."""
    problems = []
    for path, text in sources.items():
        source = feature_of_file(path)
        for each in imports_in(path, text):
            target = feature_of_module(each.module)
            if target is None or target == source or target not in layers:
                continue
            if layers[target] >= layers[source]:
                problems.append(f"{each} ({source} may not depend on {target})")
    return problems


def package_sources() -> dict[Path, str]:
    return {path: path.read_text() for path in sorted(PACKAGE.rglob("*.py"))}


def test_every_feature_is_placed_in_a_layer() -> None:
    layers = documented_layers()

    unplaced = sorted({feature_of_file(path) for path in package_sources()} - set(layers))

    assert unplaced == [], f"add these to the layers block in docs/architecture.md: {unplaced}"


def test_no_import_points_up_a_layer_or_across_to_a_sibling_feature() -> None:
    problems = layering_problems(package_sources(), documented_layers())

    assert problems == [], "imports against docs/architecture.md's layers:\n" + "\n".join(problems)


def test_the_check_finds_function_level_sibling_and_relative_imports() -> None:
    layers = documented_layers()
    services = PACKAGE / "authoring" / "services.py"
    text = (
        "from .models import Draft\n"
        "from course.core import access\n"
        "from course import extensions\n"
        "from course import create_app\n"
        "\n"
        "def publish():\n"
        "    from course.admin import views\n"
        "    from course import analytics\n"
    )

    problems = layering_problems({services: text}, layers)

    assert [problem.split(" (")[0] for problem in problems] == [
        "course/authoring/services.py:4 imports course",
        "course/authoring/services.py:7 imports course.admin",
        "course/authoring/services.py:8 imports course.analytics",
    ]


# Privacy carries out the data download and the erasure of an account for every feature, through
# what each registers in course.core.personal_data, and so knows none of their tables. From other
# features it may import only these names, each for a reason of its own:
PRIVACY_MAY_IMPORT = {
    # The person every privacy duty is about: their account, locked while it is deleted.
    "course.accounts.models": {"User"},
    # Confirming that whoever deletes an account is its holder.
    "course.accounts.passwords": {"verify_password"},
    "course.accounts.services": {"verify_second_factor"},
    # The account-level parts of the erasure that belong to no one feature's rows: the anonymous
    # stand-in that takes over records kept for the statistics, and the accounts the purge deletes.
    "course.accounts.personal_data": {"anonymous_stand_in", "unconfirmed_accounts"},
    # The deletion is itself an action the audit log records.
    "course.audit.services": {"record"},
}


def names_imported_from_other_features(path: Path, text: str) -> list[tuple[int, str, str]]:
    """``(line, module, name)`` for each name ``path`` imports from a feature other than its own,
    ``core`` and the extensions; ``name`` is ``*`` for an ``import module`` statement."""
    own = feature_of_file(path)
    package = path.relative_to(PROJECT_ROOT).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(ast.parse(text, str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, "*") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found += [
                (node.lineno, _from_package(alias.name), "*")
                if base == "course"
                else (node.lineno, base, alias.name)
                for alias in node.names
            ]
    return [
        (line, module, name)
        for line, module, name in found
        if feature_of_module(module) not in {None, own, "core", "extensions", "config"}
    ]


def test_privacy_reaches_into_no_other_features_tables() -> None:
    reached = [
        f"{path.relative_to(PROJECT_ROOT)}:{line} imports {name} from {module}"
        for path, text in package_sources().items()
        if feature_of_file(path) == "privacy"
        for line, module, name in names_imported_from_other_features(path, text)
        if name not in PRIVACY_MAY_IMPORT.get(module, set())
    ]

    assert reached == [], (
        "privacy must use what features register in course.core.personal_data:\n"
        + "\n".join(reached)
    )


def test_the_privacy_check_catches_a_model_imported_from_another_feature() -> None:
    erasure = PACKAGE / "privacy" / "erasure.py"
    text = (
        "from course.accounts.models import User\n"
        "from course.core.database import utcnow\n"
        "from course.learning.models import LessonView\n"
        "import course.certificates.services\n"
        "from course import organisations\n"
        "from ..audit.models import AuditEntry\n"
        "def erase():\n"
        "    from course.accounts.models import Role\n"
    )

    assert names_imported_from_other_features(erasure, text) == [
        (1, "course.accounts.models", "User"),
        (3, "course.learning.models", "LessonView"),
        (4, "course.certificates.services", "*"),
        (5, "course.organisations", "*"),
        (6, "course.audit.models", "AuditEntry"),
        (8, "course.accounts.models", "Role"),
    ]


# The tests are built from tests/fixtures/, which tests/conftest.py loads as a pytest plugin. No
# file imports a test module or a conftest: one test file would then depend on another's set-up,
# and a helper would be found in whichever test happened to need it first.
SUITE = [PROJECT_ROOT / folder for folder in ("tests", "bench", "fuzz")]


def modules_imported(path: Path, text: str) -> list[tuple[int, str]]:
    """``(line, module)`` for every module the source ``text`` of ``path`` imports, at any depth:
    ``from tests import test_images`` imports ``tests.test_images``, as importing a name from it
    does; relative imports are resolved against the file's package."""
    package = path.relative_to(PROJECT_ROOT).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(ast.parse(text, str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append((node.lineno, base))
            found += [
                (node.lineno, f"{base}.{alias.name}")
                for alias in node.names
                if (PROJECT_ROOT.joinpath(*base.split("."), f"{alias.name}.py")).is_file()
            ]
    return found


def is_test_module_or_conftest(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "tests" and any(
        part.startswith("test_") or part == "conftest" for part in parts[1:]
    )


def imports_of_test_modules(path: Path, text: str) -> list[str]:
    return [
        f"{path.relative_to(PROJECT_ROOT)}:{line} imports {module}"
        for line, module in modules_imported(path, text)
        if is_test_module_or_conftest(module)
    ]


def test_no_file_imports_a_test_module_or_a_conftest() -> None:
    found = [
        problem
        for folder in SUITE
        for path in sorted(folder.rglob("*.py"))
        for problem in imports_of_test_modules(path, path.read_text())
    ]

    assert found == [], "move what these import into tests/fixtures/:\n" + "\n".join(found)


def test_the_check_catches_every_way_of_importing_a_test_module() -> None:
    journey = PROJECT_ROOT / "tests" / "browser" / "test_whole_course.py"
    text = (
        "from tests.fixtures.web import sign_in\n"
        "from tests.security.access_table import ROLES\n"
        "from ..test_images import upload\n"
        "from tests import test_module_zip, fixtures\n"
        "import tests.security.conftest\n"
        "from .test_learning_journey import assert_progress\n"
        "def helper():\n"
        "    import tests.conftest\n"
    )

    assert imports_of_test_modules(journey, text) == [
        "tests/browser/test_whole_course.py:3 imports tests.test_images",
        "tests/browser/test_whole_course.py:4 imports tests.test_module_zip",
        "tests/browser/test_whole_course.py:5 imports tests.security.conftest",
        "tests/browser/test_whole_course.py:6 imports tests.browser.test_learning_journey",
        "tests/browser/test_whole_course.py:8 imports tests.conftest",
    ]
