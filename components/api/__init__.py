"""The API: REST API with its routes, stage, key and usage plan, the handler, and alarms."""

from .rest_api import API_STAGE_NAME, ApiWithHandler, ApiWithHandlerArgs, api_naming
from .routes import ApiRoute, routes_of_contract

__all__ = [
    "API_STAGE_NAME",
    "ApiRoute",
    "ApiWithHandler",
    "ApiWithHandlerArgs",
    "api_naming",
    "routes_of_contract",
]
