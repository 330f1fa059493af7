"""Lambda entry point of the API (``handler.handler``); the code lives in the ``api`` package."""

from api.app import logger, resolve
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict, context: LambdaContext) -> dict:
    """API Gateway REST (v1) proxy event in, proxy response out."""
    return resolve(event, context)
