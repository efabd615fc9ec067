"""PipedriveClient against the Pipedrive emulator in-process (uvicorn on 127.0.0.1): the API token only in
the x-api-token header, token budget arithmetic and persistence, burst pacing, OAuth rotation order."""

from __future__ import annotations

import base64

import httpx
import pytest

from ml_connector.connectors.pipedrive.auth import ApiTokenAuth, OAuthRefreshAuth, token_poster
from ml_connector.connectors.pipedrive.client import PipedriveClient
from ml_connector.connectors.pipedrive.models import TokenBudgetExhaustedError
from ml_connector.connectors.pipedrive.ratelimit import BurstLimiter, TokenBudget
from ml_connector.emulators.pipedrive.app import create_app
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.errors import RemoteAuthError
from ml_connector.secrets.secret import Secret


class Recorder(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return super().handle_request(request)


@pytest.fixture
def served():
    s = serve_in_thread(create_app(seed=2, burst_limit=1000))
    yield s
    s.stop()


def test_api_token_travels_in_the_header_never_in_the_url(served) -> None:
    token = served.app.state.credentials["api_token"]
    recorder = Recorder()
    client = PipedriveClient(served.url, ApiTokenAuth(Secret(token)), transport=recorder)
    client.me()
    client.create("organization", {"name": "Acme"})
    assert recorder.requests
    assert all(token not in str(r.url) and r.headers["x-api-token"] == token for r in recorder.requests)
    assert client.usage.tokens == 2 + 5 and served.app.state.emulator.limits.spent == 7


def test_budget_stops_before_the_call_and_is_shared_across_runs() -> None:
    saved: dict[str, int] = {}
    budget = TokenBudget(
        daily_tokens=100,
        reserve_share=0.25,
        load=lambda day: saved.get(day, 0),
        save=lambda day, n: saved.__setitem__(day, saved.get(day, 0) + n),
    )
    assert budget.allowed == 75
    budget.charge(70, "POST /api/v2/organizations")
    with pytest.raises(TokenBudgetExhaustedError, match="token budget"):
        budget.charge(10, "POST /api/v2/deals")
    budget.flush()
    again = TokenBudget(daily_tokens=100, reserve_share=0.25, load=lambda day: saved.get(day, 0))
    assert again.left() == 5  # the second run of the day sees what the first one spent
    plan = TokenBudget(plan="premium", seats=3, top_ups=1000, reserve_share=0.0)
    assert plan.allowed == 30_000 * 5 * 3 + 1000


def test_budget_exhaustion_sends_nothing(served) -> None:
    token = served.app.state.credentials["api_token"]
    client = PipedriveClient(
        served.url, ApiTokenAuth(Secret(token)), budget=TokenBudget(daily_tokens=6, reserve_share=0)
    )
    client.create("organization", {"name": "Acme"})
    with pytest.raises(TokenBudgetExhaustedError):
        client.create("organization", {"name": "Beta"})
    assert [r["name"] for r in served.app.state.emulator.store.listing("organization")] == ["Acme"]


def test_burst_limiter_never_overruns_the_window() -> None:
    now = [0.0]
    sent: list[float] = []
    limiter = BurstLimiter(10, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    for _ in range(100):
        limiter.before(search=False)
        sent.append(now[0])
    for t in sent:
        assert sum(1 for u in sent if t <= u < t + 2.0) <= 9
    assert sent[-1] < 2.0 * (100 / 9) + 0.1  # and it does not wait longer than the window needs
    searches: list[float] = []
    for _ in range(30):
        limiter.before(search=True)
        searches.append(now[0])
    assert all(sum(1 for u in searches if t <= u < t + 2.0) <= 9 for t in searches)


def test_oauth_rotation_is_stored_before_the_new_token_is_used(served) -> None:
    app = served.app
    cred = app.state.credentials
    basic = base64.b64encode(f"{cred['client_id']}:{cred['client_secret']}".encode()).decode()
    first = httpx.post(
        f"{served.url}/oauth/token",
        data={"grant_type": "authorization_code", "code": cred["authorization_code"]},
        headers={"Authorization": f"Basic {basic}"},
    ).json()
    events: list[str] = []
    stored: list[str] = []
    recorder = Recorder()

    def persist(token: Secret) -> None:
        events.append(f"persist after {len(recorder.requests)} API calls")
        stored.append(token.reveal())

    auth = OAuthRefreshAuth(
        client_id=cred["client_id"],
        client_secret=Secret(cred["client_secret"]),
        refresh_token=Secret(first["refresh_token"]),
        post_token=token_poster(f"{served.url}/oauth/token"),
        persist=persist,
    )
    client = PipedriveClient(served.url, auth, transport=recorder)
    client.me()
    assert events == ["persist after 0 API calls"] and stored[0] != first["refresh_token"]
    app.state.emulator.accounts.oauth.expire_all()  # the access token dies mid-run
    client.me()
    assert auth.refreshes == 2 and len(stored) == 2 and stored[1] in app.state.emulator.accounts.oauth.refresh

    def broken(token: Secret) -> None:
        raise OSError("disk full")

    failing = OAuthRefreshAuth(
        client_id=cred["client_id"],
        client_secret=Secret(cred["client_secret"]),
        refresh_token=Secret(stored[1]),
        post_token=token_poster(f"{served.url}/oauth/token"),
        persist=broken,
    )
    with pytest.raises(OSError, match="disk full"):
        PipedriveClient(served.url, failing).me()  # never calls the API with tokens it could not store
    rejected = OAuthRefreshAuth(
        client_id=cred["client_id"],
        client_secret=Secret(cred["client_secret"]),
        refresh_token=Secret("1:1:stale-token-4711"),
        post_token=token_poster(f"{served.url}/oauth/token"),
        persist=persist,
    )
    with pytest.raises(RemoteAuthError, match="authorize the app again") as err:
        PipedriveClient(served.url, rejected).me()
    assert "stale-token-4711" not in str(err.value)
