"""Forms for writing the course on the web: a new module, its details, a lesson, the draft
revision every change carries, an image for lessons, and a module uploaded as a zip."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from course.authoring import module_zip
from course.authoring.images import ACCEPTED_FORMATS, ALT_TEXT_MAX_LENGTH
from course.authoring.lesson_and_question_edits import (
    LESSON_MARKDOWN_MAX_LENGTH,
    LESSON_TITLE_MAX_LENGTH,
)
from course.authoring.scenario_editor import STEPS_MAX_LENGTH
from course.catalogue.bundle import SOURCE_FIELDS, source_problems
from course.core.forms import MultiCheckboxField, single_spaced

SOURCE_SEPARATOR = "|"
MODULE_ZIP_MAX_MEGABYTES = module_zip.MAX_UPLOAD_BYTES // (1024 * 1024)


class DraftForm(FlaskForm):
    """A form that changes a draft: it carries the draft revision the page showed."""

    revision = HiddenField()

    def revision_number(self) -> int:
        """The revision the page was made from; a tampered value counts as out of date."""
        try:
            return int(self.revision.data or "")
        except ValueError:
            return -1


def _module_title_field() -> StringField:
    return StringField(
        _l("Title"),
        filters=[single_spaced],
        validators=[
            DataRequired(_l("Enter the module's title")),
            Length(max=200, message=_l("The title must be 200 characters or fewer")),
        ],
    )


def _slug_field(description: object) -> StringField:
    return StringField(
        _l("Web address name (slug)"),
        description=description,
        filters=[lambda value: value.strip().lower() if isinstance(value, str) else value],
        validators=[DataRequired(_l("Enter the web address name"))],
    )


class NewModuleForm(FlaskForm):
    title = _module_title_field()
    slug = _slug_field(
        _l(
            "Lower-case letters, digits and hyphens, like first-aid. It becomes part of the "
            "module's web address and cannot be changed later."
        )
    )


class LinesField(TextAreaField):
    """A text area holding one entry per line; empty lines are dropped and each is trimmed."""

    def _value(self) -> str:
        return "\n".join(self.data) if isinstance(self.data, list) else (self.data or "")

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = valuelist[0] if valuelist else ""
        self.data = [line.strip() for line in str(text).splitlines() if line.strip()]


class ModuleDetailsForm(DraftForm):
    title = _module_title_field()
    summary = TextAreaField(
        _l("Summary"),
        description=_l("One or two sentences on the course overview. Up to 1,000 characters."),
        filters=[single_spaced],
        validators=[
            DataRequired(_l("Enter a summary")),
            Length(max=1000, message=_l("The summary must be 1,000 characters or fewer")),
        ],
    )
    minutes = IntegerField(
        _l("Minutes it takes"),
        validators=[
            InputRequired(_l("Enter how many minutes the module takes, like 7")),
            NumberRange(min=1, max=120, message=_l("Enter a number of minutes from 1 to 120")),
        ],
    )
    pass_mark = IntegerField(
        _l("Pass mark (percent)"),
        validators=[
            InputRequired(_l("Enter the pass mark, like 80")),
            NumberRange(min=1, max=100, message=_l("Enter a pass mark from 1 to 100")),
        ],
    )
    questions_per_attempt = IntegerField(
        _l("Questions drawn for each attempt"),
        description=_l(
            "Each attempt draws this many questions from the bank. For every region, the bank "
            "needs at least this many questions."
        ),
        validators=[
            InputRequired(_l("Enter how many questions each attempt draws, like 5")),
            NumberRange(min=1, max=50, message=_l("Enter a number of questions from 1 to 50")),
        ],
    )
    scenario_counts = BooleanField(
        _l("A learner must play the module's scenario to an ending to complete the module"),
        default=True,
    )
    reviewed = DateField(
        _l("Content last reviewed"),
        description=_l("As year-month-day, for example 2026-11-21."),
        validators=[InputRequired(_l("Enter the date the content was last reviewed"))],
    )
    objectives = LinesField(
        _l("Learning objectives"),
        description=_l("One per line. What a learner can do after the module."),
    )
    sources = LinesField(
        _l("Sources"),
        description=_l(
            "One per line: a short id that lessons cite it by, its kind (official, research, "
            "organisation, press or other), its title, then the https:// address of the page "
            "that says the facts, each separated by a vertical bar, for example "
            "mi5-threat-levels | official | MI5, Threat levels | "
            "https://www.mi5.gov.uk/threat-levels"
        ),
    )
    required = BooleanField(_l("Learners must complete this module for the certificate"))

    def validate_objectives(self, field: LinesField) -> None:
        if not field.data:
            raise ValidationError(_l("Enter at least one learning objective"))
        if any(len(line) > 1000 for line in field.data):
            raise ValidationError(_l("Each objective must be 1,000 characters or fewer"))

    def validate_sources(self, field: LinesField) -> None:
        """Each line must be a source the file validator accepts, with an id of its own."""
        if not field.data:
            raise ValidationError(_l("Enter at least one source"))
        seen: set[str] = set()
        for number, line in enumerate(field.data, start=1):
            source = _source_of_line(line)
            if source is None or not source["title"] or not source["url"]:
                raise ValidationError(
                    _l(
                        "Source %(number)d: write the id, the kind, the title and the address, "
                        "separated by vertical bars |",
                        number=number,
                    )
                )
            problems = source_problems(**source)
            if problems:
                raise ValidationError(
                    _l("Source %(number)d: %(problem)s", number=number, problem=problems[0][1])
                )
            if len(source["title"]) > 300:
                raise ValidationError(
                    _l(
                        "Source %(number)d: the title must be 300 characters or fewer",
                        number=number,
                    )
                )
            if source["source_id"] in seen:
                raise ValidationError(
                    _l(
                        "Source %(number)d: another source already has the id %(id)s",
                        number=number,
                        id=source["source_id"],
                    )
                )
            seen.add(source["source_id"])

    def metadata(self) -> dict[str, Any]:
        """The details as a module file holds them."""
        return {
            "title": self.title.data,
            "summary": self.summary.data,
            "minutes": self.minutes.data,
            "pass_mark": self.pass_mark.data,
            "questions_per_attempt": self.questions_per_attempt.data,
            "scenario_counts": self.scenario_counts.data,
            "reviewed": self.reviewed.data.isoformat(),
            "objectives": list(self.objectives.data),
            "sources": [
                {
                    "id": source["source_id"],
                    "kind": source["kind"],
                    "title": source["title"],
                    "url": source["url"],
                }
                for source in map(_source_of_line, self.sources.data)
                if source is not None
            ],
        }

    def fill_from(self, metadata: dict[str, Any], required: bool) -> None:
        self.title.data = metadata["title"]
        self.summary.data = metadata["summary"]
        self.minutes.data = metadata["minutes"]
        self.pass_mark.data = metadata["pass_mark"]
        self.questions_per_attempt.data = metadata["questions_per_attempt"]
        self.scenario_counts.data = metadata.get("scenario_counts", True)
        self.reviewed.data = date.fromisoformat(metadata["reviewed"])
        self.objectives.data = list(metadata["objectives"])
        # A draft saved before sources had an id and a kind shows them empty, to be filled in.
        separator = f" {SOURCE_SEPARATOR} "
        self.sources.data = [
            separator.join(source.get(key, "") for key in SOURCE_FIELDS)
            for source in metadata["sources"]
        ]
        self.required.data = required


def _source_of_line(line: str) -> dict[str, str] | None:
    """One line of the sources box, ``id | kind | title | url``, as the arguments of
    :func:`source_problems`; ``None`` when it does not have all four parts. A title may itself
    hold a vertical bar: the address is what follows the last one."""
    parts = line.split(SOURCE_SEPARATOR, 2)
    if len(parts) < 3:
        return None
    source_id, kind, rest = (part.strip() for part in parts)
    title, separator, url = rest.rpartition(SOURCE_SEPARATOR)
    if not separator:
        return None
    return {"source_id": source_id, "kind": kind, "title": title.strip(), "url": url.strip()}


def _lesson_title_field() -> StringField:
    return StringField(
        _l("Title"),
        filters=[single_spaced],
        validators=[
            DataRequired(_l("Enter the lesson's title")),
            Length(
                max=LESSON_TITLE_MAX_LENGTH, message=_l("The title must be 200 characters or fewer")
            ),
        ],
    )


class LessonForm(DraftForm):
    title = _lesson_title_field()
    slug = _slug_field(_l("Lower-case letters, digits and hyphens, like run-hide-tell."))
    markdown = TextAreaField(
        _l("Text (Markdown)"),
        description=_l(
            "## for a heading, **bold**, - for a list, [words](https://...) for a link, "
            "![description](/media/...) for an image. Wrap text for one region in "
            "::: region uk and a line with :::"
        ),
        # Tall enough to see a good part of a lesson; the preview sits beside it on wide screens.
        render_kw={"rows": 18},
        validators=[
            DataRequired(_l("Write the lesson's text")),
            Length(
                max=LESSON_MARKDOWN_MAX_LENGTH,
                message=_l("The text must be 50,000 characters or fewer"),
            ),
        ],
    )
    scenario = BooleanField(
        _l("This is a scenario lesson"),
        description=_l(
            'It puts the learner in a situation and asks "What would you do?". A scenario need '
            "not cite sources; a lesson that teaches facts must cite at least one."
        ),
    )
    #: Its choices are the module's sources, set by the view from the draft.
    sources = MultiCheckboxField(
        _l("Sources this lesson's facts come from"),
        description=_l("Tick every source that says something the lesson teaches."),
        choices=[],
    )


class ScenarioForm(DraftForm):
    """A branching scenario: its title and slug, like a lesson's, and its steps as the text of
    its file (see :mod:`course.authoring.scenario_editor`)."""

    title = _lesson_title_field()
    slug = _slug_field(_l("Lower-case letters, digits and hyphens, like scenario-station-bench."))
    steps = TextAreaField(
        _l("Steps (YAML, as in the scenario's file)"),
        description=_l(
            "start: names the first step. Each step has an id and a text (Markdown), then either "
            "two to four choices (each with a label, the next step and feedback) or ending: good "
            "or ending: bad. Indent with spaces, as the example does."
        ),
        render_kw={"rows": 24, "spellcheck": "true"},
        validators=[
            DataRequired(_l("Write the scenario's steps")),
            Length(
                max=STEPS_MAX_LENGTH,
                message=_l("The steps must be 100,000 characters or fewer"),
            ),
        ],
    )


class ImageUploadForm(FlaskForm):
    """One image and the words that stand in for it."""

    image = FileField(
        _l("Image file"),
        description=_l("A PNG, JPEG, GIF or WebP image, up to 2 MB and 5000 pixels on a side."),
        validators=[FileRequired(_l("Choose an image file to upload"))],
        render_kw={"accept": ",".join(content for content, _ in ACCEPTED_FORMATS.values())},
    )
    alt_text = StringField(
        _l("Alt text"),
        description=_l(
            "Describe the image for someone who cannot see it. Say what it shows that matters "
            "for the lesson, in one or two sentences."
        ),
        filters=[single_spaced],
        validators=[
            DataRequired(_l("Enter alt text: describe the image for someone who cannot see it.")),
            Length(
                max=ALT_TEXT_MAX_LENGTH,
                message=_l("The alt text must be 300 characters or fewer."),
            ),
        ],
    )


class ModuleZipForm(FlaskForm):
    """Upload one module folder as a zip."""

    file = FileField(
        _l("Module zip file"),
        description=_l(
            "A .zip file holding one module folder, named like 03-first-aid, with its module.yaml, "
            "quiz.yaml and lessons named like 01-what-to-do.md. Download a version of any module "
            "to see the format. Up to %(size)s MB.",
            size=MODULE_ZIP_MAX_MEGABYTES,
        ),
        validators=[FileRequired(_l("Choose a module zip file to upload"))],
        render_kw={"accept": ".zip,application/zip"},
    )
    #: Shown only when the module already has unpublished changes: the author agrees to replace
    #: that revision of its draft (a later save by someone else is never replaced unasked).
    replace_draft = BooleanField(_l("Replace the unpublished changes with the zip"))
    draft_revision = HiddenField()

    def revision_to_replace(self) -> int | None:
        """The draft revision the author agreed to replace, if they ticked the box."""
        if not self.replace_draft.data:
            return None
        try:
            return int(self.draft_revision.data or "")
        except ValueError:
            return None
