"""Property: chunk_items never exceeds 25, never repeats a key in a chunk, loses nothing."""

from __future__ import annotations

from aggregator.items import Item, chunk_items, item_key
from hypothesis import given, settings
from hypothesis import strategies as st

_items = st.lists(
    st.builds(
        lambda pk, sk, value: {"pk": {"S": pk}, "sk": {"S": sk}, "value": {"N": str(value)}},
        st.sampled_from(["series#a", "series#b", "catalogue"]),
        st.integers(min_value=0, max_value=40).map(lambda n: f"{n:010d}"),
        st.integers(),
    ),
    max_size=300,
)


@settings(max_examples=300, deadline=None)
@given(_items, st.integers(min_value=1, max_value=25))
def test_chunk_items_keeps_chunks_small_unique_and_complete(items: list[Item], size: int) -> None:
    chunks = chunk_items(items, size=size)
    for chunk in chunks:
        assert 1 <= len(chunk) <= size
        keys = [item_key(i) for i in chunk]
        assert len(keys) == len(set(keys)), "duplicate key in one chunk"
    written: dict[tuple[str, str], Item] = {}
    for chunk in chunks:
        for item in chunk:
            assert item_key(item) not in written, "same key in two chunks"
            written[item_key(item)] = item
    last_writer = {item_key(i): i for i in items}
    assert written == last_writer
    assert len(chunks) == -(-len(last_writer) // size)
