"""Task 9: the stock app, exact JSON, atomic reservations, calm under bad input."""
import json
import signal
import time

import pytest

from tests.helpers import SlowClients, hammer, import_lesson, lesson_env

PRODUCT_1 = ('{"itemId":1,"itemName":"Suitcase 250","price":50,'
             '"initialAvailableQuantity":4')
LIST = ('[' + PRODUCT_1 + '},'
        '{"itemId":2,"itemName":"Suitcase 450","price":100,"initialAvailableQuantity":10},'
        '{"itemId":3,"itemName":"Suitcase 650","price":350,"initialAvailableQuantity":2},'
        '{"itemId":4,"itemName":"Suitcase 1050","price":550,"initialAvailableQuantity":5}]')
NOT_FOUND = '{"status":"Product not found"}'
MALFORMED = ["0", "-1", "5", "12", "abc", "1.5", "1e3", "0x1", "+1", "-0", "%201", "1%20",
             "%EF%BC%91", "%D9%A1", "%C2%B2", "1" * 30, "99999999999", "1/2", "1%2F2", "%00",
             "null", "true", "[1]", "1;", "%E2%80%8B1", "NaN", "Infinity", "1,2"]


@pytest.fixture
def stock():
    """The 9-stock module."""
    return import_lesson("9-stock")


@pytest.fixture
def client(stock, redis_server):
    """A test client of the stock app on the test server."""
    return stock.create_app(redis_server).test_client()


def body(response) -> str:
    """The response body without Flask's trailing newline."""
    return response.get_data(as_text=True).rstrip("\n")


def test_list_products_exact_body_and_key_order(client):
    response = client.get("/list_products")
    assert (response.status_code, body(response)) == (200, LIST)
    assert response.content_type == "application/json"


def test_one_product_has_current_quantity(client):
    response = client.get("/list_products/1")
    assert (response.status_code, body(response)) == (200, PRODUCT_1 + ',"currentQuantity":4}')
    assert response.content_type == "application/json"


def test_reserve_then_quantity_drops(client, r):
    response = client.get("/reserve_product/1")
    assert (response.status_code, body(response)) == (
        200, '{"status":"Reservation confirmed","itemId":1}')
    assert r.get("item.1") == "1"
    assert json.loads(body(client.get("/list_products/1")))["currentQuantity"] == 3


def test_no_stock_left_is_409(client):
    for _ in range(2):
        assert client.get("/reserve_product/3").status_code == 200
    response = client.get("/reserve_product/3")
    assert (response.status_code, body(response)) == (
        409, '{"status":"Not enough stock available","itemId":3}')
    assert response.content_type == "application/json"


@pytest.mark.parametrize("raw", MALFORMED + [""])
@pytest.mark.parametrize("route", ["/list_products/", "/reserve_product/"])
def test_malformed_or_unknown_id_is_404_json(client, route, raw, r):
    response = client.get(route + raw)
    assert (response.status_code, body(response)) == (404, NOT_FOUND), route + raw
    assert response.content_type == "application/json"
    assert r.keys("item.*") == []


def test_unknown_route_and_wrong_method_are_json(client):
    missing = client.get("/nope")
    assert (missing.status_code, body(missing)) == (404, '{"status":"Not Found"}')
    wrong = client.post("/list_products")
    assert (wrong.status_code, body(wrong)) == (405, '{"status":"Method Not Allowed"}')
    assert wrong.content_type == "application/json"


def test_helper_functions(stock, r):
    assert stock.get_item_by_id(2)["itemName"] == "Suitcase 450"
    assert stock.get_item_by_id(9) is None
    assert stock.get_current_reserved_stock_by_id(2) == 0
    stock.reserve_stock_by_id(2, 7)
    assert r.get("item.2") == "7"
    assert stock.get_current_reserved_stock_by_id(2) == 7


