"""API Gateway logging: the access log format.

The account-wide CloudWatch role API Gateway logs with is not an app stack's: the separate
``account/`` project owns it, so destroying one stack cannot break another's logging.
"""

from __future__ import annotations

# One JSON object per request (CloudWatch Logs Insights discovers the fields).
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "path": "$context.path",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "integrationError": "$context.integrationErrorMessage",
    "apiKeyId": "$context.identity.apiKeyId",
    "xrayTraceId": "$context.xrayTraceId",
    "errorMessage": "$context.error.message",
}
