"""Test-only tables and routes, kept apart from the app's own metadata and URL map.

They let the suite exercise the request transaction, error pages and CSRF before any feature
needs them, without adding anything to the real schema or the real site.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort
from flask_wtf import FlaskForm
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from wtforms import BooleanField, EmailField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Optional

from course.core.access import public
from course.extensions import db, limiter


class SupportBase(DeclarativeBase):
    pass


class Counter(SupportBase):
    __tablename__ = "test_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    value: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<Counter {self.name}={self.value}>"


class SampleForm(FlaskForm):
    full_name = StringField(
        "Full name",
        validators=[DataRequired("Enter your full name")],
        description="As you would like it printed on your certificate",
    )
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter your email address"),
            Email("Enter an email address like name@example.com"),
        ],
    )
    region = RadioField(
        "Where do you live?",
        choices=[SelectChoice("uk", "United Kingdom"), SelectChoice("us", "United States")],
        validators=[DataRequired("Select where you live")],
    )
    nickname = StringField("Nickname", validators=[Optional()])
    agree = BooleanField("I have read the privacy notice")


support_bp = Blueprint("support", __name__, url_prefix="/_test")


@support_bp.post("/counter/<name>")
@public
def increment_counter(name: str) -> str:
    counter = db.session.scalar(select(Counter).where(Counter.name == name))
    if counter is None:
        counter = Counter(name=name, value=0)
        db.session.add(counter)
    counter.value += 1
    return "counted"


@support_bp.post("/counter/<name>/then-fail")
@public
def increment_counter_then_fail(name: str) -> str:
    db.session.add(Counter(name=name, value=1))
    db.session.flush()
    raise RuntimeError("secret internal detail: /etc/passwd")


@support_bp.post("/counter/<name>/then-refuse")
@public
def increment_counter_then_refuse(name: str) -> str:
    db.session.add(Counter(name=name, value=1))
    db.session.flush()
    abort(403)


@support_bp.route("/form", methods=["GET", "POST"])
@public
def sample_form() -> str:
    from flask import render_template_string

    form = SampleForm()
    form.validate_on_submit()
    return render_template_string(
        """{% extends "base.html" %}{% from "macros/forms.html" import error_summary, field %}
        {% block title %}Sample form{% endblock %}
        {% block content %}{{ error_summary(form) }}<h1 class="heading-xl">Sample form</h1>
        <form method="post" novalidate>{{ form.csrf_token }}
        {{ field(form.full_name, autocomplete="name") }}
        {{ field(form.email, autocomplete="email", spellcheck=False) }}{{ field(form.region) }}
        {{ field(form.nickname) }}{{ field(form.agree) }}
        <button class="button" type="submit">Continue</button></form>{% endblock %}""",
        form=form,
    )


@support_bp.get("/limited")
@public
@limiter.limit("2 per minute")
def limited() -> str:
    return "ok"


def install_support(app: Flask) -> None:
    """Add the test-only routes and create the test-only tables."""
    app.register_blueprint(support_bp)
    with app.app_context():
        SupportBase.metadata.create_all(db.engine)
