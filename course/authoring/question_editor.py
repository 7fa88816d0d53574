"""The web editor's side of the question types: one editor per kind of field.

A question type (:mod:`course.catalogue.question_types`) lists its fields as
:class:`FieldSpec`\\ s, each of a kind such as ``"choices"`` or ``"boolean"``. Every kind has one
editor here that knows three things: how to read its value from a submitted form into the shape
``quiz.yaml`` has (so the type's own ``check`` and ``canonical`` work unchanged), what the form
shows for a stored question, and which template partial draws it. A new question type made of
known kinds therefore needs no new page; a new kind needs one editor class and one partial.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from course.catalogue.question_types import FieldSpec, QuestionType, question_type
from course.catalogue.yaml_source import SourceList, SourceMap
from course.core.regions import Region

#: Rows shown for list fields: the most any question type accepts (two to eight choices or pairs,
#: three to eight items).
LIST_ROWS = 8

#: Text fields short enough for a one-line input; every other text field gets a text area.
ONE_LINE_TEXT_FIELDS = frozenset({"id"})

FIELD_ID_PREFIX = "question-"


def _source_map(values: dict[str, Any]) -> SourceMap:
    mapping = SourceMap(values)
    mapping.line = 1
    mapping.key_lines = {}
    return mapping


def _source_list(values: Iterable[Any]) -> SourceList:
    items = SourceList(values)
    items.line = 1
    items.item_lines = []
    return items


def _text(form: MultiDict[str, str], name: str) -> str:
    return form.get(name, "").replace("\r\n", "\n").strip()


class FieldEditor:
    """How the editor shows and reads one kind of field."""

    kind: ClassVar[str]
    template: ClassVar[str]

    def read(self, spec: FieldSpec, form: MultiDict[str, str]) -> Any:
        """The field's value in ``quiz.yaml`` form, or ``None`` when the field is left out."""
        raise NotImplementedError

    def shown(self, spec: FieldSpec, question: dict[str, Any]) -> Any:
        """What the form shows for the field of ``question`` (stored or just submitted)."""
        raise NotImplementedError

    def anchor(self, spec: FieldSpec) -> str:
        """The id of the field's first control, which the error summary links to."""
        return f"{FIELD_ID_PREFIX}{spec.name}"

    def template_for(self, spec: FieldSpec) -> str:
        return self.template

    def hint(self, spec: FieldSpec) -> str:
        return ""


FIELD_EDITORS: dict[str, FieldEditor] = {}


def field_editor(editor_class: type[FieldEditor]) -> type[FieldEditor]:
    """Register an editor for the field kind it names."""
    FIELD_EDITORS[editor_class.kind] = editor_class()
    return editor_class


@field_editor
class TextEditor(FieldEditor):
    kind = "text"
    template = "authoring/questions/fields/_textarea.html"

    def read(self, spec: FieldSpec, form: MultiDict[str, str]) -> Any:
        return _text(form, spec.name)

    def shown(self, spec: FieldSpec, question: dict[str, Any]) -> Any:
        value = question.get(spec.name)
        return "" if value is None else str(value)

    def template_for(self, spec: FieldSpec) -> str:
        if spec.name in ONE_LINE_TEXT_FIELDS:
            return "authoring/questions/fields/_text_input.html"
        return self.template

    def hint(self, spec: FieldSpec) -> str:
        if spec.name == "id":
            return _(
                "Lower-case letters, digits and single hyphens, like run-first. It stays the same "
                "when you change the wording, so learners' past answers still match."
            )
        return ""


@field_editor
class BooleanEditor(FieldEditor):
    kind = "boolean"
    template = "authoring/questions/fields/_boolean.html"

    def read(self, spec: FieldSpec, form: MultiDict[str, str]) -> Any:
        return {"true": True, "false": False}.get(form.get(spec.name, ""))

    def shown(self, spec: FieldSpec, question: dict[str, Any]) -> Any:
        value = question.get(spec.name)
        return value if isinstance(value, bool) else None

    def anchor(self, spec: FieldSpec) -> str:
        return f"{FIELD_ID_PREFIX}{spec.name}-true"


@field_editor
class ChoicesEditor(FieldEditor):
    """Rows of text, each with a box to tick when it is a correct answer."""

    kind = "choices"
    template = "authoring/questions/fields/_choices.html"

    def read(self, spec: FieldSpec, form: MultiDict[str, str]) -> Any:
        choices = []
        for row in range(1, LIST_ROWS + 1):
            text = _text(form, f"{spec.name}-{row}-text")
            correct = f"{spec.name}-{row}-correct" in form
            if text or correct:
                choices.append(
                    _source_map({"text": text, **({"correct": True} if correct else {})})
                )
        return _source_list(choices)

    def shown(self, spec: FieldSpec, question: dict[str, Any]) -> Any:
        rows = [
            {"text": str(choice.get("text", "")), "correct": choice.get("correct") is True}
            for choice in _list_of(question.get(spec.name))
            if isinstance(choice, dict)
        ]
        return _padded(rows, lambda: {"text": "", "correct": False})

    def anchor(self, spec: FieldSpec) -> str:
        return f"{FIELD_ID_PREFIX}{spec.name}-1-text"

    def hint(self, spec: FieldSpec) -> str:
        return _("Tick each correct choice. Leave the rows you do not need empty.")


