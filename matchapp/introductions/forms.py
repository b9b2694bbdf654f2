"""Forms for introductions, messages and meeting proposals."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import DateTimeLocalField, HiddenField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..formkit import Form, YearInRange, options
from ..idempotency import OneTimeToken

ATTACHMENT_TYPES = ["pdf", "png", "jpg", "jpeg", "docx", "xlsx", "pptx", "csv", "txt"]


class RequestForm(Form):
    need = HiddenField(validators=[DataRequired()])
    technology = HiddenField(validators=[DataRequired()])
    message = TextAreaField(_l("Message to the other side"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Request an introduction"))


class MessageForm(OneTimeToken, Form):
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=10000)])
    attachment = FileField(_l("Attachment (optional, at most 2 MB)"), validators=[
        FileAllowed(ATTACHMENT_TYPES, _l("Attach a PDF, image, Office document, CSV or text file."))])
    submit = SubmitField(_l("Send"))


class ProposeForm(OneTimeToken, Form):
    option1 = DateTimeLocalField(_l("Time 1"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(), YearInRange()])
    option2 = DateTimeLocalField(_l("Time 2 (optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional(), YearInRange()])
    option3 = DateTimeLocalField(_l("Time 3 (optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional(), YearInRange()])
    duration = IntegerField(_l("Duration (minutes)"), default=60, validators=[DataRequired(), NumberRange(min=15, max=480)])
    mode = RadioField(_l("How you meet"), default="online", choices=options([("online", _l("Online")),
                                                                       ("in_person", _l("In person"))]))
    url = StringField(_l("Meeting link"), validators=[Optional(), Length(max=500)])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Propose these times"))
