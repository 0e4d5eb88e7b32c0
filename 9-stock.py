#!/usr/bin/env python3
"""Serve products and reserve stock in Redis with Flask, atomically."""
import re

import redis
from flask import Flask

from kuestyle.connection import QUICK, client_for, redis_url, run
from kuestyle.web import answers_like_express, serve

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
# One atomic step: take one if any is left (a GET, then a SET from Python,
# would let two requests both see "1 left" and both confirm it).
RESERVE_ONE = """
local reserved = tonumber(redis.call('GET', KEYS[1]) or '0')
if not reserved then return redis.error_reply(KEYS[1] .. ' not a count') end
if reserved >= tonumber(ARGV[1]) then return 0 end
return redis.call('INCR', KEYS[1])
"""
client = client_for(redis_url(), **QUICK)  # a server's, or Sentinels' master


def get_item_by_id(item_id: int) -> dict | None:
    """Return the product with this itemId, or None."""
    return next((p for p in list_products if p["itemId"] == item_id), None)


def reserve_stock_by_id(item_id: int, stock: int,
                        connection: redis.Redis = client) -> None:
    """Set the number of units of item_id reserved so far (key item.<id>)."""
    connection.set(f"item.{item_id}", stock)


def get_current_reserved_stock_by_id(item_id: int,
                                     connection: redis.Redis = client) -> int:
    """Return the number of units of item_id reserved so far (0 if unset)."""
    value = connection.get(f"item.{item_id}") or b"0"
    if not value.isdigit():
        raise redis.exceptions.DataError(f"item.{item_id} holds {value!r}")
    return int(value)


def create_app(url: str | None = None) -> Flask:
    """Build the stock app on the Redis at url (default: REDIS_URL)."""
    app = answers_like_express(Flask(__name__), changes_state={"reserve"})
    connection = client_for(url, **QUICK) if url else client

    def product(raw_id: str) -> dict | None:
        """The product a URL segment names (None unless a plain id)."""
        plain = re.fullmatch(r"[0-9]{1,6}", raw_id, re.ASCII)
        return get_item_by_id(int(raw_id)) if plain else None

    @app.get("/list_products")
    def products() -> list[dict]:
        """List every product with its initial quantity."""
        return list_products

    @app.get("/list_products/", defaults={"raw_id": ""})
    @app.get("/list_products/<path:raw_id>")
    def show(raw_id: str) -> dict | tuple[dict, int]:
        """Show one product and how many units are still available."""
        if (item := product(raw_id)) is None:
            return {"status": "Product not found"}, 404
        reserved = get_current_reserved_stock_by_id(item["itemId"], connection)
        return {**item, "currentQuantity":
                item["initialAvailableQuantity"] - reserved}

    @app.get("/reserve_product/", defaults={"raw_id": ""})
    @app.get("/reserve_product/<path:raw_id>")
    def reserve(raw_id: str) -> tuple[dict, int]:
        """Reserve one unit, if any is left, in one atomic step."""
        if (item := product(raw_id)) is None:
            return {"status": "Product not found"}, 404
        ok = connection.eval(RESERVE_ONE, 1, f"item.{item['itemId']}",
                             item["initialAvailableQuantity"])
        answer = {"status": "Reservation confirmed" if ok else
                  "Not enough stock available", "itemId": item["itemId"]}
        return answer, 200 if ok else 409

    return app


def main() -> None:
    """Check that Redis answers, then serve on port 1245 until Ctrl-C."""
    client.ping()
    serve(create_app(), 1245)


if __name__ == "__main__":
    run(main)