@field_editor
class ItemsEditor(FieldEditor):
    """Rows of text, in the correct order (learners see them shuffled)."""

    kind = "items"
    template = "authoring/questions/fields/_items.html"

    def read(self, spec: FieldSpec, form: MultiDict[str, str]) -> Any:
        items = (_text(form, f"{spec.name}-{row}") for row in range(1, LIST_ROWS + 1))
        return _source_list(item for item in items if item)

    def shown(self, spec: FieldSpec, question: dict[str, Any]) -> Any:
        rows = [str(item) for item in _list_of(question.get(spec.name))]
        return _padded(rows, str)

    def anchor(self, spec: FieldSpec) -> str:
        return f"{FIELD_ID_PREFIX}{spec.name}-1"

    def hint(self, spec: FieldSpec) -> str:
        return _(
            "Enter the items in the correct order, first at the top. Learners see them shuffled. "
            "Leave the rows you do not need empty."
        )


@field_editor
class PairsEditor(FieldEditor):
    """Rows of a left text and the right text it matches."""

    kind = "pairs"
    template = "authoring/questions/fields/_pairs.html"

    def read(self, spec: FieldSpec, form: MultiDict[str, str]) -> Any:
        pairs = []
        for row in range(1, LIST_ROWS + 1):
            left = _text(form, f"{spec.name}-{row}-left")
            right = _text(form, f"{spec.name}-{row}-right")
            if left or right:
                pairs.append(_source_map({"left": left, "right": right}))
        return _source_list(pairs)

    def shown(self, spec: FieldSpec, question: dict[str, Any]) -> Any:
        rows = [
            {"left": str(pair.get("left", "")), "right": str(pair.get("right", ""))}
            for pair in _list_of(question.get(spec.name))
            if isinstance(pair, dict)
        ]
        return _padded(rows, lambda: {"left": "", "right": ""})

    def anchor(self, spec: FieldSpec) -> str:
        return f"{FIELD_ID_PREFIX}{spec.name}-1-left"

    def hint(self, spec: FieldSpec) -> str:
        return _(
            "Learners match each text on the left with its text on the right. Leave the rows you "
            "do not need empty."
        )


@field_editor
class RegionsEditor(FieldEditor):
    """Boxes for the regions a question is limited to; none ticked means every region."""

    kind = "regions"
    template = "authoring/questions/fields/_regions.html"

    def read(self, spec: FieldSpec, form: MultiDict[str, str]) -> Any:
        picked = [value for value in form.getlist(spec.name) if value]
        return _source_list(picked) if picked else None

    def shown(self, spec: FieldSpec, question: dict[str, Any]) -> Any:
        return {str(region) for region in _list_of(question.get(spec.name))}

    def anchor(self, spec: FieldSpec) -> str:
        return f"{FIELD_ID_PREFIX}{spec.name}-{next(iter(Region)).value}"

    def hint(self, spec: FieldSpec) -> str:
        return _("Tick none to ask this question in every region.")


def _list_of(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _padded(rows: list[Any], blank: Callable[[], Any]) -> list[Any]:
    return rows + [blank() for _row in range(LIST_ROWS - len(rows))]


def fields_of(schema: type[QuestionType]) -> tuple[FieldSpec, ...]:
    """A type's fields in the order the editor shows them."""
    return schema.common_fields[:2] + schema.fields + schema.common_fields[2:]


def question_from_form(type_name: str, form: MultiDict[str, str]) -> SourceMap:
    """The question a submitted editor form describes, shaped as in ``quiz.yaml``.

    :raises KeyError: when ``type_name`` is not a registered question type.
    """
    schema = question_type(type_name)
    question = _source_map({"type": type_name})
    for spec in schema.common_fields + schema.fields:
        value = FIELD_EDITORS[spec.kind].read(spec, form)
        if value is not None:
            question[spec.name] = value
    return question


@dataclass(frozen=True)
class EditorField:
    """One field as the editor page draws it."""

    spec: FieldSpec
    label: str
    hint: str
    value: Any
    errors: list[str]
    anchor: str
    template: str

    @property
    def name(self) -> str:
        return self.spec.name


def editor_fields(
    schema: type[QuestionType],
    question: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
) -> list[EditorField]:
    """The fields of the editor page for ``question`` (stored, blank or just submitted), with the
    complaints of a refused save beside the field they concern."""
    errors = errors or {}
    fields = []
    for spec in fields_of(schema):
        editor = FIELD_EDITORS[spec.kind]
        fields.append(
            EditorField(
                spec=spec,
                label=str(spec.label),
                hint=editor.hint(spec),
                value=editor.shown(spec, question),
                errors=list(errors.get(spec.name, [])),
                anchor=editor.anchor(spec),
                template=editor.template_for(spec),
            )
        )
    return fields


@dataclass(frozen=True)
class RegionBank:
    """How many questions of a module's bank apply to one region, against how many are drawn."""

    region: Region
    available: int
    drawn: int

    @property
    def too_few(self) -> bool:
        return self.available < self.drawn


def region_banks(
    questions: list[dict[str, Any]], regions: Iterable[str], drawn: int
) -> list[RegionBank]:
    """For each of the course's ``regions``, how many questions of the bank apply there; a quiz
    draws ``drawn`` of them, so fewer cannot be published."""
    banks = []
    for value in regions:
        region = Region(value)
        available = sum(
            1
            for question in questions
            if not question.get("regions") or region.value in question["regions"]
        )
        banks.append(RegionBank(region, available, drawn))
    return banks
