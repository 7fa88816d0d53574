"""YAML read with line numbers, so that every problem can be reported as ``file:line: message``.

Mappings load as :class:`SourceMap` and sequences as :class:`SourceList`: ordinary dicts and lists
that also know the line each key or item starts on (1-based). A key given twice in one mapping is
a problem, never a silent choice of the last value.
"""

from __future__ import annotations

from typing import Any

import yaml


class SourceMap(dict[str, Any]):
    line: int = 1
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """The line of ``key``, or of the mapping itself when the key is missing."""
        return self.key_lines.get(key, self.line)


class SourceList(list[Any]):
    line: int = 1
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _LineLoader(yaml.SafeLoader):
    """Refuses deep nesting early: PyYAML recurses once per level (past a few hundred: a
    RecursionError), and its scanner slows down with each unclosed [ or { on a line (a few
    kilobytes of brackets take seconds)."""

    depth = 0

    def fetch_flow_collection_start(self, token_class: type[yaml.Token]) -> None:
        if self.flow_level >= MAX_DEPTH:
            raise yaml.scanner.ScannerError(
                None, None, f"nested more than {MAX_DEPTH} levels deep", self.get_mark()
            )
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if self.depth >= MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"nested more than {MAX_DEPTH} levels deep",
                self.peek_event().start_mark,
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # PyYAML's constructors fail with plain Python errors on a value that does not fit its
        # tag (`!!timestamp soon`, `!!bool maybe`, `!!int _`, `!!map x`, a 5,000-digit number):
        # report them at the value's line like any other YAML error.
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, AttributeError, LookupError):
            kind = node.tag.removeprefix("tag:yaml.org,2002:")
            if isinstance(node, yaml.ScalarNode):
                found = repr(_shortened(node.value))
            else:
                found = "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
            raise yaml.constructor.ConstructorError(
                None, None, f"{found} cannot be read as {_KINDS.get(kind, kind)}", node.start_mark
            ) from None


_KINDS = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "timestamp": "a date",
    "map": "a mapping",
    "seq": "a list",
}


def _shortened(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_MERGE_TAG = "tag:yaml.org,2002:merge"


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A key given twice in one mapping. YAML forbids it, and PyYAML would keep the last value
    without a word: a second ``answer:`` or ``pass_mark:`` would quietly replace the first."""

    def __init__(self, key: str, first: yaml.Mark, again: yaml.Mark) -> None:
        super().__init__("while reading a mapping", first, f"{key!r} is given twice", again)
        self.key = key
        self.first = first
        self.again = again


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> SourceMap:
    mapping = SourceMap()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    first_marks: dict[str, yaml.Mark] = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            # A merged mapping's keys would be overridden by the keys beside it, silently: the
            # very thing a duplicate key is refused for. No course file needs one.
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "merge keys (<<) are not supported: write each field out",
                key_node.start_mark,
            )
        # Keys are kept as text, so 1 and "1" are the same key.
        key = str(loader.construct_object(key_node, deep=True))
        if key in first_marks:
            raise _DuplicateKey(key, first_marks[key], key_node.start_mark)
        first_marks[key] = key_node.start_mark
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> SourceList:
    items = SourceList(loader.construct_object(child, deep=True) for child in node.value)
    items.line = node.start_mark.line + 1
    items.item_lines = [child.start_mark.line + 1 for child in node.value]
    return items


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


#: The deepest a value may nest; the real files nest five levels deep at most.
MAX_DEPTH = 50
#: The most values a file may hold once its aliases (``*name``) are expanded. The largest real file
#: holds about 500; a few lines of nested aliases can stand for billions ("billion laughs"),
#: and every check that walks or prints a value would expand them.
MAX_VALUES = 100_000


class YamlSyntaxError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def load_yaml(text: str, first_line: int = 1) -> Any:
    """Parse YAML text; line numbers count from ``first_line`` (for front matter inside a file).

    :raises YamlSyntaxError: with the line of the problem.
    """
    loader = None
    try:
        loader = _LineLoader(text)  # refuses unprintable characters straight away
        node = loader.get_single_node()
        if node is not None and _expanded_size(node) > MAX_VALUES:
            raise YamlSyntaxError(
                first_line + node.start_mark.line,
                f"YAML too large: its aliases (*name) expand to more than {MAX_VALUES:,} values",
            )
        loaded = loader.construct_document(node) if node is not None else None
    except _DuplicateKey as error:
        first = first_line + error.first.line
        raise YamlSyntaxError(
            first_line + error.again.line,
            f"{_shortened(error.key)!r} is given twice (first on line {first}); keep one",
        ) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = (mark.line + first_line) if mark else first_line
        raise YamlSyntaxError(line, f"YAML syntax error: {error.problem or error}") from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(first_line, f"YAML syntax error: {error}") from None
    finally:
        if loader is not None:
            loader.dispose()
    _shift_lines(loaded, first_line - 1, set())
    return loaded


def _expanded_size(root: yaml.Node) -> int:
    """How many values the document holds with every alias expanded, counting no further than
    just past :data:`MAX_VALUES` (an alias to a node that contains it never ends)."""
    count = 0
    pending: list[yaml.Node] = [root]
    while pending and count <= MAX_VALUES:
        node = pending.pop()
        count += 1
        if isinstance(node, yaml.MappingNode):
            pending.extend(child for pair in node.value for child in pair)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
    return count


def _shift_lines(value: Any, offset: int, shifted: set[int]) -> None:
    """Add ``offset`` to every line in ``value``, once each even where aliases share a value."""
    if not offset or id(value) in shifted:
        return
    if isinstance(value, SourceMap | SourceList):
        shifted.add(id(value))
    if isinstance(value, SourceMap):
        value.line += offset
        value.key_lines = {key: line + offset for key, line in value.key_lines.items()}
        for child in value.values():
            _shift_lines(child, offset, shifted)
    elif isinstance(value, SourceList):
        value.line += offset
        value.item_lines = [line + offset for line in value.item_lines]
        for child in value:
            _shift_lines(child, offset, shifted)
