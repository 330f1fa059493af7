"""The API: REST API with its routes, stage, key and usage plan, the handler, and alarms."""

from .rest_api import API_STAGE_NAME, ApiWithHandler, ApiWithHandlerArgs
from .routes import ROUTES, Route

__all__ = ["API_STAGE_NAME", "ROUTES", "ApiWithHandler", "ApiWithHandlerArgs", "Route"]
