import json


def _log_lines(captured: str) -> list[dict]:
    lines = []
    for line in captured.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return lines


def test_each_request_logs_one_structured_line_without_personal_data(api, factory, capsys):
    seller = factory.user("seller")
    shop = factory.shop(seller, "handicrafts")
    capsys.readouterr()

    reply = api.patch(f"/v1/shops/{shop['shop_id']}", {"description": "Silk from Hotan"}, token=seller)
    assert reply.status == 200

    lines = [r for r in _log_lines(capsys.readouterr().out) if r.get("message") == "request"]
    assert len(lines) == 1
    line = lines[0]
    me = api.get("/v1/me", token=seller).json
    assert line["route"] == "/v1/shops/{shop_id}"
    assert line["method"] == "PATCH"
    assert line["status"] == 200
    assert line["stage"] == "local"
    assert line["shop_id"] == shop["shop_id"]
    assert line["user_id"] == me["user_id"]
    assert line["service"] == "bazaar-api" and line["level"] == "INFO"
    assert "request_id" in line and "duration_ms" in line
    raw = json.dumps(line)
    for secret in (seller, me["email"], "Hotan", "Bearer"):
        assert secret not in raw


def test_login_logs_neither_password_nor_email(api, factory, capsys):
    factory.user("buyer", email="quiet.buyer@example.com")
    capsys.readouterr()
    api.post("/v1/auth/login", {"email": "quiet.buyer@example.com", "password": "Wrong-password-1"})
    out = capsys.readouterr().out
    assert "Wrong-password-1" not in out and "quiet.buyer@example.com" not in out
    assert any(r.get("status") == 401 for r in _log_lines(out))


def test_responses_carry_the_request_id_that_was_logged(api, capsys):
    reply = api.get("/v1/storefronts")
    line = [r for r in _log_lines(capsys.readouterr().out) if r.get("message") == "request"][-1]
    assert reply.headers["x-request-id"] == line["request_id"]
