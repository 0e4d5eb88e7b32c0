#!/usr/bin/env python3
"""Serve products and reserve stock in Redis with Flask, atomically."""
import re

import redis
from flask import Flask

from kuestyle.connection import (client, fail_fast_client,
                                 redis_errors_in_one_line)
from kuestyle.web import create_json_app, serve

list_products = [
    {"itemId": 1, "itemName": "Suitcase 250", "price": 50,
     "initialAvailableQuantity": 4},
    {"itemId": 2, "itemName": "Suitcase 450", "price": 100,
     "initialAvailableQuantity": 10},
    {"itemId": 3, "itemName": "Suitcase 650", "price": 350,
     "initialAvailableQuantity": 2},
    {"itemId": 4, "itemName": "Suitcase 1050", "price": 550,
     "initialAvailableQuantity": 5},
]
NOT_FOUND = {"status": "Product not found"}


# One atomic step in Redis: check what is left and take one, or take nothing.
# A read in Python followed by a write would let two requests both see
# "1 left" and both confirm it.
RESERVE_ONE = """
local reserved = tonumber(redis.call('GET', KEYS[1]) or '0')
if reserved == nil then
  return redis.error_reply(KEYS[1] .. ' does not hold a count')
end
if reserved >= tonumber(ARGV[1]) then
  return 0
end
redis.call('INCR', KEYS[1])
return 1
"""


class BadStock(ValueError):
    """A reservation count in Redis that is not a number."""


def get_item_by_id(item_id: int) -> dict | None:
    """Return the product with this itemId, or None."""
    return next((p for p in list_products if p["itemId"] == item_id), None)


def parse_item_id(raw: str) -> dict | None:
    """Return the product a URL segment names; None unless it is a plain id."""
    if not re.fullmatch(r"[0-9]{1,6}", raw, re.ASCII):
        return None
    return get_item_by_id(int(raw))


def reserve_stock_by_id(item_id: int, stock: int,
                        connection: redis.Redis | None = None) -> None:
    """Set the number of units of item_id reserved so far (key item.<id>)."""
    (connection or client()).set(f"item.{item_id}", stock)


def get_current_reserved_stock_by_id(item_id: int,
                                     connection: redis.Redis | None = None
                                     ) -> int:
    """Return the number of units of item_id reserved so far (0 if unset)."""
    value = (connection or client()).get(f"item.{item_id}") or 0
    try:
        return int(value)
    except ValueError:
        raise BadStock(f"item.{item_id} holds {value!r}, not a count")


def reserve_one(item: dict, connection: redis.Redis | None = None) -> bool:
    """Reserve one unit of item if one is left, in one atomic step."""
    return (connection or client()).eval(
        RESERVE_ONE, 1, f"item.{item['itemId']}",
        item["initialAvailableQuantity"]) == 1


def with_quantity(item: dict, connection: redis.Redis) -> dict:
    """Return the product with its currentQuantity (initial minus reserved)."""
    reserved = get_current_reserved_stock_by_id(item["itemId"], connection)
    return {**item,
            "currentQuantity": item["initialAvailableQuantity"] - reserved}


def create_app(url: str | None = None) -> Flask:
    """Build the stock app on the Redis at url (default: REDIS_URL)."""
    app = create_json_app(__name__, changes_state={"reserve"})
    connection = client(url=url)  # quick: a 503 at once when Redis is down

    @app.errorhandler(BadStock)
    def bad_stock(error: BadStock) -> tuple[dict, int]:
        """A count in Redis that is not a number: say which, as JSON."""
        return {"status": "Stock count unreadable", "reason": str(error)}, 500

    @app.get("/list_products")
    def products() -> list[dict]:
        """List every product with its initial quantity."""
        return list_products

    @app.get("/list_products/")
    @app.get("/reserve_product/")
    def no_product() -> tuple[dict, int]:
        """An empty id names no product."""
        return NOT_FOUND, 404

    @app.get("/list_products/<path:raw_id>")
    def product(raw_id: str) -> dict | tuple[dict, int]:
        """Show one product and how many units are still available."""
        item = parse_item_id(raw_id)
        if item is None:
            return NOT_FOUND, 404
        return with_quantity(item, connection)

    @app.get("/reserve_product/<path:raw_id>")
    def reserve(raw_id: str) -> tuple[dict, int]:
        """Reserve one unit, if any is left."""
        item = parse_item_id(raw_id)
        if item is None:
            return NOT_FOUND, 404
        if not reserve_one(item, connection):
            return {"status": "Not enough stock available",
                    "itemId": item["itemId"]}, 409
        return {"status": "Reservation confirmed",
                "itemId": item["itemId"]}, 200

    return app


if __name__ == "__main__":
    redis_errors_in_one_line()
    fail_fast_client()
    serve(create_app(), 1245)
