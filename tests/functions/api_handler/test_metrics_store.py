"""The DynamoDB reader as plain functions, with botocore's Stubber for what moto cannot do."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from api import metrics_store
from api.errors import BadRequest, DependencyUnavailable
from botocore.stub import Stubber

SERIES = "custom.api.RouteRequests-health-2xx.Sum"
NOW = 1_800_000_000


@pytest.fixture()
def stubbed(aws_env: str) -> Iterator[tuple[Any, Stubber]]:
    """A DynamoDB client whose answers the test scripts."""
    client = boto3.client("dynamodb", region_name=aws_env)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _point(ts: int) -> dict[str, Any]:
    return {
        "pk": {"S": f"series#{SERIES}"},
        "sk": {"S": f"{ts:010d}"},
        "ts": {"N": str(ts)},
        "value": {"N": "1.5"},
        "stat": {"S": "Sum"},
    }


def test_token_round_trips() -> None:
    """encode → decode gives the DynamoDB key back."""
    key = {"pk": {"S": f"series#{SERIES}"}, "sk": {"S": "1732790400"}}
    assert metrics_store.decode_token(metrics_store.encode_token(key), f"series#{SERIES}") == key


@pytest.mark.parametrize(
    "payload",
    [
        b'{"pk":"series#other","sk":"1732790400"}',
        b'{"pk":"series#custom.api.RouteRequests-health-2xx.Sum","sk":"17327904"}',
        b'{"pk":"series#custom.api.RouteRequests-health-2xx.Sum","sk":1732790400}',
        b'{"pk":"series#custom.api.RouteRequests-health-2xx.Sum","sk":"1732790400","x":1}',
        b'["pk"]',
        b"\xff\xfe",
    ],
)
def test_decode_token_rejects_tampered(payload: bytes) -> None:
    """Well-encoded tokens with the wrong content are 400 too."""
    token = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    with pytest.raises(BadRequest):
        metrics_store.decode_token(token, f"series#{SERIES}")


def test_get_datapoints_continues_past_filtered_pages(stubbed: tuple[Any, Stubber]) -> None:
    """A page emptied by the TTL filter does not end the listing: it reads on up to ``limit``."""
    client, stubber = stubbed
    last = {"pk": {"S": f"series#{SERIES}"}, "sk": {"S": f"{NOW - 60:010d}"}}
    stubber.add_response("query", {"Items": [], "LastEvaluatedKey": last})
    stubber.add_response("query", {"Items": [_point(NOW - 120), _point(NOW - 180)]})
    result = metrics_store.get_datapoints(
        client, "t", SERIES, start=0, end=NOW, limit=2, token=None, now=NOW
    )
    assert result is not None
    assert [p["ts"] for p in result["datapoints"]] == [NOW - 120, NOW - 180]
    assert result["next_token"] is None


def test_get_datapoints_asks_only_for_what_is_missing(stubbed: tuple[Any, Stubber]) -> None:
    """The second page's Limit is the remainder, so a page never overshoots ``limit``."""
    client, stubber = stubbed
    last = {"pk": {"S": f"series#{SERIES}"}, "sk": {"S": f"{NOW:010d}"}}
    stubber.add_response("query", {"Items": [_point(NOW)], "LastEvaluatedKey": last})
    expected = {
        "TableName": "t",
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
        "FilterExpression": metrics_store._NOT_EXPIRED,
        "ExpressionAttributeValues": {
            ":pk": {"S": f"series#{SERIES}"},
            ":lo": {"S": "0000000000"},
            ":hi": {"S": f"{NOW:010d}"},
            ":now": {"N": str(NOW)},
        },
        "ScanIndexForward": False,
        "Limit": 2,
        "ExclusiveStartKey": last,
    }
    stubber.add_response("query", {"Items": [_point(NOW - 60)]}, expected)
    result = metrics_store.get_datapoints(
        client, "t", SERIES, start=0, end=NOW, limit=3, token=None, now=NOW
    )
    assert result is not None and len(result["datapoints"]) == 2


def test_get_datapoints_throttled_is_unavailable(stubbed: tuple[Any, Stubber]) -> None:
    """Throttling (after the client's own retries) is a 503, naming the AWS error."""
    client, stubber = stubbed
    stubber.add_client_error(
        "query", "ProvisionedThroughputExceededException", http_status_code=400
    )
    with pytest.raises(DependencyUnavailable) as caught:
        metrics_store.get_datapoints(
            client, "t", SERIES, start=0, end=NOW, limit=10, token=None, now=NOW
        )
    assert "ProvisionedThroughputExceededException" in caught.value.reason
    assert "Provisioned" not in caught.value.message, "AWS error codes are not for clients"


def test_get_datapoints_token_rejected_by_dynamodb_is_400(stubbed: tuple[Any, Stubber]) -> None:
    """If DynamoDB refuses a start key that passed our checks, the caller still gets a 400."""
    client, stubber = stubbed
    stubber.add_client_error("query", "ValidationException", http_status_code=400)
    token = metrics_store.encode_token({"pk": {"S": f"series#{SERIES}"}, "sk": {"S": "9999999999"}})
    with pytest.raises(BadRequest):
        metrics_store.get_datapoints(
            client, "t", SERIES, start=0, end=NOW, limit=10, token=token, now=NOW
        )


def test_list_series_reads_catalogue_values(stubbed: tuple[Any, Stubber]) -> None:
    """Catalogue items become series with their latest datapoint (numbers, not strings)."""
    client, stubber = stubbed
    stubber.add_response(
        "query",
        {
            "Items": [
                {
                    "pk": {"S": "catalogue"},
                    "sk": {"S": SERIES},
                    "latest_ts": {"N": str(NOW)},
                    "latest_value": {"N": "0.25"},
                    "stat": {"S": "Sum"},
                }
            ]
        },
    )
    result = metrics_store.list_series(client, "t", limit=10, token=None, now=NOW)
    assert json.loads(json.dumps(result)) == {
        "series": [
            {"series": SERIES, "stat": "Sum", "unit": None, "latest": {"ts": NOW, "value": 0.25}}
        ],
        "next_token": None,
    }