def test_200_simultaneous_reservations_confirm_exactly_4(serve_app, r):
    app = serve_app("9-stock.py", ready_path="/list_products")
    answers = hammer([app.url("/reserve_product/1")] * 200)
    statuses = [status for status, _, _ in answers]
    assert statuses.count(200) == 4 and statuses.count(409) == 196, statuses
    assert r.get("item.1") == "4"
    assert json.loads(app.get("/list_products/1")[1])["currentQuantity"] == 0


def test_two_app_processes_on_one_redis_still_confirm_exactly_10(serve_app, r):
    apps = [serve_app("9-stock.py", ready_path="/list_products") for _ in range(2)]
    urls = [apps[n % 2].url("/reserve_product/2") for n in range(200)]
    statuses = [status for status, _, _ in hammer(urls)]
    assert statuses.count(200) == 10 and statuses.count(409) == 190
    assert r.get("item.2") == "10"


def test_production_server_confirms_exactly_4(serve_app, r):
    app = serve_app("9-stock.py", ready_path="/list_products", production=True)
    statuses = [status for status, _, _ in hammer([app.url("/reserve_product/1")] * 200)]
    assert statuses.count(200) == 4 and statuses.count(409) == 196
    assert r.get("item.1") == "4"


@pytest.mark.parametrize("production", [False, True], ids=["dev", "production"])
def test_40_slow_clients_do_not_starve_the_server(serve_app, production):
    """Clients that never finish their headers hold a thread each on gthread; the dev
    server (a thread per connection) and the documented gevent workers keep answering."""
    app = serve_app("9-stock.py", ready_path="/list_products", production=production)
    slow = SlowClients(app.port, 40)
    try:
        time.sleep(1.5)  # every slow connection accepted and trickling
        answers = hammer([app.url("/list_products/1")] * 20, concurrency=20)
    finally:
        slow.close()
    assert [status for status, _, _ in answers] == [200] * 20


def test_reservations_survive_a_restart(serve_app, r):
    app = serve_app("9-stock.py", ready_path="/list_products")
    assert app.get("/reserve_product/4")[0] == 200
    app.signal(signal.SIGINT)
    assert app.wait() == 0
    again = serve_app("9-stock.py", ready_path="/list_products")
    assert json.loads(again.get("/list_products/4")[1])["currentQuantity"] == 4
    assert r.get("item.4") == "1"


def test_sigterm_stops_the_app_with_status_0(serve_app):
    app = serve_app("9-stock.py", ready_path="/list_products")
    app.signal(signal.SIGTERM)
    assert app.wait() == 0
    assert not any("Traceback" in line for line in app.errors)


def test_redis_down_is_503_json_and_the_app_recovers(serve_app, private_redis):
    app = serve_app("9-stock.py", ready_path="/list_products",
                    env=lesson_env(REDIS_URL=private_redis.url))
    assert app.get("/reserve_product/1")[0] == 200
    private_redis.stop()
    started = time.monotonic()
    for path in ("/list_products/1", "/reserve_product/1"):
        status, text, content_type = app.get(path)
        answer = json.loads(text)
        assert (status, answer["status"], content_type) == (
            503, "Redis unavailable", "application/json")
        assert "Connection refused" in answer["reason"]
    assert time.monotonic() - started < 5
    assert app.get("/list_products")[0] == 200  # needs no Redis
    private_redis.start()
    assert app.get("/reserve_product/1")[0] == 200
    assert not any("Traceback" in line for line in app.errors)


def test_head_changes_nothing(redis_server, r):
    client = import_lesson("9-stock").create_app(redis_server).test_client()
    assert client.head("/reserve_product/1").status_code == 405
    assert r.get("item.1") is None
    assert client.head("/list_products/1").status_code == 200


def test_a_count_that_is_not_a_number_is_said_in_json(redis_server, r):
    r.set("item.1", "abc")
    client = import_lesson("9-stock").create_app(redis_server).test_client()
    for path in ("/list_products/1", "/reserve_product/1"):
        response = client.get(path)
        assert response.status_code in (500, 503) and response.is_json, path
        assert "item.1" in response.get_json()["reason"], response.get_json()
    assert r.get("item.1") == "abc"
