"""The API's request bodies, each defined once as a pydantic model: the server checks a body against
its model (strictly: no extra property, no "45" for a number, no time without its offset), and the
OpenAPI document publishes the model's JSON Schema, so that the two cannot disagree.

A refusal is a 400 naming the first property at fault, like every other API error.
"""
from typing import Annotated, Literal

from flask import request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from .auth import ApiError

# Text a request may carry: anything but NUL, which no field can store (input_guard answers 400 first).
Text = Annotated[str, Field(json_schema_extra={"pattern": "^[^\\u0000]*$"})]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class TokenRequest(Body):
    email: Text
    password: Text
    name: Text = Field("API", description="a name to recognise the token by", max_length=120)


class IntroductionRequest(Body):
    need: Text = Field(description="the need's ref")
    technology: Text = Field(description="the technology's ref")
    message: Text = Field("", max_length=5000)


class IntroductionNote(Body):
    note: Text = Field("", max_length=2000, description="kept with the history line")


class Proposal(Body):
    starts: list[AwareDatetime] = Field(min_length=1, max_length=5,
                                        description="one to five times with their offset, in the future")
    mode: Literal["online", "in_person"]
    url: Text = Field("", max_length=500, description="the meeting link (online)")
    place: Text = Field("", max_length=300, description="where (in person)")
    duration_minutes: int = Field(60, ge=15, le=480)


class OptionChoice(Body):
    option: int = Field(description="the id of one of the proposed times (options)")


class NoBody(Body):
    """An action that takes no properties: an empty body or {}."""


MODELS = (TokenRequest, IntroductionRequest, IntroductionNote, Proposal, OptionChoice, NoBody)


def parsed(model: type[Body]) -> Body:
    """The request's JSON body as `model` (no body counts as {}), or a 400 naming the property at fault."""
    data = request.get_data() or b"{}"
    try:
        return model.model_validate_json(data)
    except ValidationError as error:
        problem = error.errors(include_url=False)[0]
        if problem["type"] == "json_invalid" or not problem["loc"]:
            raise ApiError(400, "bad_request", "send a JSON object")
        field = str(problem["loc"][0])
        raise ApiError(400, "bad_request", f"'{field}': {problem['msg']}", field)


def schemas() -> dict:
    """The OpenAPI components of every body model."""
    components = {}
    for model in MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
    return components


def request_body(model: type[Body], required: bool = True) -> dict:
    return {"required": required,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}
